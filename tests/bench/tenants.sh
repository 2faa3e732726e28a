#!/bin/bash
# `make bench-tenants`: tenant B's connection success rate and latency, and
# its 10 MB upload, while tenant A runs each attack of test_tenants.sh for
# longer and harder (tests/lib/tenants.sh).  Figures, not pass/fail: prints
# one table and writes build/bench-tenants.jsonl.
#
# Usage: tests/bench/tenants.sh   (as root)
# Then the SYN flood alone at each rate of TENANTS_SWEEP, to find the
# rate at which B's connections start failing.
# Knobs: TENANTS_SECONDS (20 per attack), TENANTS_SYN_RATE (20000 SYN/s),
# TENANTS_SWEEP ("2000 5000 10000 20000 50000 100000"), TENANTS_SWEEP_SECONDS (10),
# TENANTS_ARP_RATE (10000/s), TENANTS_IDLE (9000), TENANTS_MEMORY (64M),
# PRIVLINKD (build/privlinkd).
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "bench-tenants: needs root (network namespaces)" >&2
	exit 1
fi
. tests/lib/tap.sh
. tests/lib/topo.sh
. tests/lib/tenants.sh
trap topo_down EXIT
secs=${TENANTS_SECONDS:-20}
export TENANTS_SYN_RATE=${TENANTS_SYN_RATE:-20000} TENANTS_ARP_RATE=${TENANTS_ARP_RATE:-10000}
tenants_up "${TENANTS_MEMORY:-64M}" || { echo "bench-tenants: set-up failed" >&2; exit 1; }
for mode in none synflood idle tiny ooo churn arpflood spoof; do
	echo "bench-tenants: $mode, $secs s" >&2
	tenants_round "$mode" "$secs"
done
# The SYN rate at which B's connections start failing: the flood again at
# each rate of the sweep (what was sent is measured, the sender may fall
# short of the rate asked).
SWEEP=$TOPO_DIR/sweep.jsonl
cp "$TENANTS_RESULTS" "$TOPO_DIR/rounds.jsonl"
: >"$TENANTS_RESULTS"
for rate in ${TENANTS_SWEEP:-2000 5000 10000 20000 50000 100000}; do
	echo "bench-tenants: synflood at $rate/s, ${TENANTS_SWEEP_SECONDS:-10} s" >&2
	TENANTS_SYN_RATE=$rate TENANTS_BIG=1000000 tenants_round synflood "${TENANTS_SWEEP_SECONDS:-10}"
done
mv "$TENANTS_RESULTS" "$SWEEP"
mv "$TOPO_DIR/rounds.jsonl" "$TENANTS_RESULTS"
tenants_capture_stop
alive=yes
privlinkd_alive || alive=no
foreign=$(tenants_capture_foreign | wc -l)
cat "$TENANTS_RESULTS" "$SWEEP" >build/bench-tenants.jsonl
python3 - "$TENANTS_RESULTS" "$alive" "$foreign" "$SWEEP" "${TENANTS_SWEEP_SECONDS:-10}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| attack by tenant A | what A did | B: short connections ok / failed | B: success | B: p50 ms | B: p99 ms | B: 10 MB upload |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    a, p = r["attack"], r["probe"]
    did = ", ".join("%s %s" % (k, v) for k, v in a.items() if k != "mode") or "-"
    ok, bad = p.get("short_ok", 0), p.get("short_failed", 0)
    rate = "%.1f %%" % (100.0 * ok / (ok + bad)) if ok + bad else "-"
    big = ("intact, %.2f s" % p["big_seconds"]) if p.get("big_ok") else ("FAILED: %s" % p.get("big_error"))
    print("| %s | %s | %d / %d | %s | %s | %s | %s |" % (r["mode"], did, ok, bad, rate,
          p.get("p50_ms"), p.get("p99_ms"), big))
print()
print("| SYN flood on A, sent per s | B: short connections ok / failed | B: success | B: p50 ms | B: p99 ms | B: 1 MB upload |")
print("| --- | --- | --- | --- | --- | --- |")
for line in open(sys.argv[4]):
    r = json.loads(line)
    a, p = r["attack"], r["probe"]
    ok, bad = p.get("short_ok", 0), p.get("short_failed", 0)
    rate = "%.1f %%" % (100.0 * ok / (ok + bad)) if ok + bad else "-"
    big = ("intact, %.2f s" % p["big_seconds"]) if p.get("big_ok") else "FAILED"
    print("| %d | %d / %d | %s | %s | %s | %s |" % (a.get("sent", 0) / float(sys.argv[5]), ok, bad,
          rate, p.get("p50_ms"), p.get("p99_ms"), big))
print()
print("privlinkd alive at the end: %s; frames on the provider network other than proxied TCP and ARP: %s"
      % (sys.argv[2], sys.argv[3]))
PY
stop_privlinkd
