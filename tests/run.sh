#!/bin/bash
# Runs every test suite and prints one closing line "N passed, N failed".
#
# Usage: tests/run.sh [PATTERN]   (run only suites whose name contains PATTERN)
#
# A suite is a unit test binary (build/unit/*, build/unit-san/*) or an
# integration script (tests/integration/test_*.sh).  Each prints TAP-like
# lines "ok N - what" / "not ok N - what"; they are counted.  A suite that
# exits non-zero, times out or prints no result line counts as one failure
# more, and so does a unit test that is not built or a script that leaves
# network namespaces of its prefix (PL_NS_PREFIX, default "pl") behind.
# Nothing is skipped; a PATTERN that matches no suite is a failure.
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
	suites=$((suites + 1))
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

# A suite that cannot run is a failure, never a skip.
missing() {
	case $1 in *"$pattern"*) ;; *) return ;; esac
	echo "=== $1"
	echo "# missing: $2"
	failed=$((failed + 1)); suites=$((suites + 1))
	failures+=("$1: $2")
}

# What a suite leaves in the namespaces of its prefix is killed and
# removed here, and counted as a failure (a trap that did not run).
# leftovers WHO [count|nocount]
P=${PL_NS_PREFIX:-pl}
leftovers() {
	local ns pid left="" count=${2:-count}
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$P-(cons|cons2|appl|prov|sw[0-9]*|[vwx][0-9]+)\$"); do
		for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" && left="$left $ns"
	done
	if [ -n "$left" ]; then
		echo "# $1 left network namespaces behind:$left (removed)"
		[ "$count" = count ] || return 0
		failed=$((failed + 1))
		failures+=("$1: left network namespaces behind:$left")
	fi
	return 0
}

suites=0
leftovers "an earlier run" nocount
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	for dir in build/unit build/unit-san; do
		if [ -x "$dir/$name" ]; then
			run_suite "$dir/$name" 120 "$dir/$name"
		else
			missing "$dir/$name" "not built from $src (run 'make test', which builds it)"
		fi
	done
done
for script in tests/integration/test_*.sh; do
	run_suite "$script" 600 bash "$script"
	case $script in *"$pattern"*) leftovers "$script" ;; esac
done
if [ "$suites" -eq 0 ]; then
	failed=$((failed + 1))
	failures+=("no suite matches '$pattern'")
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
