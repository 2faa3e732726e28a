#!/bin/bash
# make fuzz-long: each harness for FUZZ_LONG_RUNS executions (default 10
# million) from its checked-in corpus, then one line of figures per
# harness.  Not part of make test: hours on a small machine.
#
#   FUZZ_LONG_RUNS=N        executions per harness
#   FUZZ_LONG_HARNESSES="fuzz_relay ..."   which ones (default all)
#   FUZZ_BIN_DIR=DIR        the harness binaries (default build/fuzz)
#   FUZZ_LONG_DIR=DIR       where corpora grow and crashes land
#                           (default build/fuzz/long; kept between runs,
#                           so a second run goes on from the first)
#
# A crash or hang stops that harness (its input under DIR/HARNESS/
# artifacts/) and the script exits 1 after the others.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
runs=${FUZZ_LONG_RUNS:-10000000}
harnesses=${FUZZ_LONG_HARNESSES:-fuzz_cfg fuzz_frame fuzz_relay fuzz_syncookie fuzz_http fuzz_json fuzz_state}
dir=${FUZZ_LONG_DIR:-$ROOT/build/fuzz/long}
bin=${FUZZ_BIN_DIR:-$ROOT/build/fuzz}
failed=0
rows=()

for h in $harnesses; do
	d="$dir/$h"
	mkdir -p "$d/corpus" "$d/artifacts"
	cp -n "$ROOT/tests/fuzz/corpus/$h"/* "$d/corpus/"
	start=$(date +%s)
	"$bin/$h" -runs="$runs" -max_len=65549 -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$d/artifacts/" "$d/corpus" >"$d/log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	stat() { sed -n "s/^stat::$1: *//p" "$d/log" | tail -1; }
	last=$(grep -E '^#[0-9]+' "$d/log" | tail -1)
	cov=$(printf '%s\n' "$last" | grep -Eo 'cov: [0-9]+' | grep -Eo '[0-9]+')
	ft=$(printf '%s\n' "$last" | grep -Eo 'ft: [0-9]+' | grep -Eo '[0-9]+')
	corp=$(printf '%s\n' "$last" | grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' | cut -d' ' -f2)
	verdict=ok
	if [ $rc -ne 0 ]; then
		verdict="CRASH (see $d/log, $d/artifacts/)"
		failed=1
	fi
	rows+=("$(printf '%-11s %12s %8s %7s %7s %6s %-14s %8s %s' "$h" "$(stat number_of_executed_units)" \
		"$(stat average_exec_per_sec)" "$secs" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
		"$(stat peak_rss_mb)" "$verdict")")
done

printf '%-11s %12s %8s %7s %7s %6s %-14s %8s %s\n' harness execs exec/s seconds cov ft \
	corpus rss_mb result
printf '%s\n' "${rows[@]}"
echo "($(date -u +%Y-%m-%d), $(nproc) CPUs, -runs=$runs, corpora in $dir)"
exit $failed
