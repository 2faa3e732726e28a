#!/bin/bash
# A perf profile of privlinkd under the conn/s load and under the bulk
# load of `make bench` (modes.sh, measure.sh): perf record with call
# graphs on the privlinkd process for PROFILE_SECONDS of each, the top of
# perf report into build/bench-profile-{conns,bulk}.txt.
#
# Usage: tests/bench/profile.sh   (as root; PL_NS_PREFIX names the namespaces)
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "profile: needs root: run 'sudo tests/bench/profile.sh'" >&2
	exit 1
fi
command -v perf >/dev/null || { echo "profile: no perf: deps/packages.sh bench installs linux-perf" >&2; exit 1; }
. tests/lib/topo.sh
. tests/bench/modes.sh
. tests/bench/measure.sh
trap topo_down EXIT
bench_fd_limit || exit 1
PROFILE_SECONDS=${PROFILE_SECONDS:-8}
BENCH_SECONDS=$PROFILE_SECONDS

profile() {
	local what=$1; shift
	perf record -q -g -o "build/bench-perf-$what.data" -p "$PROXY_PID" -- sleep "$PROFILE_SECONDS" \
		2>/dev/null &
	local perf_pid=$!
	"$@" >"build/bench-profile-$what.runs" || echo "profile: $what load failed" >&2
	wait "$perf_pid"
	perf report -q -i "build/bench-perf-$what.data" --no-children --percent-limit 0.7 \
		--stdio -g none 2>/dev/null >"build/bench-profile-$what.txt"
	echo "== $what: $(cat "build/bench-profile-$what.runs" | tr '\n' ' ')"
	head -n 30 "build/bench-profile-$what.txt"
}

mode_up privlinkd || exit 1
profile conns measure_conns privlinkd
profile bulk measure_bulk privlinkd 8
