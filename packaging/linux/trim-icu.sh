#!/usr/bin/env bash
# Rebuilds the bundle's ICU data library without the parts Qt never reads for this app.
#
# Qt's wheel links ICU 73 and ships all of its data (30 MiB). Qt formats dates, numbers and
# language names from its own CLDR tables, so ICU's display names (unit/ curr/ lang/ region/
# zone/), spelled-out numbers (rbnf/), transliterators (translit/) and legacy code-page
# converters (*.cnv; UTF-8/16/32, Latin-1 and ASCII are built into ICU) are dead weight.
# Collation (coll/), break iteration (brkitr/), normalisation and character names stay.
# Usage: trim-icu.sh BUNDLE_DIR   (needs icupkg and genccode from Debian's icu-devtools, and gcc)
set -euo pipefail
bundle=${1:?usage: trim-icu.sh BUNDLE_DIR}
lib=$(find "$bundle" -name 'libicudata.so.*' -type f | head -n 1)
if [ -z "$lib" ]; then
    echo "trim-icu: no libicudata in $bundle; nothing to do"
    exit 0
fi
for tool in icupkg genccode objcopy gcc strip; do
    command -v "$tool" >/dev/null || { echo "trim-icu: $tool is missing (apt-get install icu-devtools binutils gcc)" >&2; exit 1; }
done
soname=$(basename "$lib")                         # libicudata.so.73
major=${soname##*.}                               # 73
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

objcopy -O binary --only-section=.rodata "$lib" "$work/icudt${major}l.dat"
icupkg -l "$work/icudt${major}l.dat" > "$work/items.txt"
grep -E '^(unit|curr|lang|region|zone|rbnf|translit)/|\.cnv$' "$work/items.txt" > "$work/drop.txt" || true
if [ ! -s "$work/drop.txt" ]; then
    echo "trim-icu: $soname is already trimmed"
    exit 0
fi
# In place: the package keeps its name, so its items stay "icudt73l/..." as ICU looks them up.
icupkg -r "$work/drop.txt" "$work/icudt${major}l.dat" >/dev/null
(cd "$work" && genccode -e "icudt${major}" -a gcc -d . "icudt${major}l.dat" >/dev/null)
gcc -shared -nostdlib -Wl,-soname,"$soname" -o "$work/$soname" "$work/icudt${major}l_dat.S"
strip --strip-unneeded "$work/$soname"  # as PyInstaller strips the rest (lintian: unstripped-binary-or-object)
nm -D "$work/$soname" | grep -q " R icudt${major}_dat$" || { echo "trim-icu: rebuilt library lacks icudt${major}_dat" >&2; exit 1; }
before=$(stat -c %s "$lib")
install -m 0755 "$work/$soname" "$lib"
after=$(stat -c %s "$lib")
echo "trim-icu: $soname $((before / 1048576)) MiB -> $((after / 1048576)) MiB ($(wc -l < "$work/drop.txt") of $(wc -l < "$work/items.txt") items dropped)"
