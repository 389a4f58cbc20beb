#!/usr/bin/env bash
# Redis (Debian's redis-server package) as Encore's online store: one server
# for scripts/stack, a primary, its replica and three Sentinels for
# scripts/cluster.
#
#   redis.sh run DIR PORT [replicaof HOST:PORT]
#                                   write DIR/redis.conf, then exec a server in the foreground (same pid,
#                                   so a caller can kill it); with `replicaof`, a replica of HOST:PORT
#   redis.sh sentinel DIR PORT MASTER_HOST:MASTER_PORT QUORUM [NAME]
#                                   write DIR/sentinel.conf, then exec a Sentinel in the foreground that
#                                   watches the primary at MASTER_HOST:MASTER_PORT under NAME (default
#                                   encore); QUORUM Sentinels must agree it is down before a failover
#   redis.sh version                the installed redis-server's version (7.0.15)
#
# On 127.0.0.1 only, logging to stdout (the caller's log file). Nothing is
# persisted: everything in the store is rebuilt from ClickHouse and Kafka, so
# a restarted server starts empty and a replica resyncs from its primary.
set -euo pipefail

say() { printf '\033[1m[redis]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_server() { command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"; }

# What every server and Sentinel shares. protected-mode stays at its default
# (yes): it refuses only clients from outside loopback when no password is set,
# and every client here connects from 127.0.0.1.
common_config() {
  local dir="$1" port="$2"
  printf 'bind 127.0.0.1\nport %s\n' "$port"
  printf 'daemonize no\nsupervised no\nlogfile ""\nloglevel notice\nalways-show-logo no\n'
  printf 'dir %s\n' "$dir"
}

cmd_run() {
  case "$#:${3:-}" in
    2: | 4:replicaof) ;;
    *) say "usage: redis.sh run DIR PORT [replicaof HOST:PORT]"; exit 2 ;;
  esac
  local dir port="$2" primary="${4:-}"
  need_server
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  {
    printf '# Written by scripts/engines/redis.sh: the server on 127.0.0.1:%s%s.\n' "$port" "${primary:+, a replica of $primary}"
    common_config "$dir" "$port"
    # No RDB snapshots, no append-only file: the store is a cache of what
    # ClickHouse and Kafka hold, rebuilt from them.
    printf 'save ""\nappendonly no\n'
    # Bounded: past 256 MB the least recently used keys go, whoever owns them,
    # rather than writes failing.
    printf 'maxmemory 256mb\nmaxmemory-policy allkeys-lru\n'
    # A listener's history (500 plays of 40-odd bytes) stays a listpack, a
    # packed array, rather than a skiplist and a hash: a quarter of the
    # memory, and inserting into 500 entries is still microseconds.
    printf 'zset-max-listpack-entries 512\nzset-max-listpack-value 64\n'
    # A replica's first sync starts at once (the default waits 5 s for more
    # replicas to share one transfer), so a replica is linked within a second.
    printf 'repl-diskless-sync yes\nrepl-diskless-sync-delay 0\n'
    [[ -z "$primary" ]] || printf 'replicaof %s %s\nreplica-read-only yes\n' "${primary%:*}" "${primary##*:}"
  } > "$dir/redis.conf"
  # A replica's full sync goes through DIR/dump.rdb, and a server loads that
  # file at start whatever `save` says: removed, so that a restarted server
  # starts empty instead of serving the keys of its last sync.
  rm -f "$dir/dump.rdb"
  exec redis-server "$dir/redis.conf"
}

cmd_sentinel() {
  (($# == 4 || $# == 5)) || { say "usage: redis.sh sentinel DIR PORT MASTER_HOST:MASTER_PORT QUORUM [NAME]"; exit 2; }
  local dir port="$2" primary="$3" quorum="$4" name="${5:-encore}"
  need_server
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  # Written afresh at every start with the primary the caller names (the one
  # the running Sentinels agree on, if any): Sentinel rewrites this file as it
  # learns replicas, other Sentinels and failovers, so it must be writable, and
  # a stale copy from an earlier run could name a primary that is now a replica.
  {
    printf '# Written by scripts/engines/redis.sh, then rewritten by Sentinel itself.\n'
    common_config "$dir" "$port"
    printf 'sentinel monitor %s %s %s %s\n' "$name" "${primary%:*}" "${primary##*:}" "$quorum"
    # A primary silent for 2 s is down; a failover that stalls is retried
    # after 2 x 5 s. Short, so that a failover in the tests takes seconds.
    printf 'sentinel down-after-milliseconds %s 2000\n' "$name"
    printf 'sentinel failover-timeout %s 5000\n' "$name"
    printf 'sentinel parallel-syncs %s 1\n' "$name"
  } > "$dir/sentinel.conf"
  exec redis-server "$dir/sentinel.conf" --sentinel
}

# "Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 build=..."
cmd_version() {
  need_server
  redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  sentinel) shift; cmd_sentinel "$@" ;;
  version) cmd_version ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
