#!/bin/bash
# The pinned build: a static binary, a lock that pins every source package
# by version and sha256, and a tampered download refused.
. "$(dirname "$0")/../lib/prelude.sh"
CACHE=${PRIVLINK_CACHE:-$ROOT/.cache}
cd "$ROOT"

case $(file build/privlinkd) in
*"statically linked"*) ok "build/privlinkd is statically linked" ;;
*) not_ok "build/privlinkd is statically linked" "$(file build/privlinkd)" ;;
esac

for pkg in lwip mbedtls libinih cjson; do
	check "deps.lock pins $pkg by version" grep -Eq "^pkg +$pkg +[^ ]+$" deps/deps.lock
	check "deps.lock pins $pkg's upstream tarball by sha256" \
		grep -Eq "^orig +$pkg +[^ ]+\.orig\.tar\.[a-z0-9]+ +[0-9a-f]{64}$" deps/deps.lock
done

tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'
for pkg in lwip mbedtls libinih cjson; do
	mkdir -p "$tmp/good/dl/$pkg" "$tmp/bad/dl/$pkg"
	cp "$CACHE/dl/$pkg/"* "$tmp/good/dl/$pkg/"
	cp "$CACHE/dl/$pkg/"* "$tmp/bad/dl/$pkg/"
done
check "the cached downloads verify against the lock" \
	env PRIVLINK_CACHE="$tmp/good" deps/fetch.sh --verify-only

# One flipped byte in the middle of the lwIP upstream tarball.
orig=$(ls "$tmp/bad/dl/lwip/"*.orig.tar.*)
size=$(stat -c %s "$orig")
printf '\x5a' | dd of="$orig" bs=1 seek=$((size / 2)) conv=notrunc status=none
out=$(PRIVLINK_CACHE="$tmp/bad" deps/fetch.sh --verify-only 2>&1)
rc=$?
check_eq "a tampered upstream tarball makes deps/fetch.sh fail" "$rc" 1
case $out in
*"does not match the lock"*refused*) ok "the tampered tarball is refused with a clear message" ;;
*) not_ok "the tampered tarball is refused with a clear message" "$out" ;;
esac

# A tampered Debian tarball of the pinned revision is refused too.
cp "$CACHE/dl/lwip/"* "$tmp/bad/dl/lwip/"
deb=$(ls "$tmp/bad/dl/lwip/"*.debian.tar.*)
printf '\x00' >>"$deb"
out=$(PRIVLINK_CACHE="$tmp/bad" deps/fetch.sh --verify-only 2>&1)
check_eq "a tampered Debian tarball makes deps/fetch.sh fail" "$?" 1

check "a second make rebuilds nothing" sh -c 'make -q all'
tap_done
