#!/bin/sh
# Runs the given test command inside a private D-Bus session with an unlocked gnome-keyring,
# so the Secret Service integration test talks to a real keyring; without them it runs as is
# (that test then skips and says why).
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec dbus-run-session -- sh -c 'echo -n consent-desk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; export CONSENT_DESK_SECRET_SERVICE=1; exec "$@"' sh "$@"
fi
exec "$@"
