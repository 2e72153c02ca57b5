# Shared steps of the scripts that build test peers/servers with Go (sourced, not run).
#
# The sourcing script sets TOOL (name used in log lines and the lock file), BINARY (absolute path of
# the binary to provide) and WANT (the version string installed_version must print), and defines
# installed_version(), which prints the version of $BINARY or fails. Every step logs to stderr; the
# path of the binary is printed on stdout as the last line, so callers can capture it with $(...).

log() { printf '[install-%s] %s\n' "$TOOL" "$*" >&2; }

# Exits successfully, printing the path, when $BINARY already reports $WANT. $1: note for the log.
reuse_if_installed() {
  local have
  if have="$(installed_version)" && [[ "$have" == "$WANT" ]]; then
    log "reusing $BINARY (version $have${1:+, $1})"
    printf '%s\n' "$BINARY"
    exit 0
  fi
}

# Exits 127 with the given hints when Go is not on PATH.
require_go() {
  command -v go >/dev/null 2>&1 && return 0
  log "ERROR: 'go' is not on PATH; it is needed to build $TOOL $WANT."
  local hint
  for hint in "$@"; do log "$hint"; done
  exit 127
}

# Serialises concurrent installs into the same directory (two test runs starting at once), then
# re-checks: another process may have finished the install while this one waited.
lock_install() {
  local dir
  dir="$(dirname "$BINARY")"
  mkdir -p "$dir"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir/.install-$TOOL.lock"
    log "waiting for install lock $dir/.install-$TOOL.lock"
    flock 9
    reuse_if_installed "installed concurrently"
  fi
  local have
  if have="$(installed_version)" && [[ -n "$have" ]]; then
    log "found $BINARY reporting version '$have', want '$WANT': rebuilding"
  fi
  log "$(go version)"
  log "GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPROXY=$(go env GOPROXY)"
}

# Checks the freshly built binary and prints its path; exits 1 when it does not report $WANT.
confirm_installed() {
  local have
  have="$(installed_version || true)"
  if [[ "$have" != "$WANT" ]]; then
    log "ERROR: $BINARY reports version '$have' after the build, expected '$WANT'"
    exit 1
  fi
  log "installed $BINARY (version $have)"
  printf '%s\n' "$BINARY"
}
