#!/usr/bin/env bash
# OpenSearch from Maven Central artifacts: one definition of how Encore installs
# and runs a search node, used by scripts/stack and by the tests' own servers.
#
#   opensearch.sh install                 fetch the distribution and modules once into $ENCORE_ENGINES_DIR/opensearch-<version>
#   opensearch.sh run DIR HTTP TRANSPORT  write DIR's config, then exec the node in the foreground as the
#                                         system user encore-search (same pid, so a caller can kill -9 it)
#   opensearch.sh run DIR HTTP TRANSPORT CLUSTER NODE SEEDS MANAGERS
#                                         the same for node NODE of the cluster CLUSTER: SEEDS are the
#                                         members' transport host:ports, MANAGERS the names of the nodes
#                                         eligible to bootstrap it (both comma-separated)
#
# The distribution is the integ-test zip (no bundled JDK; only the
# transport-netty4 module). The index mappings need analysis-common
# (edge_ngram, asciifolding), which extends lang-painless: both are laid out
# under modules/ with the descriptors the full distribution would carry.
# OpenSearch refuses to run as root and no setting overrides that, hence the
# dedicated user; the install lives outside root's home so that user can read it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/opensearch-modules.pom.xml"
VERSION="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$POM")"
ENGINES="${ENCORE_ENGINES_DIR:-/opt/encore}"
HOME_DIR="$ENGINES/opensearch-$VERSION"
USER_NAME=encore-search
HEAP="${ENCORE_SEARCH_HEAP:-512m}"
HEAP_MIN="${ENCORE_SEARCH_HEAP_MIN:-$HEAP}"
JAVA17="${ENCORE_SEARCH_JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"

say() { printf '\033[1m[opensearch]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

descriptor() { # NAME CLASSNAME DESCRIPTION [EXTENDED]
  cat <<EOF
description=$3
version=$VERSION
name=$1
classname=$2
java.version=11
opensearch.version=$VERSION
custom.foldername=
extended.plugins=${4:-}
has.native.controller=false
EOF
}

cmd_install() {
  id -u "$USER_NAME" >/dev/null 2>&1 \
    || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
  [[ -f "$HOME_DIR/.complete" ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch OpenSearch"
  say "fetching OpenSearch $VERSION (integ-test distribution, analysis-common, lang-painless) from Maven Central (once)"
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip" \
    -DoutputDirectory="$work" > "$work/mvn.log" 2>&1 \
    || { tail -n 30 "$work/mvn.log" >&2; die "fetching the distribution failed"; }
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$work/modules" >> "$work/mvn.log" 2>&1 \
    || { tail -n 30 "$work/mvn.log" >&2; die "fetching the modules failed"; }
  rm -rf "$HOME_DIR" && mkdir -p "$ENGINES"
  (cd "$work" && unzip -q "opensearch-$VERSION.zip")
  mv "$work/opensearch-$VERSION" "$HOME_DIR"
  local painless="$HOME_DIR/modules/lang-painless" analysis="$HOME_DIR/modules/analysis-common"
  mkdir -p "$painless" "$analysis"
  mv "$work/modules/analysis-common-$VERSION.jar" "$analysis/"
  mv "$work/modules/"*.jar "$painless/"
  descriptor lang-painless org.opensearch.painless.PainlessPlugin \
    "An easy, safe and fast scripting language for OpenSearch" > "$painless/plugin-descriptor.properties"
  cat > "$painless/plugin-security.policy" <<'EOF'
grant {
  // painless compiles scripts into classes of its own loader
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
  descriptor analysis-common org.opensearch.analysis.common.CommonAnalysisPlugin \
    "Adds analysis components: edge_ngram, asciifolding and the other common filters" lang-painless \
    > "$analysis/plugin-descriptor.properties"
  chmod -R a+rX "$HOME_DIR"
  touch "$HOME_DIR/.complete"
}

cmd_run() {
  (($# == 3 || $# == 7)) || { say "usage: opensearch.sh run DIR HTTP_PORT TRANSPORT_PORT [CLUSTER NODE SEEDS MANAGERS]"; exit 2; }
  local dir http="$2" transport="$3" cluster="${4:-}" node="${5:-}" seeds="${6:-}" managers="${7:-}"
  cmd_install
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  # The node runs as $USER_NAME, which must be able to reach DIR. Under a
  # directory it cannot enter (a checkout in root's home, say), the data goes
  # to a directory of its own under /var/lib, named after DIR, and DIR links to it.
  if ! setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups -- test -x "$dir"; then
    local own
    own="/var/lib/encore-search/$(printf '%s' "$dir" | sha1sum | cut -c1-16)"
    say "$USER_NAME cannot reach $dir; keeping the node's files in $own"
    mkdir -p "$own"
    ln -sfn "$own" "$dir/node"
    dir="$own"
  fi
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  cp "$HOME_DIR/config/log4j2.properties" "$dir/config/"
  # The distribution's jvm.options without its fixed 1 GB heap and GC log,
  # and with the crash files in DIR rather than relative to where it started.
  grep -v -e '^-Xm[sx]' -e 'gc.log' "$HOME_DIR/config/jvm.options" \
    | sed -e "s|HeapDumpPath=data|HeapDumpPath=$dir/data|" -e "s|ErrorFile=logs/|ErrorFile=$dir/logs/|" \
    > "$dir/config/jvm.options"
  mkdir -p "$dir/config/jvm.options.d"
  if [[ -z "$cluster" ]]; then
    cat > "$dir/config/opensearch.yml" <<EOF
# Written by scripts/engines/opensearch.sh: one node on loopback.
cluster.name: encore
node.name: encore-1
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $http
transport.port: $transport
discovery.type: single-node
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  else
    # Bound to loopback only, so the bootstrap checks warn rather than enforce,
    # as they do for the single node.
    cat > "$dir/config/opensearch.yml" <<EOF
# Written by scripts/engines/opensearch.sh: node $node of the cluster $cluster on loopback.
cluster.name: $cluster
node.name: $node
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $http
transport.port: $transport
discovery.seed_hosts: [$seeds]
cluster.initial_cluster_manager_nodes: [$managers]
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  fi
  chown -R "$USER_NAME:$USER_NAME" "$dir"
  cd "$dir"
  exec setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups -- \
    env -i PATH=/usr/bin:/bin HOME=/nonexistent OPENSEARCH_JAVA_HOME="$JAVA17" \
    OPENSEARCH_PATH_CONF="$dir/config" OPENSEARCH_TMPDIR="$dir/tmp" \
    OPENSEARCH_JAVA_OPTS="-Xms$HEAP_MIN -Xmx$HEAP" \
    "$HOME_DIR/bin/opensearch"
}

case "${1:-}" in
  install) cmd_install ;;
  run) shift; cmd_run "$@" ;;
  version) echo "$VERSION" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
