#!/usr/bin/env bash
# Apache Kafka from Maven Central jars: one definition of how Encore installs
# and runs a broker, used by scripts/stack and by the tests' own servers.
#
#   kafka.sh install                    fetch the jars once into $ENCORE_ENGINES_DIR/kafka-<version>/libs
#   kafka.sh run DIR PORT CONTROLLER    write DIR's config, format its storage once, then exec the broker
#                                       in the foreground (same pid, so a caller can kill -9 it)
#   kafka.sh run DIR PORT CONTROLLER NODE_ID VOTERS CLUSTER_ID
#                                       the same for one node of a cluster: VOTERS is the controller quorum
#                                       (1@127.0.0.1:19193,2@...), CLUSTER_ID the id every node is formatted with
#   kafka.sh tool CLASS ARGS...         run a command-line tool, e.g. org.apache.kafka.tools.TopicCommand
#
# One node in KRaft combined mode (broker and controller in one JVM), on
# 127.0.0.1 only, with replication factor 1 and min ISR 1 for the internal
# topics so transactions and consumer groups work on a single node. A node of
# a cluster is combined too, with replication factor 3 (or the number of
# voters, if fewer) and min ISR one less.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/kafka.pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
ENGINES="${ENCORE_ENGINES_DIR:-/opt/encore}"
HOME_DIR="$ENGINES/kafka-$KAFKA_VERSION"
LIBS="$HOME_DIR/libs"
HEAP="${ENCORE_KAFKA_HEAP:-512m}"
HEAP_MIN="${ENCORE_KAFKA_HEAP_MIN:-$HEAP}"

say() { printf '\033[1m[kafka]\033[0m %s\n' "$*" >&2; }

installed() { [[ -f "$HOME_DIR/.complete" ]]; }

cmd_install() {
  installed && return 0
  command -v mvn >/dev/null || { say "error: Maven (mvn) is needed to fetch Kafka's jars"; exit 1; }
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS (once)"
  rm -rf "$HOME_DIR" && mkdir -p "$LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" > "$HOME_DIR/install.log" 2>&1 \
    || { tail -n 30 "$HOME_DIR/install.log" >&2; say "error: fetching Kafka's jars failed"; exit 1; }
  touch "$HOME_DIR/.complete"
}

java_run() {
  exec java -Xms"$HEAP_MIN" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -cp "$LIBS/*" "$@"
}

write_config() {
  local dir="$1" port="$2" controller="$3" node_id="${4:-}" voters="${5:-}"
  if [[ -z "$voters" ]]; then
    cat > "$dir/server.properties" <<EOF
# Written by scripts/engines/kafka.sh: one node, KRaft combined mode.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller
EOF
  else
    cat > "$dir/server.properties" <<EOF
# Written by scripts/engines/kafka.sh: node $node_id of a cluster, KRaft combined mode.
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
EOF
  fi
  cat >> "$dir/server.properties" <<EOF
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
# Topics are created explicitly by the services and scripts, never by a typo.
auto.create.topics.enable=false
EOF
  if [[ -z "$voters" ]]; then
    cat >> "$dir/server.properties" <<EOF
# One broker: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  else
    local voter_list replicas min_isr
    IFS=',' read -ra voter_list <<< "$voters"
    replicas=$((${#voter_list[@]} < 3 ? ${#voter_list[@]} : 3))
    min_isr=$((replicas > 1 ? replicas - 1 : 1))
    cat >> "$dir/server.properties" <<EOF
# A write acknowledged with acks=all survives the loss of any one broker, and
# a broker that fell behind never becomes leader.
default.replication.factor=$replicas
min.insync.replicas=$min_isr
unclean.leader.election.enable=false
offsets.topic.replication.factor=$replicas
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
# The controller declares a silent broker dead after 4 s (9 s by default) and
# moves its partitions' leadership; measured, this is most of the longest
# pause producers see when a broker is killed (tests/cluster/brokers.rs): with
# 6 s, a loaded CI run once saw 10.1 s. Brokers heartbeat every second (2 s by
# default), so four beats are missed before a broker is declared dead.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
EOF
  fi
  cat >> "$dir/server.properties" <<EOF
# Tests create and join many groups; nobody else is coming.
group.initial.rebalance.delay.ms=0
log.retention.hours=168
EOF
  cat > "$dir/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName="$dir/kafka.log" filePattern="$dir/kafka.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="50MB"/>
      <DefaultRolloverStrategy max="2"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Root level="info"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
EOF
}

cmd_run() {
  (($# == 3 || $# == 6)) || { say "usage: kafka.sh run DIR PORT CONTROLLER_PORT [NODE_ID VOTERS CLUSTER_ID]"; exit 2; }
  local dir port="$2" controller="$3" node_id="${4:-}" voters="${5:-}" cluster_id="${6:-}"
  cmd_install
  mkdir -p "$1/data"
  dir="$(cd "$1" && pwd)"
  write_config "$dir" "$port" "$controller" "$node_id" "$voters"
  export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$dir/log4j2.xml"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # One node elects itself (--standalone); a node of a cluster is formatted
    # with the cluster's id and finds its peers among the static voters.
    local id="$cluster_id" mode=(--standalone)
    [[ -n "$voters" ]] && mode=()
    [[ -n "$id" ]] || id="$(java -cp "$LIBS/*" -Dlog4j2.configurationFile="$dir/log4j2.xml" kafka.tools.StorageTool random-uuid | tail -n 1)"
    java -cp "$LIBS/*" -Dlog4j2.configurationFile="$dir/log4j2.xml" kafka.tools.StorageTool \
      format "${mode[@]}" -t "$id" -c "$dir/server.properties" >> "$dir/format.log" 2>&1 \
      || { tail -n 20 "$dir/format.log" >&2; say "error: formatting the storage in $dir/data failed"; exit 1; }
  fi
  java_run -Dlog4j2.configurationFile="$dir/log4j2.xml" -Dkafka.logs.dir="$dir" kafka.Kafka "$dir/server.properties"
}

cmd_tool() {
  (($# >= 1)) || { say "usage: kafka.sh tool CLASS ARGS..."; exit 2; }
  cmd_install
  local class="$1"; shift
  exec java -Xmx256m -Dlog4j2.level=warn -cp "$LIBS/*" "$class" "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  run) shift; cmd_run "$@" ;;
  tool) shift; cmd_tool "$@" ;;
  version) echo "$KAFKA_VERSION" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
