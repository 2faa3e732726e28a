#!/bin/bash
# Fetch, verify and unpack the pinned Debian source packages of deps.lock.
#
# Usage: deps/fetch.sh [--verify-only]
#   PRIVLINK_CACHE  cache folder (default: .cache beside this repo's Makefile)
#
# Writes $PRIVLINK_CACHE/deps.mk naming the unpacked, Debian-patched source
# trees for the Makefile.  A download whose sha256 differs from the lock is
# refused: nothing is unpacked and the script exits 1.  The system's apt
# setup is left alone: trixie deb-src entries live in a private apt state
# under the cache.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lock=${PRIVLINK_LOCK:-$here/deps.lock}
cache=${PRIVLINK_CACHE:-$here/../.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
verify_only=0
[ "${1:-}" = "--verify-only" ] && verify_only=1

die() { echo "deps: error: $*" >&2; exit 1; }
say() { echo "deps: $*" >&2; }

. "$here/private-apt.sh"
private_apt_init "$cache/apt"
apt_setup() {
	private_apt_update "trixie deb-src" trixie-src <<-EOF
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: trixie trixie-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: trixie-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# lock_field KIND PKG -> lines "file sha" (or version for pkg)
lock_lines() { awk -v k="$1" -v p="$2" '$1==k && $2==p { $1=""; $2=""; sub(/^ +/, ""); print }' "$lock"; }

# Checks every file the .dsc names against the .dsc's own sha256 list.
verify_against_dsc() {
	local dir=$1 dsc=$2 sum file
	while read -r sum _ file; do
		[ -f "$dir/$file" ] || die "$file named by $dsc is missing"
		[ "$(sha_of "$dir/$file")" = "$sum" ] || die "$dir/$file: sha256 does not match $dsc: refused"
	done < <(awk '/^Checksums-Sha256:/ {on=1; next} /^[^ ]/ {on=0} on && NF==3 {print}' "$dir/$dsc")
}

# Newest version of PKG in the private index whose upstream part is UPSTREAM.
newest_revision() {
	local pkg=$1 upstream=$2
	apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null |
		awk '/^Version:/ {print $2}' |
		while read -r v; do [ "${v%-*}" = "$upstream" ] && echo "$v"; done |
		sort -V | tail -n1
}

fetch_pkg() {
	local pkg=$1 pinned version upstream dir dsc file want got
	pinned=$(lock_lines pkg "$pkg")
	[ -n "$pinned" ] || die "$lock: no pkg line for $pkg"
	upstream=${pinned%-*}
	dir=$cache/dl/$pkg
	mkdir -p "$dir"

	# Which revision is in the cache already?  The pinned one first.
	version=""
	if [ -f "$dir/${pkg}_${pinned#*:}.dsc" ]; then
		version=$pinned
	else
		dsc=$(ls "$dir"/*.dsc 2>/dev/null | sort -V | tail -n1 || true)
		[ -n "$dsc" ] && version=$(awk '/^Version:/ {print $2}' "$dsc")
	fi

	if [ -z "$version" ]; then
		[ $verify_only = 1 ] && die "$pkg: nothing in $dir to verify"
		apt_setup
		if (cd "$dir" && apt-get "${apt_opts[@]}" -qq source --download-only "$pkg=$pinned" >&2 2>/dev/null); then
			version=$pinned
		else
			version=$(newest_revision "$pkg" "$upstream")
			[ -n "$version" ] || die "$pkg: neither $pinned nor any revision of upstream $upstream is in the archive"
			(cd "$dir" && apt-get "${apt_opts[@]}" -qq source --download-only "$pkg=$version" >&2) ||
				die "$pkg: download of $version failed"
		fi
	fi

	# The upstream tarball must match the lock, whatever the revision.
	while read -r file want; do
		[ -f "$dir/$file" ] || die "$pkg: $dir/$file is missing"
		got=$(sha_of "$dir/$file")
		[ "$got" = "$want" ] || die "$pkg: $file sha256 $got does not match the lock ($want): refused"
	done < <(lock_lines orig "$pkg")

	dsc=${pkg}_${version#*:}.dsc
	if [ "$version" = "$pinned" ]; then
		while read -r file want; do
			[ -f "$dir/$file" ] || die "$pkg: $dir/$file is missing"
			got=$(sha_of "$dir/$file")
			[ "$got" = "$want" ] || die "$pkg: $file sha256 $got does not match the lock ($want): refused"
		done < <(lock_lines debian "$pkg")
	else
		echo "deps: WARNING: ********************************************************" >&2
		echo "deps: WARNING: $pkg: pinned revision $pinned is gone from the archive;" >&2
		echo "deps: WARNING: using $version (same upstream, orig sha256 verified)." >&2
		echo "deps: WARNING: update deps/deps.lock to make this the pinned revision." >&2
		echo "deps: WARNING: ********************************************************" >&2
	fi
	verify_against_dsc "$dir" "$dsc"

	local src=$cache/src/$pkg-$version stamp
	stamp=$(sha_of "$dir/$dsc")
	if [ $verify_only = 0 ] && [ "$(cat "$src/.privlink-stamp" 2>/dev/null)" != "$stamp" ]; then
		command -v dpkg-source >/dev/null || die "dpkg-source not found: apt-get install dpkg-dev"
		rm -rf "$src"
		mkdir -p "$cache/src"
		# dpkg-source applies Debian's patch series (3.0 quilt).
		dpkg-source -q -x "$dir/$dsc" "$src" >&2 2>/dev/null || die "$pkg: dpkg-source -x $dsc failed"
		echo "$stamp" > "$src/.privlink-stamp"
	fi
	say "$pkg $version verified$([ $verify_only = 0 ] && echo ", unpacked in $src")"
	printf '%s_DIR := %s\n%s_VERSION := %s\n' "$(echo "$pkg" | tr a-z A-Z)" "$src" \
		"$(echo "$pkg" | tr a-z A-Z)" "$version" >> "$cache/deps.mk.new"
}

rm -f "$cache/deps.mk.new"
for pkg in $(awk '$1=="pkg" {print $2}' "$lock"); do
	fetch_pkg "$pkg"
done
if [ $verify_only = 1 ]; then
	rm -f "$cache/deps.mk.new"
else
	mv "$cache/deps.mk.new" "$cache/deps.mk"
fi
