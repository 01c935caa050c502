#!/usr/bin/env bash
# Installs the built .deb on this machine (as root), runs its self-test and its demo window under Xvfb,
# then purges it: /opt/consent-desk must be gone and the user's data folder untouched.
# Usage: packaging/linux/smoke-test.sh [DEB]   (default: the newest dist/consent-desk_*.deb)
# stderr of the demo may only hold lines matching packaging/linux/smoke-stderr-allowed.txt.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEB="$(realpath "${1:-$(ls -t "$ROOT"/dist/consent-desk_*.deb | head -1)}")"
DEMO_SECONDS="${DEMO_SECONDS:-8}"
[ "$(id -u)" = 0 ] || { echo "error: the smoke test installs a package: run it as root" >&2; exit 2; }
[ -f "$DEB" ] || { echo "error: no package at $DEB (run make package)" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "smoke test FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

# A user with a consent book already on disk: purging the package must leave it as it is.
export HOME="$WORK/home"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_STATE_HOME CONSENT_DESK_DATA_DIR DISPLAY WAYLAND_DISPLAY
export XDG_RUNTIME_DIR="$WORK/runtime"  # Qt warns on stderr without one
install -d -m 0700 "$XDG_RUNTIME_DIR"
DATA="$HOME/.local/share/consent-desk"
mkdir -p "$DATA"
echo "the owner's consent book stays" > "$DATA/marker.txt"
MARKER_SUM="$(sha256sum "$DATA/marker.txt")"

step "install $(basename "$DEB")"
export DEBIAN_FRONTEND=noninteractive
# Depends may name packages this machine has not fetched yet: one update when the install needs it.
apt-get install -y -qq "$DEB" >"$WORK/apt.log" 2>&1 \
  || { apt-get update -qq && apt-get install -y -qq "$DEB" >"$WORK/apt.log" 2>&1; } \
  || { cat "$WORK/apt.log" >&2; fail "apt-get install"; }
[ -x /opt/consent-desk/consent-desk ] || fail "/opt/consent-desk/consent-desk is missing"
[ "$(command -v consent-desk)" = /usr/bin/consent-desk ] || fail "consent-desk is not on PATH"
desktop-file-validate /usr/share/applications/consent-desk.desktop || fail "the installed .desktop entry"

step "consent-desk --self-test"
consent-desk --self-test || fail "self-test"

step "the keychain through the Secret Service (gnome-keyring on a private D-Bus session)"
# The frozen keyring must find its Secret Service backend: the app says so on stderr when it cannot.
dbus-run-session -- sh -c 'echo -n smoke | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  exec consent-desk status +15550100000' >"$WORK/status.out" 2>"$WORK/status.err" \
  || { cat "$WORK/status.err" >&2; fail "consent-desk status"; }
if grep -q "keychain could not be read" "$WORK/status.err"; then
  cat "$WORK/status.err" >&2
  fail "the keychain is unavailable to the installed app"
fi

step "consent-desk --demo under Xvfb for ${DEMO_SECONDS}s"
# Our own Xvfb on a free display (-displayfd), not xvfb-run: its clean-up can fail on its own.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" 2>"$WORK/xvfb.log" &
XVFB=$!
trap 'kill "$XVFB" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/display" ] && break; sleep 0.1; done
[ -s "$WORK/display" ] || { cat "$WORK/xvfb.log" >&2; fail "Xvfb did not start"; }
status=0
DISPLAY=":$(cat "$WORK/display")" QT_QPA_PLATFORM=xcb timeout "$DEMO_SECONDS" consent-desk --demo \
  >"$WORK/demo.out" 2>"$WORK/demo.err" || status=$?
kill "$XVFB" 2>/dev/null || true
# timeout's 124 means the window was still up when the time ran out: the expected end.
[ "$status" = 124 ] || { cat "$WORK/demo.err" >&2; fail "the demo exited with $status before ${DEMO_SECONDS}s"; }
if grep -q "Traceback" "$WORK/demo.err" "$WORK/demo.out"; then
  cat "$WORK/demo.err" >&2
  fail "a traceback"
fi
unexpected="$(grep -v -E -f <(grep -v -E '^(#|$)' "$HERE/smoke-stderr-allowed.txt") "$WORK/demo.err" || true)"
[ -z "$unexpected" ] || { printf '%s\n' "$unexpected" >&2; fail "unexpected lines on stderr (above)"; }
[ -f "$DATA/demo/demo-book.sqlite3" ] || fail "the demo did not write its book in the user's data folder"

step "apt-get purge consent-desk"
apt-get purge -y -qq consent-desk >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt-get purge"; }
[ ! -e /opt/consent-desk ] || fail "/opt/consent-desk is still there after the purge"
[ ! -e /usr/bin/consent-desk ] || fail "/usr/bin/consent-desk is still there after the purge"
[ "$(sha256sum "$DATA/marker.txt" 2>/dev/null)" = "$MARKER_SUM" ] || fail "the user's data folder was touched"
echo "smoke test passed: install, self-test, ${DEMO_SECONDS}s demo, purge (user data kept)"
