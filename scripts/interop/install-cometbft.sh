#!/usr/bin/env bash
# Installs the upstream CometBFT binary that the interop tests run as a real peer.
#
# Idempotent: an existing <repo>/.cache/bin/cometbft that reports the wanted version is reused and
# nothing is built. Otherwise `go install` builds it from the Go module proxy; the Go build cache and
# module cache are left at their defaults so a rebuild after `rm -rf .cache` is fast.
#
# Environment (all optional):
#   COMETBFT_VERSION   module version to install          (default: v0.38.17)
#   COMETBFT_GOBIN     directory the binary is placed in  (default: <repo>/.cache/bin)
#
# Prints the absolute path of the binary as the LAST line of stdout; everything else goes to stderr
# so callers can capture the path with `$(...)` or by reading the final line.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$REPO_ROOT/scripts/lib/go-install.sh"
TOOL=cometbft
VERSION="${COMETBFT_VERSION:-v0.38.17}"
BINARY="${COMETBFT_GOBIN:-$REPO_ROOT/.cache/bin}/cometbft"
MODULE="github.com/cometbft/cometbft/cmd/cometbft"
WANT="${VERSION#v}"

installed_version() {
  # `cometbft version` prints the bare semver (e.g. "0.38.17"); anything else means unusable.
  [[ -x "$BINARY" ]] || return 1
  "$BINARY" version 2>/dev/null | head -n 1 | tr -d '[:space:]'
}

reuse_if_installed
require_go "Go >= 1.22.11 is needed. Install it from https://go.dev/dl/ or put an existing cometbft $WANT binary at $BINARY."
lock_install

log "running: GOBIN=$(dirname "$BINARY") go install $MODULE@$VERSION"
start=$(date +%s)
if ! GOBIN="$(dirname "$BINARY")" go install "$MODULE@$VERSION" >&2; then
  log "ERROR: go install $MODULE@$VERSION failed (see output above)"
  exit 1
fi
log "go install finished in $(( $(date +%s) - start )) s"
confirm_installed
