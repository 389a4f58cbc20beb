#!/usr/bin/env bash
# Apache ZooKeeper from Maven Central jars: how Encore installs and runs one
# member of the ensemble that replicated ClickHouse coordinates through
# (used by scripts/cluster).
#
#   zookeeper.sh install                  fetch the jars once into $ENCORE_ENGINES_DIR/zookeeper-<version>/libs
#   zookeeper.sh run DIR ID PORT PEERS    write DIR's zoo.cfg and myid, then exec server ID in the foreground
#                                         (same pid, so a caller can kill it); PEERS lists every member in id
#                                         order as host:peer_port:election_port, comma-separated
#   zookeeper.sh mode PORT                the member's role (leader, follower; nothing while it has no quorum)
#
# On 127.0.0.1 only. The admin server (Jetty, not among the jars) is off; the
# four-letter words srvr, ruok and mntr stay on for health checks.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/zookeeper.pom.xml"
VERSION="$(sed -n 's:.*<zookeeper.version>\(.*\)</zookeeper.version>.*:\1:p' "$POM")"
ENGINES="${ENCORE_ENGINES_DIR:-/opt/encore}"
HOME_DIR="$ENGINES/zookeeper-$VERSION"
LIBS="$HOME_DIR/libs"
HEAP="${ENCORE_ZOOKEEPER_HEAP:-256m}"

say() { printf '\033[1m[zookeeper]\033[0m %s\n' "$*" >&2; }

cmd_install() {
  [[ -f "$HOME_DIR/.complete" ]] && return 0
  command -v mvn >/dev/null || { say "error: Maven (mvn) is needed to fetch ZooKeeper's jars"; exit 1; }
  say "fetching Apache ZooKeeper $VERSION jars from Maven Central into $LIBS (once)"
  rm -rf "$HOME_DIR" && mkdir -p "$LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" > "$HOME_DIR/install.log" 2>&1 \
    || { tail -n 30 "$HOME_DIR/install.log" >&2; say "error: fetching ZooKeeper's jars failed"; exit 1; }
  touch "$HOME_DIR/.complete"
}

cmd_run() {
  (($# == 4)) || { say "usage: zookeeper.sh run DIR ID CLIENT_PORT PEERS"; exit 2; }
  local dir id="$2" port="$3" peers="$4"
  cmd_install
  mkdir -p "$1/data"
  dir="$(cd "$1" && pwd)"
  echo "$id" > "$dir/data/myid"
  {
    printf '# Written by scripts/engines/zookeeper.sh: member %s of a loopback ensemble.\n' "$id"
    printf 'tickTime=2000\ninitLimit=10\nsyncLimit=5\n'
    printf 'dataDir=%s/data\n' "$dir"
    printf 'clientPort=%s\nclientPortAddress=127.0.0.1\n' "$port"
    printf 'admin.enableServer=false\n4lw.commands.whitelist=srvr,ruok,mntr\n'
    # ClickHouse keeps every replicated table's log here: keep the disk bounded.
    printf 'autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n'
    local n=0 peer
    IFS=',' read -ra members <<< "$peers"
    for peer in "${members[@]}"; do n=$((n + 1)); printf 'server.%s=%s\n' "$n" "$peer"; done
  } > "$dir/zoo.cfg"
  cat > "$dir/logback.xml" <<EOF
<configuration>
  <appender name="file" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>$dir/zookeeper.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>$dir/zookeeper.log.%i</fileNamePattern><maxIndex>2</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy"><maxFileSize>50MB</maxFileSize></triggeringPolicy>
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="file"/></root>
</configuration>
EOF
  # Serial GC: a coordination server with a small heap has no use for G1's threads.
  exec java -Xms128m -Xmx"$HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlogback.configurationFile="$dir/logback.xml" -Dzookeeper.admin.enableServer=false \
    -cp "$LIBS/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg"
}

# srvr over a plain TCP connection, so the check needs neither nc nor a JVM.
cmd_mode() {
  (($# == 1)) || { say "usage: zookeeper.sh mode PORT"; exit 2; }
  local reply
  reply="$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'srvr' >&3 && timeout 2 cat <&3)" 2>/dev/null || return 1
  sed -n 's/^Mode: //p' <<< "$reply"
}

case "${1:-}" in
  install) cmd_install ;;
  run) shift; cmd_run "$@" ;;
  mode) shift; cmd_mode "$@" ;;
  version) echo "$VERSION" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
