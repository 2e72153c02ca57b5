#!/usr/bin/env bash
# Builds the FerretDB binary that the MongoDB peer-store tests run as a real MongoDB wire-protocol
# server on machines where no `mongod` can be downloaded.
#
# Idempotent: an existing <repo>/.cache/bin/ferretdb that reports the wanted version is reused and
# nothing is built. Otherwise the module is fetched through the Go module proxy and built from a
# writable copy, because `go install ...@version` yields a binary that panics at start: the package
# build/version embeds a generated version.txt that the module zip does not contain.
# The Go build and module caches stay at their defaults (override with GOCACHE / GOMODCACHE), so a
# rebuild after `rm -rf .cache` is fast.
#
# Environment (all optional):
#   FERRETDB_VERSION   module version to build            (default: v1.24.2)
#   FERRETDB_BIN_DIR   directory the binary is placed in  (default: <repo>/.cache/bin)
#
# Prints the absolute path of the binary as the LAST line of stdout; everything else goes to stderr.
# Exit codes: 0 ok, 127 Go missing, 1 build failed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$REPO_ROOT/scripts/lib/go-install.sh"
TOOL=ferretdb
VERSION="${FERRETDB_VERSION:-v1.24.2}"
BIN_DIR="${FERRETDB_BIN_DIR:-$REPO_ROOT/.cache/bin}"
BINARY="$BIN_DIR/ferretdb"
MODULE="github.com/FerretDB/FerretDB"
WANT="$VERSION"

installed_version() {
  # `ferretdb --version` prints "version: vX.Y.Z" among other lines; anything else means unusable
  # (including the panic of a binary built without version.txt).
  [[ -x "$BINARY" ]] || return 1
  "$BINARY" --version 2>/dev/null | sed -n 's/^version:[[:space:]]*//p' | head -n 1 | tr -d '[:space:]'
}

reuse_if_installed
require_go "Go >= 1.24 is needed. Install it from https://go.dev/dl/, put a ferretdb $VERSION binary at $BINARY," \
  "or point the tests at a running MongoDB-compatible server with MONGODB_URI."
lock_install

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")"
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

start=$(date +%s)
log "first use: building FerretDB $VERSION from the Go module proxy for the MongoDB peer-store tests;" \
  "about 4 minutes with a cold Go cache (under a minute when cached), once: later runs reuse $BINARY"

# `go mod download` needs a module context only for its own go.mod lookups; run it from WORK so a
# go.mod in the caller's directory does not interfere.
log "running: go mod download -json $MODULE@$VERSION"
if ! json="$(cd "$WORK" && go mod download -json "$MODULE@$VERSION")"; then
  log "ERROR: go mod download $MODULE@$VERSION failed (is the Go module proxy reachable?)"
  exit 1
fi
dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p' | head -n 1)"
if [[ -z "$dir" || ! -d "$dir" ]]; then
  log "ERROR: go mod download gave no module directory; its output was:"
  printf '%s\n' "$json" >&2
  exit 1
fi

# The module cache is read-only; build from a writable copy that has the generated version file.
SRC="$WORK/src"
cp -R "$dir" "$SRC"
chmod -R u+w "$SRC"
printf '%s\n' "$VERSION" > "$SRC/build/version/version.txt"

log "running: go build -o $BINARY ./cmd/ferretdb (in a copy of $dir)"
# Built next to the target and renamed into place (same file system), so a concurrent reader never
# sees a half-written binary.
TMP_BINARY="$BIN_DIR/.ferretdb.$$.tmp"
if ! (cd "$SRC" && go build -buildvcs=false -trimpath -o "$TMP_BINARY" ./cmd/ferretdb) >&2; then
  rm -f "$TMP_BINARY"
  log "ERROR: go build of FerretDB $VERSION failed (see output above)"
  exit 1
fi
mv -f "$TMP_BINARY" "$BINARY"
log "build finished in $(( $(date +%s) - start )) s"

confirm_installed
