#!/bin/bash
# Fetch, verify and unpack the pinned Debian cloud kernel of kernel.lock.
#
# Usage: image/kernel.sh OUTDIR
#   PRIVLINK_CACHE  cache folder (default: .cache beside the Makefile)
#
# The lock pins the kernel series (6.1), the binary package and its sha256.
# The package is downloaded with `apt-get download` through a private apt
# state under $PRIVLINK_CACHE/apt-image holding bookworm's binary index
# (authenticated by apt's signed Release files): the system's apt setup is
# not touched.  When Debian has replaced the pinned ABI (security updates
# rename linux-image-6.1.0-N-cloud-amd64), the newest package of the same
# series that linux-image-cloud-amd64 names is used, with a loud WARNING.
# The package is unpacked with dpkg-deb -x (no root) into OUTDIR/pkg;
# OUTDIR/kernel.env names vmlinuz, the module tree and the version used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lock=${PRIVLINK_KERNEL_LOCK:-$here/kernel.lock}
cache=${PRIVLINK_CACHE:-$here/../.cache}
out=${1:?usage: image/kernel.sh OUTDIR}
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
out=$(cd "$out" && pwd)

die() { echo "kernel: error: $*" >&2; exit 1; }
say() { echo "kernel: $*" >&2; }
field() { awk -v k="$1" '$1==k { print $2 }' "$lock"; }

series=$(field series)
pin_pkg=$(field package)
pin_ver=$(field version)
pin_sha=$(field sha256)
[ -n "$series" ] && [ -n "$pin_pkg" ] && [ -n "$pin_ver" ] && [ -n "$pin_sha" ] ||
	die "$lock: needs series, package, version and sha256 lines"

dl=$cache/dl/kernel
. "$here/../deps/private-apt.sh"
private_apt_init "$cache/apt-image"
apt_setup() {
	private_apt_update "bookworm binary" bookworm <<-SRC
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Architectures: amd64
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Architectures: amd64
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SRC
}

deb_of() { ls "$dl/$1"_"${2//:/%3a}"_amd64.deb 2>/dev/null | head -n1 || true; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$dl"
pkg=$pin_pkg ver=$pin_ver
deb=$(deb_of "$pkg" "$ver")
if [ -z "$deb" ]; then
	apt_setup
	if ! (cd "$dl" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver" >&2 2>/dev/null); then
		# The pinned ABI is gone: take what the metapackage names now,
		# if it is of the same series.
		pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ {print $2}' | sort -V | tail -n1)
		[ -n "$pkg" ] || die "linux-image-cloud-amd64 names no kernel package in the index"
		case $pkg in
		linux-image-"$series".*-cloud-amd64) ;;
		*) die "linux-image-cloud-amd64 now names $pkg, not of the pinned series $series: update image/kernel.lock" ;;
		esac
		ver=$(apt-cache "${apt_opts[@]}" show "$pkg" | awk '/^Version:/ {print $2; exit}')
		[ -n "$ver" ] || die "$pkg: no version in the index"
		# The newest may be the pinned one, already here: no second download.
		[ -n "$(deb_of "$pkg" "$ver")" ] ||
			(cd "$dl" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver" >&2) ||
			die "download of $pkg $ver failed"
	fi
	deb=$(deb_of "$pkg" "$ver")
	[ -n "$deb" ] || die "$pkg $ver: downloaded .deb not found in $dl"
fi

got=$(sha_of "$deb")
if [ "$pkg" = "$pin_pkg" ] && [ "$ver" = "$pin_ver" ]; then
	[ "$got" = "$pin_sha" ] || die "$deb: sha256 $got does not match the lock ($pin_sha): refused"
else
	# Checked against the signed index (also a copy cached by an earlier
	# run); say so loudly.
	want=$(apt-cache "${apt_opts[@]}" show "$pkg=$ver" | awk '/^SHA256:/ {print $2; exit}')
	[ "$got" = "$want" ] || die "$deb: sha256 $got does not match apt's signed index (${want:-none}): refused"
	echo "kernel: WARNING: ********************************************************" >&2
	echo "kernel: WARNING: pinned $pin_pkg $pin_ver is gone from the archive;" >&2
	echo "kernel: WARNING: using $pkg $ver (series $series, checked by apt's signed index," >&2
	echo "kernel: WARNING: sha256 $got)." >&2
	echo "kernel: WARNING: update image/kernel.lock to make this the pinned kernel." >&2
	echo "kernel: WARNING: ********************************************************" >&2
fi

stamp="$pkg $ver $got"
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$out/pkg"
	mkdir -p "$out/pkg"
	dpkg-deb -x "$deb" "$out/pkg" || die "dpkg-deb -x $deb failed"
	# Debian generates modules.dep when the package is installed; do it
	# for the unpacked tree (no root needed).
	command -v depmod >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v depmod >/dev/null || die "depmod not found: apt-get install kmod"
	depmod -b "$out/pkg" "${pkg#linux-image-}" || die "depmod failed"
	echo "$stamp" > "$out/.stamp"
fi
kver=${pkg#linux-image-}
[ -f "$out/pkg/boot/vmlinuz-$kver" ] || die "$deb holds no boot/vmlinuz-$kver"
[ -f "$out/pkg/lib/modules/$kver/modules.dep" ] || die "$deb holds no lib/modules/$kver/modules.dep"
cat > "$out/kernel.env" <<-ENV
KPKG=$pkg
KPKG_VERSION=$ver
KVER=$kver
VMLINUZ=$out/pkg/boot/vmlinuz-$kver
MODDIR=$out/pkg/lib/modules/$kver
ENV
say "$pkg $ver verified, unpacked in $out/pkg"
