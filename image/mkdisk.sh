#!/bin/bash
# Builds the appliance's bootable disk images from vmlinuz + initrd, without
# root and without loop mounts:
#
#   OUTDIR/privlink.raw    64 MiB, GPT (with a protective MBR)
#   OUTDIR/privlink.qcow2  the same, qcow2 (QEMU/libvirt, Proxmox)
#   OUTDIR/privlink.vhd    the same, fixed VHD (Hyper-V, Azure: 1 MiB-aligned size)
#
# One partition, an EFI system partition (FAT32, label PLBOOT) that both
# firmwares boot from:
#   UEFI: \EFI\BOOT\BOOTX64.EFI, a unified kernel image: systemd's EFI stub
#         (systemd-boot-efi) with the kernel, initrd and command line added
#         as PE sections by objcopy;
#   BIOS: syslinux (Debian's mtools-based installer, which works on an image
#         file) in the partition's boot sector, syslinux's gptmbr.bin as the
#         MBR boot code, which starts the partition marked with GPT's
#         "legacy BIOS bootable" attribute.
# The partition is built as a file (mkfs.vfat, mcopy, syslinux) and written
# into the disk at its offset; sfdisk writes the partition table.
#
# Usage: image/mkdisk.sh VMLINUZ INITRD OUTDIR
set -euo pipefail

vmlinuz=$1 initrd=$2 out=$3
die() { echo "mkdisk: error: $*" >&2; exit 1; }
PATH=$PATH:/usr/sbin:/sbin
for t in sfdisk mkfs.vfat mcopy mmd syslinux objcopy objdump qemu-img; do
	command -v $t >/dev/null || die "$t not found (deps/packages.sh build installs it)"
done
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
GPTMBR=/usr/lib/syslinux/mbr/gptmbr.bin
[ -f "$STUB" ] || die "$STUB not found: apt-get install systemd-boot-efi"
[ -f "$GPTMBR" ] || die "$GPTMBR not found: apt-get install syslinux-common"

# The kernel command line, both ways: the serial console last, so that it
# is /dev/console (clouds show ttyS0 as the serial console).
CMDLINE="console=tty0 console=ttyS0,115200 quiet panic=10"
DISK_MIB=64
PART_START=2048				# sectors: 1 MiB
PART_SECTORS=$(( (DISK_MIB - 2) * 2048 ))	# 62 MiB; the backup GPT fits after it
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

mkdir -p "$out"
work=$(mktemp -d "$out/.mkdisk.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1

# --- UEFI: the unified kernel image.  Each added section goes after the
# stub's last one, aligned to 4 KiB.
printf 'NAME=privlink\nID=privlink\nPRETTY_NAME="privlink appliance"\n' > "$work/os-release"
printf '%s' "$CMDLINE" > "$work/cmdline"
next=0
while read -r idx _ size vma _; do
	case $idx in [0-9]*) ;; *) continue ;; esac
	[ $((0x$vma + 0x$size)) -gt $next ] && next=$((0x$vma + 0x$size))
done < <(objdump -h "$STUB")
[ $next -gt 0 ] || die "$STUB: no sections found by objdump -h"
sections=()
for s in osrel:"$work/os-release" cmdline:"$work/cmdline" initrd:"$initrd" linux:"$vmlinuz"; do
	name=${s%%:*} file=${s#*:}
	next=$(( (next + 4095) / 4096 * 4096 ))
	sections+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf 0x%x $next)")
	next=$(( next + $(stat -c %s "$file") ))
done
objcopy "${sections[@]}" "$STUB" "$work/BOOTX64.EFI" || die "objcopy (unified kernel image) failed"

# --- BIOS: syslinux's configuration.
cat > "$work/syslinux.cfg" <<-CFG
SERIAL 0 115200
DEFAULT privlink
PROMPT 0
TIMEOUT 0
LABEL privlink
  LINUX /vmlinuz
  INITRD /initrd
  APPEND $CMDLINE
CFG

# --- the EFI system partition, as a file.  Its BPB's hidden sectors is
# the partition's start, which syslinux's boot sector needs.
esp=$work/esp.img
rm -f "$esp"
mkfs.vfat -F 32 -n PLBOOT -h $PART_START -C "$esp" $((PART_SECTORS / 2)) >/dev/null ||
	die "mkfs.vfat failed"
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/syslinux
mcopy -i "$esp" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$vmlinuz" ::/vmlinuz
mcopy -i "$esp" "$initrd" ::/initrd
mcopy -i "$esp" "$work/syslinux.cfg" ::/syslinux/syslinux.cfg
syslinux --install --directory /syslinux "$esp" || die "syslinux --install failed"

# --- the disk: GPT, the partition (legacy BIOS bootable), the MBR code.
raw=$work/privlink.raw
truncate -s ${DISK_MIB}M "$raw"
sfdisk --quiet --label gpt "$raw" <<-PT || die "sfdisk failed"
start=$PART_START, size=$PART_SECTORS, type=$ESP_TYPE, name="privlink", attrs="LegacyBIOSBootable"
PT
dd if="$esp" of="$raw" bs=512 seek=$PART_START conv=notrunc status=none
dd if="$GPTMBR" of="$raw" bs=440 count=1 conv=notrunc status=none

qemu-img convert -f raw -O qcow2 -c "$raw" "$work/privlink.qcow2" || die "qemu-img (qcow2) failed"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$work/privlink.vhd" ||
	die "qemu-img (vhd) failed"
for f in privlink.raw privlink.qcow2 privlink.vhd; do
	mv "$work/$f" "$out/$f"
done
echo "mkdisk: $out: raw $(stat -c %s "$out/privlink.raw"), qcow2 $(stat -c %s "$out/privlink.qcow2")," \
	"vhd $(stat -c %s "$out/privlink.vhd") bytes" >&2
