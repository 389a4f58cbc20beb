#!/usr/bin/env bash
# HAProxy (Debian's package) as the load balancer in front of the cluster's
# gateways (used by scripts/cluster).
#
#   haproxy.sh run DIR BIND SERVERS STATS   write DIR/haproxy.cfg, then exec HAProxy in the foreground
#                                           (same pid): BIND and STATS are host:port, SERVERS the
#                                           gateways' host:ports, comma-separated
#   haproxy.sh config BIND SERVERS STATS    print that configuration: deploy/cluster/haproxy.cfg,
#                                           which the compose cluster mounts, is its output
#
# It starts whether or not the gateways are up: the health checks mark each one
# up when its /health answers, and until then a client gets a 503.
set -euo pipefail

say() { printf '\033[1m[haproxy]\033[0m %s\n' "$*" >&2; }

# The configuration for BIND, SERVERS and STATS, on stdout.
cmd_config() {
  (($# == 3)) || { say "usage: haproxy.sh config BIND SERVERS STATS"; exit 2; }
  local bind="$1" servers="$2" stats="$3"
  cat <<EOF
# Written by scripts/engines/haproxy.sh: the gateways' load balancer.
global
    log stdout format raw local0 info
    maxconn 4096
    # The gateways are checked every 2 s; no need for a stats socket or a chroot on loopback.

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 60s
    # Long enough for an upload or a transcode to answer; a dead gateway is
    # found by the connection timeout and the health checks, not by this one.
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 5s

frontend gateway
    bind $bind
    option forwardfor
    default_backend gateways

backend gateways
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    # A request that never reached a gateway is retried on another; one that
    # may have been processed is retried only if its method is idempotent.
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout 503
    http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }
    default-server check inter 2s fall 2 rise 2 slowstart 5s
EOF
  local n=0 server
  IFS=',' read -ra list <<< "$servers"
  for server in "${list[@]}"; do n=$((n + 1)); printf '    server gateway-%s %s\n' "$n" "$server"; done
  cat <<EOF

listen stats
    bind $stats
    stats enable
    stats uri /
    stats refresh 5s
    # HAProxy's own liveness, for scripts/cluster: answers 200 whatever the gateways do.
    monitor-uri /health
EOF
}

cmd_run() {
  (($# == 4)) || { say "usage: haproxy.sh run DIR BIND SERVERS STATS"; exit 2; }
  local dir
  command -v haproxy >/dev/null || { say "error: haproxy is not installed (apt-get install haproxy)"; exit 1; }
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  cmd_config "$2" "$3" "$4" > "$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg"
  exec haproxy -db -f "$dir/haproxy.cfg"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  config) shift; cmd_config "$@" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
