#!/bin/bash
# A bounded libFuzzer run of each harness (ASan+UBSan): the INI loader and
# the frame receive path must survive whatever bytes they are given, and
# SYN cookies keep their properties for any key, connection and clock.
# FUZZ_SECONDS sets the time per harness (default 30).
set -u
. "$(dirname "$0")/../lib/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for h in fuzz_cfg fuzz_frame fuzz_syncookie; do
	mkdir -p "$work/$h"
	# Seeds, where there are (tests/fuzz/corpus/HARNESS), are read too.
	seeds=$ROOT/tests/fuzz/corpus/$h
	[ -d "$seeds" ] || seeds=""
	if out=$("$ROOT/build/fuzz/$h" -max_total_time="$secs" -max_len=2048 -seed=1 \
		-artifact_prefix="$work/" "$work/$h" $seeds 2>&1); then
		ok "$h: $(printf '%s\n' "$out" | grep -Eo 'Done [0-9]+ runs in [0-9]+ second' | tail -1) without a crash"
	else
		not_ok "$h: fuzzing found a crash" "$(printf '%s\n' "$out" | grep -A12 'ERROR' | head -20)"
	fi
done
tap_done
