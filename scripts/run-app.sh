#!/bin/sh
# Runs the given command (the app) with a system keychain where it can.
#
# Inside a desktop session (DBUS_SESSION_BUS_ADDRESS is set) the desktop's own keychain is used and
# the command runs as is. Outside one (an SSH shell, a bare X server) there is no Secret Service, so
# every password field would stay disabled: when dbus-run-session and gnome-keyring-daemon are
# installed, this starts a private D-Bus session with gnome-keyring unlocked, as scripts/run-tests.sh
# does for the tests. That keyring is the app's own, in ~/.local/share/consent-desk-keyring (never
# the desktop's login keyring). Its password is a fixed word written here (gnome-keyring creates no
# keyring for an empty one), so it protects the tokens only as well as that folder's permissions
# (0700) do: on a shared machine, run the app inside your desktop session instead.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null 2>&1 \
  && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  keyring_home="${CONSENT_DESK_KEYRING_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/consent-desk-keyring}"
  mkdir -p "$keyring_home" && chmod 700 "$keyring_home"
  exec dbus-run-session -- sh -c '
    printf consent-desk | XDG_DATA_HOME="$0" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    exec "$@"' "$keyring_home" "$@"
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "note: no desktop session and no gnome-keyring here, so passwords and tokens cannot be saved;" \
    "install gnome-keyring and dbus (scripts/system-deps.sh), or run inside a desktop session" >&2
fi
exec "$@"
