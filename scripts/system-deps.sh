#!/bin/sh
# Qt needs a few system libraries even offscreen; the keyring tests want gnome-keyring + D-Bus.
# As root on Debian/Ubuntu we install what is missing; otherwise we say what to install.
# The installers (make package / smoke-test / nsis / actionlint) build and check with Debian's tools.
PACKAGING="dpkg-dev lintian desktop-file-utils appstream xvfb nsis npm icu-devtools"
# The preferences page (issue 16) is tested in a real headless browser.
BROWSER="chromium chromium-driver"
PKGS="$PACKAGING $BROWSER libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 dbus gnome-keyring libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-dejavu-core"
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >/dev/null \
    || echo "warning: could not install:$missing" >&2
else
  echo "note: for Qt and the keyring tests, install:$missing (sudo apt-get install$missing)" >&2
fi
exit 0
