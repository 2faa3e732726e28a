#!/bin/bash
# privlinkd -t: every bad drop under tests/drops/bad/ is refused with exit
# status 1 and exactly the file:line messages of its "expect" file (DROP
# standing for the drop's directory); good drops print "configuration OK".
. "$(dirname "$0")/../lib/prelude.sh"
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
	check_eq "$dir: privlinkd -t says configuration OK" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
	case $(printf '%s\n' "$out" | head -n 1) in
	"service web: alias web."????????-????-????-????-????????????".westeurope.privlink") ok "$dir: privlinkd -t prints the alias of service web" ;;
	*) not_ok "$dir: privlinkd -t prints the alias of service web" "$out" ;;
	esac
done

a1=$("$PRIVLINKD" -t -c config/examples/demo | head -n 1)
a2=$("$PRIVLINKD" -t -c tests/drops/good | head -n 1)
check_eq "the alias is the same for the same secret and service name" "$a1" "$a2"
other=$(mktemp -d)
cp config/examples/demo/*.ini "$other/"
sed -i 's/^secret = 5b/secret = 6b/' "$other/00-appliance.ini"
a3=$("$PRIVLINKD" -t -c "$other" | head -n 1)
rm -rf "$other"
if [ -n "$a3" ] && [ "$a3" != "$a1" ]; then ok "another secret gives another alias"; else not_ok "another secret gives another alias" "$a1" "$a3"; fi

empty=$(mktemp -d)
at_exit 'rm -rf "$empty"'
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
