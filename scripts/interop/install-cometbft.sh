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
VERSION="${COMETBFT_VERSION:-v0.38.17}"
GOBIN_DIR="${COMETBFT_GOBIN:-$REPO_ROOT/.cache/bin}"
BINARY="$GOBIN_DIR/cometbft"
MODULE="github.com/cometbft/cometbft/cmd/cometbft"
WANT="${VERSION#v}"

log() { printf '[install-cometbft] %s\n' "$*" >&2; }

installed_version() {
  # `cometbft version` prints the bare semver (e.g. "0.38.17"); anything else means unusable.
  [[ -x "$BINARY" ]] || return 1
  "$BINARY" version 2>/dev/null | head -n 1 | tr -d '[:space:]'
}

if have="$(installed_version)" && [[ "$have" == "$WANT" ]]; then
  log "reusing $BINARY (version $have)"
  printf '%s\n' "$BINARY"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "ERROR: 'go' is not on PATH; it is needed to build CometBFT $VERSION (Go >= 1.22.11)."
  log "Install Go from https://go.dev/dl/ or put an existing cometbft $WANT binary at $BINARY."
  exit 127
fi

mkdir -p "$GOBIN_DIR"

# Two test runs starting at once must not both build into the same GOBIN.
LOCK="$GOBIN_DIR/.install-cometbft.lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOCK"
  log "waiting for install lock $LOCK"
  flock 9
  # Another process may have finished the install while we waited.
  if have="$(installed_version)" && [[ "$have" == "$WANT" ]]; then
    log "reusing $BINARY (version $have, installed concurrently)"
    printf '%s\n' "$BINARY"
    exit 0
  fi
fi

if [[ -n "${have:-}" ]]; then
  log "found $BINARY reporting version '$have', want '$WANT': rebuilding"
fi
log "$(go version)"
log "GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPROXY=$(go env GOPROXY)"
log "running: GOBIN=$GOBIN_DIR go install $MODULE@$VERSION"
start=$(date +%s)
if ! GOBIN="$GOBIN_DIR" go install "$MODULE@$VERSION" >&2; then
  log "ERROR: go install $MODULE@$VERSION failed (see output above)"
  exit 1
fi
log "go install finished in $(( $(date +%s) - start )) s"

have="$(installed_version || true)"
if [[ "$have" != "$WANT" ]]; then
  log "ERROR: $BINARY reports version '$have' after install, expected '$WANT'"
  exit 1
fi
log "installed $BINARY (version $have)"
printf '%s\n' "$BINARY"
