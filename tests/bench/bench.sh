#!/bin/bash
# `make bench`: privlinkd, HAProxy and the kernel's forwarding (the limit)
# on the same namespace topology (modes.sh), each figure the median of
# BENCH_RUNS runs; prints one table and writes build/bench.json.
#
# Usage: tests/bench/bench.sh   (as root; PL_NS_PREFIX names the namespaces)
# Knobs: BENCH_RUNS (3), BENCH_SECONDS (5), IDLE_RUNS (3), IDLE_CONNS
# (10000), WRK_CONNS (32), BENCH_MODES ("privlinkd haproxy kernel").
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (network namespaces): run 'sudo make bench'" >&2
	exit 1
fi
. tests/lib/topo.sh
. tests/bench/modes.sh
. tests/bench/measure.sh
trap topo_down EXIT
BENCH_RUNS=${BENCH_RUNS:-3}
IDLE_RUNS=${IDLE_RUNS:-3}
BENCH_MODES=${BENCH_MODES:-privlinkd haproxy kernel}
RESULTS=build/bench-runs.jsonl
: >"$RESULTS"
bench_fd_limit || { echo "bench: cannot set the open files limit" >&2; exit 1; }

failed=0
for mode in $BENCH_MODES; do
	echo "bench: $mode" >&2
	if ! mode_up "$mode"; then
		echo "bench: $mode: set-up failed" >&2
		failed=1
		continue
	fi
	for r in $(seq "$BENCH_RUNS"); do
		measure_conns "$mode" >>"$RESULTS" || { echo "bench: $mode: conn/s run $r failed" >&2; failed=1; }
		measure_bulk "$mode" 1 >>"$RESULTS" || { echo "bench: $mode: 1 stream run $r failed" >&2; failed=1; }
		measure_bulk "$mode" 8 >>"$RESULTS" || { echo "bench: $mode: 8 streams run $r failed" >&2; failed=1; }
	done
	[ -z "$PROXY_PID" ] || kill -0 "$PROXY_PID" 2>/dev/null ||
		{ echo "bench: $mode: the proxy died" >&2; failed=1; }
	topo_down
	# Memory: a fresh proxy each run, since an allocator keeps what a
	# previous run freed and the growth would not show.  No proxy in
	# kernel mode, no figure.
	[ "$mode" = kernel ] && continue
	for r in $(seq "$IDLE_RUNS"); do
		if mode_up "$mode"; then
			measure_idle "$mode" >>"$RESULTS" || { echo "bench: $mode: idle run $r failed" >&2; failed=1; }
		else
			echo "bench: $mode: set-up failed" >&2
			failed=1
		fi
		topo_down
	done
done

strip -o build/privlinkd.stripped build/privlinkd || failed=1
python3 tests/bench/report.py "$RESULTS" build/bench.json \
	privlinkd_bytes="$(stat -c %s build/privlinkd)" \
	privlinkd_stripped_bytes="$(stat -c %s build/privlinkd.stripped)" \
	haproxy_bytes="$(stat -c %s "$(command -v haproxy)")" \
	haproxy_version="$(haproxy -v | head -n 1)" \
	runs="$BENCH_RUNS" idle_runs="$IDLE_RUNS" seconds="$BENCH_SECONDS" \
	wrk_conns="$WRK_CONNS" idle_conns="$IDLE_CONNS" || failed=1
rm -f build/privlinkd.stripped
exit $failed
