#!/bin/bash
# privlinkd -t: every bad drop under tests/drops/bad/ is refused with exit
# status 1 and exactly the file:line messages of its "expect" file (DROP
# standing for the drop's directory); good drops print "configuration OK".
set -u
. "$(dirname "$0")/../lib/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PRIVLINKD=${PRIVLINKD:-$ROOT/build/privlinkd}
cd "$ROOT"

for dir in tests/drops/bad/*/; do
	dir=${dir%/}
	name=${dir##*/}
	got=$("$PRIVLINKD" -t -c "$dir" 2>&1 >/dev/null)
	rc=$?
	check_eq "bad drop '$name' is refused with exit status 1" "$rc" 1
	want=$(sed "s#DROP#$dir#g" "$dir/expect")
	check_eq "bad drop '$name' reports exactly its file:line errors" "$got" "$want"
done

for dir in tests/drops/good config/examples/demo; do
	out=$("$PRIVLINKD" -t -c "$dir" 2>&1)
	rc=$?
	check_eq "$dir: privlinkd -t exits 0" "$rc" 0
	check_eq "$dir: privlinkd -t says configuration OK" "$out" "configuration OK"
done

empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
out=$("$PRIVLINKD" -t -c "$empty" 2>&1)
check_eq "an empty drop is valid but serves nothing: exit status 2" "$?" 2
out=$("$PRIVLINKD" -t -c "$empty/missing" 2>&1)
rc=$?
check_eq "a missing drop directory is an error: exit status 1" "$rc" 1
case $out in
*"$empty/missing: cannot read the drop directory"*) ok "a missing drop directory is named in the error" ;;
*) not_ok "a missing drop directory is named in the error" "$out" ;;
esac
tap_done
