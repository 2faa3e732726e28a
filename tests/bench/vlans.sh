#!/bin/bash
# `make bench-vlans` (issue 16): whether a frame's cost grows with the
# VLANs configured.  One trunk (tr0) behind tests/tools/vlan_switch with
# 200 consumer VLANs, nginx with proxy_protocol behind the appliance; new
# connections a second from one VLAN to its endpoint 10.0.0.5:443 (wrk, one
# thread, Connection: close) with 1 VLAN NIC configured (that one) and with
# 200, the two taking turns.  Also the time privlinkd -t takes for 1,000 endpoints
# on 200 VLANs.  Figures, not pass/fail: prints one table and writes
# build/bench-vlans.json.  The switch is in the path of both figures (it
# costs about as much as the appliance), so only their ratio matters; on a
# shared machine conn/s moves with the others' load, privlinkd's own CPU
# time per connection much less.
#
# Usage: tests/bench/vlans.sh  (as root; PL_NS_PREFIX names the namespaces)
# Knobs: BENCH_RUNS (3), BENCH_SECONDS (5), WRK_CONNS (32).
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "bench-vlans: needs root (network namespaces)" >&2
	exit 1
fi
. tests/lib/topo.sh
. tests/lib/vlan_topo.sh
cleanup() { [ -n "${PRIVLINKD_PID:-}" ] && stop_privlinkd >/dev/null; vlan_topo_down; topo_down; }
trap cleanup EXIT
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SECONDS=${BENCH_SECONDS:-5}
WRK_CONNS=${WRK_CONNS:-32}
APPL_INI=config/examples/demo/00-appliance.ini
OUT=build/bench-vlans.json
# privlinkd's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PRIVLINKD_PID/stat"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
die() { echo "bench-vlans: $*" >&2; exit 1; }

topo_up on || die "topology"
vlan_topo_up 200 100 || die "200 VLANs"
start_nginx || die "nginx"
python3 tests/lib/vlan_drop.py "$TOPO_DIR/drop1000" 100 200 --ips 10.0.0.10,10.0.0.11,10.0.0.12,10.0.0.13,10.0.0.14 \
	--backend 192.168.10.11:8443 --appliance "$APPL_INI" || die "drop of 1,000 endpoints"
t_check=()
for i in $(seq "$BENCH_RUNS"); do
	t0=$(now_ms)
	"$PRIVLINKD" -t -c "$TOPO_DIR/drop1000" >/dev/null || die "privlinkd -t refused 1,000 endpoints"
	t_check+=($(($(now_ms) - t0)))
done

RESULTS=$TOPO_DIR/runs.jsonl
: >"$RESULTS"
# Each measurement from a consumer VLAN of its own and with NAT IPs of
# its own: the sockets a run leaves in TIME_WAIT (on the client, and in
# nginx's kernel for NAT ports a fresh privlinkd does not know) slowed the
# next runs to a tenth of the first's rate.  Eight NAT IPs: with 200
# endpoints each may hold half the service's NAT ports, 61 s after a
# close too, and one NAT IP's half (32,000) ran out within a run (the
# rest reset: nat_port_share, wrk's write errors).
slot=0
for run in $(seq "$BENCH_RUNS"); do
	for n in 1 200; do
		vid=$((100 + slot))
		nat=$(seq -s ', ' -f '192.168.10.%g' $((100 + 8 * slot)) $((107 + 8 * slot)))
		slot=$((slot + 1))
		rm -rf "$TOPO_DIR/drop"
		python3 tests/lib/vlan_drop.py "$TOPO_DIR/drop" $([ $n = 1 ] && echo $vid || echo 100) $n \
			--backend 192.168.10.11:8443 --nat-ip "$nat" --appliance "$APPL_INI" ||
			die "drop of $n VLANs"
		start_privlinkd "$TOPO_DIR/drop" || die "privlinkd with $n VLANs"
		in_vlan $vid curl -sS --max-time 5 -o /dev/null http://10.0.0.5:443/ || die "no answer with $n VLANs"
		cpu0=$(cpu_ticks)
		out=$(in_vlan $vid wrk -t1 -c"$WRK_CONNS" -d"${BENCH_SECONDS}s" --latency \
			-H 'Connection: close' http://10.0.0.5:443/ 2>&1) || die "wrk: $out"
		cpu1=$(cpu_ticks)
		stop_privlinkd >/dev/null
		python3 - "$n" "$out" $((cpu1 - cpu0)) "$(getconf CLK_TCK)" >>"$RESULTS" <<-'PY'
		import json, re, sys
		out = sys.argv[2]
		rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
		reqs = int(re.search(r"(\d+) requests in", out).group(1))
		cpu_us = int(sys.argv[3]) * 1e6 / int(sys.argv[4]) / max(reqs, 1)
		err = re.search(r"Socket errors: (.*)", out)
		print(json.dumps({"vlans": int(sys.argv[1]), "conn_per_s": rps, "cpu_us_per_conn": round(cpu_us, 1),
		                  "errors": err.group(1) if err else ""}))
		PY
	done
done
python3 - "$RESULTS" "$OUT" "${t_check[*]}" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
t = [int(x) for x in sys.argv[3].split()]
med = {n: statistics.median(r["conn_per_s"] for r in runs if r["vlans"] == n) for n in (1, 200)}
cpu = {n: statistics.median(r["cpu_us_per_conn"] for r in runs if r["vlans"] == n) for n in (1, 200)}
doc = {"conn_per_s": {str(n): v for n, v in med.items()},
       "cpu_us_per_conn": {str(n): v for n, v in cpu.items()}, "runs": runs,
       "privlinkd_t_ms_1000_endpoints": statistics.median(t)}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print("| VLAN NICs configured | conn/s | privlinkd CPU per connection (us) |")
print("| --- | --- | --- |")
for n in (1, 200):
    print("| %d | %.0f | %.1f |" % (n, med[n], cpu[n]))
print("medians of %d runs each; 200 / 1: conn/s %.2f, CPU %.2f" % (len(runs) // 2, med[200] / med[1], cpu[200] / cpu[1]))
print("privlinkd -t, 1,000 endpoints on 200 VLANs: %d ms (median)" % statistics.median(t))
errs = [r for r in runs if r["errors"]]
if errs:
    print("socket errors: %s" % errs)
PY
