#!/bin/bash
# Builds the appliance's initramfs: a gzip-compressed newc cpio holding
#   /init                          privlinkd (it runs as PID 1)
#   /lib/modules/*.ko              the modules of image/modules.list and
#                                  their dependencies (from modules.dep)
#   /lib/modules/modules.dep       those modules' dependency lines
# and the directories holding them; nothing else.  No drop: the appliance
# serves only what its operator gives it (a config drive or fw_cfg, see
# firmware/boot/pid1_drops.c); the demo's drop goes on the demo's config drive
# (qemu/).  No root is needed: cpio writes every entry as owned by 0:0.
#
# Usage: image/mkinitramfs.sh KERNEL_ENV PRIVLINKD OUT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: image/mkinitramfs.sh KERNEL_ENV PRIVLINKD OUT (the image takes no drop)"
kenv=$1 privlinkd=$2 out=$3
. "$kenv"
command -v cpio >/dev/null || die "cpio not found: apt-get install cpio"

[ -f "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep missing (image/kernel.sh makes it)"

stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/modules"
# Stripped: the debug symbols stay in build/privlinkd.
strip -o "$stage/init" "$privlinkd" && chmod 0755 "$stage/init" || die "strip $privlinkd failed"

# dep_line MOD -> "path: deps..." of modules.dep for module MOD (- or _).
dep_line() {
	local m=${1//-/_}
	awk -v m="$m" -F: '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n); gsub(/-/, "_", n);
		if (n == m) { print; exit } }' "$MODDIR/modules.dep"
}
builtin() {
	local m=${1//-/_}
	sed 's/.*\///; s/\.ko$//; s/-/_/g' "$MODDIR/modules.builtin" | grep -qx "$m"
}

declare -A have=()
: > "$stage/lib/modules/modules.dep"
add_module() {
	local line path deps d
	line=$(dep_line "$1")
	[ -n "$line" ] || die "module $1: not in modules.dep of $KVER"
	path=${line%%:*}
	[ -n "${have[$path]:-}" ] && return 0
	have[$path]=1
	deps=${line#*:}
	for d in $deps; do add_module "$(basename "${d%%.ko*}")"; done
	case $path in *.ko) ;; *) die "$path: compressed modules are not expected (CONFIG_MODULE_COMPRESS_NONE)";; esac
	cp "$MODDIR/$path" "$stage/lib/modules/"
	# Flat layout: strip the directories from the module and its deps.
	printf '%s:' "$(basename "$path")" >> "$stage/lib/modules/modules.dep"
	for d in $deps; do printf ' %s' "$(basename "$d")" >> "$stage/lib/modules/modules.dep"; done
	printf '\n' >> "$stage/lib/modules/modules.dep"
}
while read -r m _; do
	case $m in ''|'#'*) continue ;; esac
	if builtin "$m"; then
		echo "mkinitramfs: $m is built into $KVER" >&2
		continue
	fi
	add_module "$m"
done < "$here/modules.list"

# Reproducible: fixed times, sorted names, owner 0:0.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -n -9 > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out: $(stat -c %s "$out") bytes, modules:" \
	"$(sed 's/:.*//; s/\.ko$//' "$stage/lib/modules/modules.dep" | tr '\n' ' ')" >&2
