#!/bin/bash
# Makes a config drive: a small FAT file system labelled PRIVLINK holding
# drop files (*.ini) and the PEM files they name (*.pem: [management]
# client_ca ...) at its top level, for the appliance to read at boot.
# No root, no loop mount (mkfs.vfat -C and mtools).
#
# Usage: image/config-drive.sh OUT.img FILE_OR_DIR...
#   a DIR adds its *.ini and *.pem files; a later file replaces one of the
#   same name.
# Attach it to the VM as any disk (QEMU: -drive file=OUT.img,format=raw,if=virtio).
set -euo pipefail
out=${1:?usage: image/config-drive.sh OUT.img FILE_OR_DIR...}
shift
[ $# -gt 0 ] || { echo "config-drive: no drop files given" >&2; exit 2; }
for t in mkfs.vfat mcopy; do
	command -v $t >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v $t >/dev/null || { echo "config-drive: $t not found: apt-get install dosfstools mtools" >&2; exit 1; }
done
rm -f "$out"
mkfs.vfat -C -n PRIVLINK "$out" 2048 >/dev/null
for src in "$@"; do
	if [ -d "$src" ]; then
		files=("$src"/*.ini)
		[ -f "${files[0]}" ] || { echo "config-drive: $src: no *.ini" >&2; exit 1; }
		for f in "$src"/*.pem; do
			[ -f "$f" ] && files+=("$f")
		done
	else
		files=("$src")
	fi
	for f in "${files[@]}"; do
		MTOOLS_SKIP_CHECK=1 mcopy -o -i "$out" "$f" "::$(basename "$f")"
	done
done
