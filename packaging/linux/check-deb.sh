#!/usr/bin/env bash
# Validates a built .deb the way a distribution would: its .desktop entry (desktop-file-validate),
# its AppStream metainfo (appstreamcli) and the package itself (lintian: no error or warning; the
# overrides it ships cover only what a frozen bundle under /opt must raise).
# Usage: packaging/linux/check-deb.sh [DEB]   (default: the newest dist/consent-desk_*.deb)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEB="$(realpath "${1:-$(ls -t "$ROOT"/dist/consent-desk_*.deb | head -1)}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
dpkg-deb -x "$DEB" "$WORK"
echo "== desktop-file-validate"
desktop-file-validate "$WORK"/usr/share/applications/*.desktop
echo "== appstreamcli validate"
appstreamcli validate --no-net "$WORK"/usr/share/metainfo/*.metainfo.xml
echo "== lintian"
# lintian warns that it runs as root (CI does); that line says nothing about the package.
lintian --fail-on error,warning "$DEB" 2> >(grep -v "running with root privileges" >&2)
echo "ok: $(basename "$DEB") passes desktop-file-validate, appstreamcli and lintian"
