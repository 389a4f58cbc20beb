#!/usr/bin/env bash
# SeaweedFS as the cluster's S3-compatible object store (used by scripts/cluster).
#
#   seaweedfs.sh install          build `weed` once into $ENCORE_ENGINES_DIR/seaweedfs-<version>/ (Go module proxy)
#   seaweedfs.sh run DIR S3_PORT MASTER_PORT VOLUME_PORT FILER_PORT ACCESS_KEY SECRET_KEY
#                                 exec one `weed server` in the foreground (same pid): master, volume
#                                 server, filer and the S3 gateway, data in DIR, on 127.0.0.1 only.
#                                 Each port's gRPC twin is 10000 above it.
#
# Why SeaweedFS: of the S3 servers a registry here serves, it is the one built
# for production (a master, volume servers and a filer that scale out
# separately, replication, erasure coding), under the Apache licence, and its
# S3 gateway checks SigV4 signatures like AWS. MinIO is AGPL and its module is
# not among those known to resolve; s3s-fs is a test server that maps buckets
# onto a directory. The price is the first install: `weed` is built from
# source, 8-9 minutes of CPU on this 2-core machine, once.
#
# SeaweedFS tags its releases without semantic versions, so the Go module proxy
# serves it only under a pseudo-version; its go.mod has replace directives,
# which `go install module@version` refuses, so the module is downloaded and
# built in place.
set -euo pipefail

VERSION=v0.0.0-20261109003541-7506e5f91cd6
MODULE=github.com/seaweedfs/seaweedfs
ENGINES="${ENCORE_ENGINES_DIR:-/opt/encore}"
HOME_DIR="$ENGINES/seaweedfs-$VERSION"
WEED="$HOME_DIR/weed"

say() { printf '\033[1m[seaweedfs]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

go_bin() {
  if command -v go >/dev/null; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "Go (1.21 or newer) is needed to build SeaweedFS"; fi
}

cmd_install() {
  [[ -x "$WEED" ]] && return 0
  local go src
  go="$(go_bin)"
  say "building SeaweedFS ($MODULE@$VERSION) from the Go module proxy into $HOME_DIR (once; several minutes)"
  mkdir -p "$HOME_DIR"
  src="$("$go" mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || die "downloading $MODULE@$VERSION failed"
  # Niced: the build takes minutes of CPU that the services' builds may want too.
  (cd "$src" && nice -n 10 "$go" build -trimpath -ldflags='-s -w' -o "$WEED.new" ./weed) > "$HOME_DIR/install.log" 2>&1 \
    || { tail -n 30 "$HOME_DIR/install.log" >&2; die "building weed failed"; }
  mv "$WEED.new" "$WEED"
}

cmd_run() {
  (($# == 7)) || { say "usage: seaweedfs.sh run DIR S3_PORT MASTER_PORT VOLUME_PORT FILER_PORT ACCESS_KEY SECRET_KEY"; exit 2; }
  local dir s3="$2" master="$3" volume="$4" filer="$5" access="$6" secret="$7"
  cmd_install
  mkdir -p "$1/data"
  dir="$(cd "$1" && pwd)"
  # One identity, allowed everything, with the key pair the services sign with.
  cat > "$dir/s3.json" <<EOF
{
  "identities": [
    {
      "name": "encore",
      "credentials": [{ "accessKey": "$access", "secretKey": "$secret" }],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
EOF
  chmod 600 "$dir/s3.json"
  # Every listener on loopback and on a port of its own; the side services
  # (Iceberg and Lance catalogs) off, and no telemetry (there is no network).
  # Small volumes (256 MB, up to 64): audio files are a few MB each.
  exec "$WEED" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$master" -master.port.grpc=$((master + 10000)) -master.telemetry=false \
    -master.volumeSizeLimitMB=256 \
    -volume.port="$volume" -volume.port.grpc=$((volume + 10000)) -volume.max=64 -volume.preStopSeconds=0 \
    -filer -filer.port="$filer" -filer.port.grpc=$((filer + 10000)) \
    -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port="$s3" -s3.port.grpc=$((s3 + 10000)) -s3.config="$dir/s3.json" \
    -s3.localSocket="$dir/s3.sock" -s3.port.iceberg=0 -s3.port.lance=0
}

case "${1:-}" in
  install) cmd_install ;;
  run) shift; cmd_run "$@" ;;
  version) echo "$VERSION" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
