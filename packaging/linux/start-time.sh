#!/usr/bin/env bash
# Measures the frozen app's start: from launch to its main window mapped on screen (Xvfb), N runs,
# then prints each time and the median. Needs Xvfb and xdotool.
# Usage: packaging/linux/start-time.sh [APP] [RUNS]   (defaults: dist/consent-desk/consent-desk 5)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
APP="${1:-$ROOT/dist/consent-desk/consent-desk}"
RUNS="${2:-5}"
WORK="$(mktemp -d)"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" 2>/dev/null &
XVFB=$!
trap 'kill "$XVFB" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$WORK/display")" QT_QPA_PLATFORM=xcb HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run"
install -d -m 0700 "$HOME" "$XDG_RUNTIME_DIR"
times=()
for run in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  "$APP" --demo >/dev/null 2>"$WORK/run-$run.err" &
  app=$!
  # xdotool's own --sync polls twice a second; poll every 20 ms instead.
  for _ in $(seq 3000); do
    xdotool search --onlyvisible --name "^Demo · .* — Consent Desk$" >/dev/null 2>&1 && break
    sleep 0.02
  done
  end=$(date +%s.%N)
  if ! kill "$app" 2>/dev/null; then
    echo "run $run: the app ended by itself before it was stopped; its stderr:" >&2
    cat "$WORK/run-$run.err" >&2
    exit 1
  fi
  wait "$app" 2>/dev/null || true
  times+=("$(echo "$end - $start" | bc)")
  echo "run $run: ${times[-1]} s"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median of %d: %.2f s\n", NR, m}'
