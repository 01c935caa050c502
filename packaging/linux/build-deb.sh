#!/usr/bin/env bash
# Builds dist/consent-desk_<version>_<arch>.deb from the PyInstaller bundle (`make package` runs it).
# Usage: packaging/linux/build-deb.sh [BUNDLE_DIR] [OUT_DIR]   (defaults: dist/consent-desk dist)
# DEB_COMPRESS=gzip trades a bigger file (51 instead of 38 MB) for a build in seconds (CI uses it).
# The bundle goes to /opt/consent-desk, /usr/bin/consent-desk links to it; Depends are the packages of
# the system libraries the bundle loads (dpkg-shlibdeps), plus fonts, the Secret Service and D-Bus.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUNDLE="$(realpath "${1:-$ROOT/dist/consent-desk}")"
OUT="$(realpath -m "${2:-$ROOT/dist}")"
[ -x "$BUNDLE/consent-desk" ] || { echo "error: no bundle at $BUNDLE (run make dist)" >&2; exit 2; }

VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/desktop_app/__init__.py")"
ARCH="$(dpkg --print-architecture)"
APP_ID="io.github.consentdesk.ConsentDesk"
# The release date is the last commit's, so the same tree gives the same package.
DATE="$(git -C "$ROOT" log -1 --format=%cs 2>/dev/null || date -u +%F)"
export SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PKG="$WORK/root"
install -d "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
  "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/usr/share/metainfo" \
  "$PKG/usr/share/doc/consent-desk" "$PKG/usr/share/lintian/overrides" "$PKG/usr/share/man/man1"
cp -a "$BUNDLE" "$PKG/opt/consent-desk"
chmod -R u=rwX,go=rX "$PKG/opt/consent-desk"
# Shared objects need no execute bit (lintian: shared-library-is-executable), the launcher does.
find "$PKG/opt/consent-desk/_internal" -type f -name '*.so*' -exec chmod 0644 {} +
ln -s /opt/consent-desk/consent-desk "$PKG/usr/bin/consent-desk"  # across top-level dirs: absolute

install -m 0644 "$HERE/consent-desk.desktop" "$PKG/usr/share/applications/consent-desk.desktop"
install -m 0644 "$ROOT/resources/icons/app.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/consent-desk.svg"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$DATE/" "$HERE/$APP_ID.metainfo.xml" \
  > "$PKG/usr/share/metainfo/$APP_ID.metainfo.xml"
install -m 0644 "$HERE/lintian-overrides" "$PKG/usr/share/lintian/overrides/consent-desk"
install -m 0644 "$HERE/copyright" "$PKG/usr/share/doc/consent-desk/copyright"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" "$HERE/changelog" \
  | gzip -9n > "$PKG/usr/share/doc/consent-desk/changelog.gz"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$DATE/" "$HERE/consent-desk.1" \
  | gzip -9n > "$PKG/usr/share/man/man1/consent-desk.1.gz"
chmod 0644 "$PKG/usr/share/doc/consent-desk/changelog.gz" "$PKG/usr/share/man/man1/consent-desk.1.gz"

# dpkg-shlibdeps reads the ELF files' needs and maps each system library to its package and version;
# libraries inside the bundle (Qt, Python) have no package and are skipped.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: consent-desk\n\nPackage: consent-desk\nArchitecture: any\n' > "$WORK/shlibs/debian/control"
mapfile -t ELVES < <(find "$PKG/opt/consent-desk" -type f \( -name '*.so*' -o -name consent-desk \) \
  -exec sh -c 'head -c4 "$1" | grep -q "ELF" && echo "$1"' sh {} \;)
LIBDIRS=()
while IFS= read -r dir; do LIBDIRS+=("-l$dir"); done < <(printf '%s\n' "${ELVES[@]}" | xargs -n1 dirname | sort -u)
# It also fails when a library that some file needs is neither in the bundle nor on the system.
if ! SHLIBS="$(cd "$WORK/shlibs" && dpkg-shlibdeps -O --ignore-missing-info "${LIBDIRS[@]}" \
  -e "${ELVES[@]}" 2>"$WORK/shlibdeps.log")"; then
  grep -i error "$WORK/shlibdeps.log" | sort -u >&2
  exit 1
fi
SHLIBS="${SHLIBS#shlibs:Depends=}"

# Fonts for every script the app speaks and shows (Latin, Cyrillic, Arabic, Devanagari: fonts-noto-core),
# the Secret Service that holds the tokens and the session bus it talks over. (The xcb libraries Qt's
# X11 plugin needs are among the shared-library dependencies above.)
EXTRA="fonts-noto-core, fonts-dejavu-core, gnome-keyring | keepassxc | kwalletmanager, dbus-user-session | dbus-x11"
SIZE="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: consent-desk
Version: $VERSION
Architecture: $ARCH
Maintainer: Consent Desk maintainers <maintainers@consent-desk.invalid>
Installed-Size: $SIZE
Depends: $SHLIBS, $EXTRA
Recommends: fonts-noto-color-emoji, xdg-desktop-portal
Suggests: fonts-noto-cjk
Section: misc
Priority: optional
Description: opt-out desk for a shop's WhatsApp Business number
 Consent Desk spots customers' requests to stop messages in many languages,
 lets the shop owner confirm them with one click (or applies them
 automatically), sends one confirmation in the customer's language and keeps
 a local, verifiable consent book of who asked to stop what, and when.
 .
 The application is a frozen bundle (Python and Qt included) in
 /opt/consent-desk; the consent book stays in the user's data folder and is
 kept when the package is removed or purged.
CONTROL

mkdir -p "$OUT"
DEB="$OUT/consent-desk_${VERSION}_${ARCH}.deb"
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  > "$PKG/DEBIAN/md5sums"
find "$PKG" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
case "${DEB_COMPRESS:-xz}" in
  xz) COMPRESS=(-Zxz -z6) ;;
  gzip) COMPRESS=(-Zgzip -z6) ;;
  *) echo "error: DEB_COMPRESS is xz or gzip" >&2; exit 2 ;;
esac
dpkg-deb --root-owner-group "${COMPRESS[@]}" --build "$PKG" "$DEB" >/dev/null
echo "$DEB ($(du -h "$DEB" | cut -f1), installs $((SIZE / 1024)) MiB)"
