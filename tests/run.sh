#!/bin/bash
# Runs every test suite and prints one closing line "N passed, N failed".
#
# Usage: tests/run.sh [PATTERN]   (run only suites whose name contains PATTERN)
#
# A suite is a unit test binary (build/unit/*, build/unit-san/*) or an
# integration script (tests/integration/test_*.sh).  Each prints TAP-like
# lines "ok N - what" / "not ok N - what"; they are counted.  A suite that
# exits non-zero, times out or prints no result line counts as one failure
# more.  Nothing is skipped.
set -u
cd "$(dirname "$0")/.."
pattern=${1:-}
if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the integration tests need root (network namespaces): run 'sudo make test'" >&2
	exit 1
fi

passed=0 failed=0
failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
	local name=$1 limit=$2; shift 2
	local rc ok notok
	case $name in *"$pattern"*) ;; *) return ;; esac
	echo "=== $name"
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	ok=$(grep -c '^ok ' "$log")
	notok=$(grep -c '^not ok ' "$log")
	passed=$((passed + ok))
	failed=$((failed + notok))
	[ "$notok" -gt 0 ] && failures+=("$name: $notok failed check(s)")
	if [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: exited with status $rc$([ $rc = 124 ] && echo ' (timed out)')")
	elif [ $((ok + notok)) -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: printed no result")
	fi
}

for bin in build/unit/test_* build/unit-san/test_*; do
	[ -x "$bin" ] || continue
	run_suite "$bin" 120 "$bin"
done
for script in tests/integration/test_*.sh; do
	run_suite "$script" 600 bash "$script"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
