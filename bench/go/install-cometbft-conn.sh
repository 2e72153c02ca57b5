#!/usr/bin/env bash
# Builds the Go benchmark peer (bench/go/cometbft-conn: CometBFT v0.38.17's own p2p/conn driven
# directly) for `npm run bench`. Dependencies come through the Go module proxy, pinned by the
# program's go.mod and go.sum; the binary is cached in <repo>/.cache/bin and rebuilt only when the
# program's sources change (the version it reports is a hash of them).
#
# Prints the absolute path of the binary as the LAST line of stdout; progress goes to stderr.
# Exits 127 when `go` is not on PATH and no current binary is cached.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$REPO_ROOT/scripts/lib/go-install.sh"
TOOL=cometbft-conn
SOURCE_DIR="$REPO_ROOT/bench/go/cometbft-conn"
BINARY="$REPO_ROOT/.cache/bin/cometbft-conn"
WANT="$(cat "$SOURCE_DIR/main.go" "$SOURCE_DIR/go.mod" "$SOURCE_DIR/go.sum" | sha256sum | cut -c1-16)"

installed_version() {
  [[ -x "$BINARY" ]] || return 1
  "$BINARY" version 2>/dev/null | head -n 1 | tr -d '[:space:]'
}

reuse_if_installed
require_go "Go >= 1.22.11 is needed to build the CometBFT benchmark peer; the cometbft comparison is skipped without it."
lock_install

log "running: go build -o $BINARY (in $SOURCE_DIR)"
start=$(date +%s)
if ! (cd "$SOURCE_DIR" && go build -trimpath -ldflags "-X main.sourceHash=$WANT" -o "$BINARY" .) >&2; then
  log "ERROR: go build failed (see output above)"
  exit 1
fi
log "build finished in $(( $(date +%s) - start )) s"
confirm_installed
