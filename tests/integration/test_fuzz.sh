#!/bin/bash
# A bounded libFuzzer run of each harness (ASan+UBSan), each starting from
# a copy of its checked-in corpus (tests/fuzz/corpus/HARNESS/): the INI
# loader, the frame receive path, and the relay between a consumer and a
# backend the harness plays must survive whatever they are given, SYN
# cookies keep their properties for any key, connection and clock, the
# management API's HTTP parser gives one verdict however a request is
# split and its JSON decoders keep their promises, the state disk's
# parsers take any disk's bytes and write back what they read, the DNS
# responder answers any message within its size promises, and no
# input may hang (-timeout).  FUZZ_SECONDS sets the time per harness
# (default 20).  A crashing input is kept under $FUZZ_ARTIFACTS.
. "$(dirname "$0")/../lib/prelude.sh"
secs=${FUZZ_SECONDS:-20}
keep=${FUZZ_ARTIFACTS:-${TMPDIR:-/tmp}/privlink-fuzz-artifacts}
work=$(mktemp -d)
at_exit 'rm -rf "$work"'

for h in fuzz_cfg fuzz_frame fuzz_relay fuzz_syncookie fuzz_http fuzz_json fuzz_state fuzz_dns; do
	seeds="$ROOT/tests/fuzz/corpus/$h"
	n=$(find "$seeds" -type f 2>/dev/null | wc -l)
	check "$h: a checked-in corpus ($n seeds)" test "$n" -gt 0
	mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
	cp "$seeds"/* "$work/$h/corpus/" 2>/dev/null
	# Frames up to a 64 KiB IP packet and its Ethernet header (and a
	# status byte); drops of that size too.
	if out=$("$ROOT/build/fuzz/$h" -max_total_time="$secs" -max_len=65549 -timeout=10 \
		-seed=1 -artifact_prefix="$work/$h/artifacts/" "$work/$h/corpus" 2>&1); then
		ok "$h: $(printf '%s\n' "$out" | grep -Eo 'Done [0-9]+ runs in [0-9]+ second' | tail -1) from $n seeds without a crash"
	else
		mkdir -p "$keep"
		cp "$work/$h/artifacts"/* "$keep/" 2>/dev/null
		not_ok "$h: fuzzing found a crash or hang (input kept in $keep)" \
			"$(printf '%s\n' "$out" | grep -E -A14 'ERROR|fuzz_relay: ' | head -24)"
	fi
done
tap_done
