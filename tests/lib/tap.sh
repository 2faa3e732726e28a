# TAP-like result lines for shell tests: "ok N - what" / "not ok N - what".
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	local what=$1; shift
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $what"
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}
# check "what" CMD...: ok when CMD exits 0.
# The command's output is shown (as comments) only when it fails.
check() {
	local what=$1 out; shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what" "command failed: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	return 0
}
# check_eq "what" GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  '$2'" "want: '$3'"; fi
}
tap_done() { [ "$tap_failed" -eq 0 ]; }

# The tests' helpers print one JSON record; these read it.
# json STRING EXPR: prints a Python expression over the record r.
json() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# json_true STRING EXPR: exits 0 when EXPR holds for the record r.
json_true() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
# json_ok STRING: exits 0 when the record says "ok".
json_ok() { json_true "$1" 'r.get("ok")'; }
