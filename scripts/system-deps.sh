#!/bin/sh
# Qt needs a few system libraries even offscreen; the keyring tests want gnome-keyring + D-Bus.
# As root on Debian/Ubuntu we install what is missing; otherwise we say what to install.
# The installers (make package / smoke-test / nsis / actionlint) build and check with Debian's tools.
QT="libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 dbus gnome-keyring libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-dejavu-core"
PACKAGING="dpkg-dev lintian desktop-file-utils appstream xvfb nsis icu-devtools"
# A Node.js from elsewhere (e.g. NodeSource) ships its own npm and conflicts with Debian's.
command -v npm >/dev/null 2>&1 || PACKAGING="$PACKAGING npm"
# The preferences page (issue 16) is tested in a real headless browser.
BROWSER="chromium chromium-driver"
command -v dpkg-query >/dev/null 2>&1 || exit 0

missing_of() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf ' %s' "$p"
  done
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# One group at a time, and package by package when a group does not resolve, so that one
# conflicting package never keeps the others out.
install_group() {
  missing=$(missing_of "$@")
  [ -z "$missing" ] && return 0
  echo "Installing system packages:$missing"
  # shellcheck disable=SC2086
  apt_install $missing && return 0
  for p in $missing; do
    apt_install "$p" || echo "warning: could not install $p" >&2
  done
}

all_missing=$(missing_of $QT $PACKAGING $BROWSER)
[ -z "$all_missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || echo "warning: apt-get update failed" >&2
  # shellcheck disable=SC2086
  install_group $QT
  # shellcheck disable=SC2086
  install_group $PACKAGING
  # shellcheck disable=SC2086
  install_group $BROWSER
else
  echo "note: for Qt, the keyring and browser tests and the installers, install:$all_missing (sudo apt-get install$all_missing)" >&2
fi
exit 0
