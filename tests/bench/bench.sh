#!/bin/bash
# `make bench`: privlinkd, HAProxy (default, and `option splice-auto` for
# bulk) and the kernel's forwarding (the limit) on the same namespace
# topology (modes.sh); prints one table and writes build/bench.json.
#
#  1. Scale curve: at each count of BENCH_IDLE_POINTS idle connections
#     held through the proxy (a fresh proxy each run, the connections
#     opened first), conn/s with p50/p99 and 1-stream bulk, and the
#     proxy's memory per idle connection.  HAProxy holds what its 20,000
#     descriptors allow (2 a connection): a point it cannot come within
#     10 % of is not run (n/a), a point it nearly reaches runs at its most.
#  2. Bulk rows at point 0: 1 and 8 streams, every mode.
#  3. Loss rows: 1 stream over a consumer link that drops BENCH_LOSS
#     percent of frames each way (a bridge, iptables' statistic match),
#     upload and download, BENCH_LOSS_MODES.
#  4. VLAN rows (vlans.sh): privlinkd's conn/s with each count of
#     BENCH_VLANS consumer VLANs configured on one trunk, through the
#     tests' user-space 802.1Q switch, and on the untagged veth path; the
#     time `privlinkd -t` takes for 200 VLAN NICs and 1,000 endpoints.
#  5. DNS rows (dns.sh): queries a second answered by privlinkd's responder
#     and by NSD at the same place, measured by dnsperf.
# The modes take turns at each point, so their figures come from the
# same minutes.  Each figure is the median of its runs.
#
# Usage: tests/bench/bench.sh   (as root; PL_NS_PREFIX names the namespaces)
# Knobs: BENCH_RUNS (3: runs at points up to 10,000 and of the bulk rows),
# BENCH_LARGE_RUNS (1: runs at points above 10,000), BENCH_SECONDS (5),
# BENCH_IDLE_POINTS ("0 10000 100000"; "" for none),
# BENCH_IDLE_OPEN_SECONDS (180: the most opening a point's idle
# connections may take; what is open then is held and reported), BENCH_IDLE_BYTE (0: established and accepted by the
# sink is enough; 1: a byte each way on every idle connection first),
# BENCH_IDLE_PER_PROC (12500 sockets per client or sink process),
# BENCH_LOSS ("1 5"; "" for none), BENCH_LOSS_RUNS (1), BENCH_LOSS_SECONDS
# (10), BENCH_LOSS_MODES ("privlinkd haproxy-splice"), WRK_CONNS (32),
# BENCH_MODES ("privlinkd haproxy haproxy-splice kernel"),
# BENCH_HAPROXY_MAXPIPES (64), BENCH_VLANS ("1 200"; "" for none),
# BENCH_DNS (on; "" for none), BENCH_DNS_SECONDS (10),
# BENCH_DNS_CLIENTS (4), BENCH_DNS_OUTSTANDING (200).
# Quick check of the harness: BENCH_IDLE_POINTS="0 1000" BENCH_SECONDS=2
# BENCH_RUNS=1 BENCH_LOSS_SECONDS=3.  The VLAN rows alone:
# BENCH_IDLE_POINTS= BENCH_LOSS= make bench; the DNS rows alone:
# BENCH_IDLE_POINTS= BENCH_LOSS= BENCH_VLANS= make bench.
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (network namespaces): run 'sudo make bench'" >&2
	exit 1
fi
BENCH_IDLE_POINTS=${BENCH_IDLE_POINTS-0 10000 100000}
max_point=0
for n in $BENCH_IDLE_POINTS; do [ "$n" -gt "$max_point" ] && max_point=$n; done
IDLE_PER_PROC=${BENCH_IDLE_PER_PROC:-12500}
IDLE_SINKS=$(( max_point > 0 ? (max_point + IDLE_PER_PROC - 1) / IDLE_PER_PROC : 1 ))
. tests/lib/topo.sh
. tests/bench/modes.sh
. tests/bench/measure.sh
. tests/bench/vlans.sh
. tests/bench/dns.sh
trap bench_down EXIT
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_LARGE_RUNS=${BENCH_LARGE_RUNS:-1}
BENCH_MODES=${BENCH_MODES:-privlinkd haproxy haproxy-splice kernel}
BENCH_LOSS=${BENCH_LOSS-1 5}
BENCH_LOSS_RUNS=${BENCH_LOSS_RUNS:-1}
BENCH_LOSS_MODES=${BENCH_LOSS_MODES:-privlinkd haproxy-splice}
BENCH_VLANS=${BENCH_VLANS-1 200}
BENCH_DNS=${BENCH_DNS-on}
RESULTS=build/bench-runs.jsonl
: >"$RESULTS"
bench_fd_limit || { echo "bench: cannot set the open files limit" >&2; exit 1; }
HAPROXY_IDLE_MAX=$(haproxy_idle_max)
started=$(date +%s)
failed=0

note() { echo "bench: $(( $(date +%s) - started )) s: $*" >&2; }
fail() { note "$*"; failed=1; }
proxy_check() {
	[ -z "$PROXY_PID" ] || kill -0 "$PROXY_PID" 2>/dev/null || fail "$1: the proxy died"
}

# Point 0: no idle connection; conn/s (not haproxy-splice: that tuning is
# for bulk), 1 and 8 streams.
point_zero() {
	local mode=$1 r
	mode_up "$mode" || { fail "$mode: set-up failed"; return; }
	for r in $(seq "$BENCH_RUNS"); do
		if [ "$mode" != haproxy-splice ]; then
			measure_conns "$mode" >>"$RESULTS" || fail "$mode: conn/s run $r failed"
		fi
		measure_bulk "$mode" 1 >>"$RESULTS" || fail "$mode: 1 stream run $r failed"
		measure_bulk "$mode" 8 >>"$RESULTS" || fail "$mode: 8 streams run $r failed"
	done
	proxy_check "$mode"
	bench_down
}

# A point with N idle connections: each run a fresh proxy (an allocator
# keeps what an earlier run freed, and the growth would not show).
point_idle() {
	local mode=$1 n=$2 runs=$3 r
	for r in $(seq "$runs"); do
		mode_up "$mode" || { fail "$mode: set-up failed"; continue; }
		note "$mode: opening $n idle connections"
		idle_hold "$mode" "$n" >>"$RESULTS" || fail "$mode: $n idle: run $r failed"
		note "$mode: $(grep '"idle_held"' "$RESULTS" | tail -n 1 | cut -c1-200)"
		measure_conns "$mode" >>"$RESULTS" || fail "$mode: conn/s at $n idle, run $r failed"
		measure_bulk "$mode" 1 >>"$RESULTS" || fail "$mode: 1 stream at $n idle, run $r failed"
		idle_after "$mode" >>"$RESULTS"
		proxy_check "$mode"
		idle_release
		bench_down
	done
}

for point in $BENCH_IDLE_POINTS; do
	BENCH_POINT=$point
	runs=$BENCH_RUNS
	[ "$point" -gt 10000 ] && runs=$BENCH_LARGE_RUNS
	for mode in $BENCH_MODES; do
		if [ "$point" = 0 ]; then
			note "$mode: no idle connection"
			point_zero "$mode"
			continue
		fi
		# The curve compares the proxies: no idle figure without one, and
		# the splice tuning only for bulk.
		case $mode in kernel | haproxy-splice) continue ;; esac
		n=$point
		if [ "$mode" = haproxy ] && [ "$point" -gt "$HAPROXY_IDLE_MAX" ]; then
			if [ $((HAPROXY_IDLE_MAX * 10)) -lt $((point * 9)) ]; then
				printf '{"mode": "haproxy", "metric": "idle_na", "point": %d, "reason": "%s"}\n' \
					"$point" "n/a: $(ulimit -Hn) fd limit" >>"$RESULTS"
				continue
			fi
			n=$HAPROXY_IDLE_MAX
		fi
		note "$mode: $point idle connections ($n asked), $runs run(s)"
		point_idle "$mode" "$n" "$runs"
	done
done
BENCH_POINT=0

for mode in $BENCH_LOSS_MODES; do
	[ -n "$BENCH_LOSS" ] || break
	note "$mode: lossy consumer link (${BENCH_LOSS// /, } %)"
	mode_up "$mode" loss || { fail "$mode: lossy set-up failed"; continue; }
	for r in $(seq "$BENCH_LOSS_RUNS"); do
		for pct in $BENCH_LOSS; do
			for dir in up down; do
				measure_loss "$mode" "$pct" "$dir" >>"$RESULTS" ||
					fail "$mode: $pct % loss $dir run $r failed"
			done
		done
	done
	proxy_check "$mode"
	bench_down
done
if [ -n "$BENCH_VLANS" ]; then
	note "VLAN rows: ${BENCH_VLANS// /, } VLAN(s) and the untagged path"
	vlan_rows $BENCH_VLANS
	note "privlinkd -t: $BENCH_VLAN_CHECK_NICS VLAN NICs, $BENCH_VLAN_CHECK_ENDPOINTS endpoints"
	vlan_check_time >>"$RESULTS" || fail "privlinkd -t on the VLAN drop failed"
fi
if [ -n "$BENCH_DNS" ]; then
	note "DNS rows: privlinkd's responder and NSD, dnsperf ${BENCH_DNS_SECONDS} s"
	dns_rows || fail "DNS rows failed"
fi
note "done"

strip -o build/privlinkd.stripped build/privlinkd || failed=1
python3 tests/bench/report.py "$RESULTS" build/bench.json \
	privlinkd_bytes="$(stat -c %s build/privlinkd)" \
	privlinkd_stripped_bytes="$(stat -c %s build/privlinkd.stripped)" \
	haproxy_bytes="$(stat -c %s "$(command -v haproxy)")" \
	haproxy_version="$(haproxy -v | head -n 1)" \
	runs="$BENCH_RUNS" large_runs="$BENCH_LARGE_RUNS" seconds="$BENCH_SECONDS" \
	wrk_conns="$WRK_CONNS" idle_points="$BENCH_IDLE_POINTS" idle_byte="$IDLE_BYTE" \
	idle_open_seconds="$IDLE_OPEN_SECONDS" haproxy_idle_max="$HAPROXY_IDLE_MAX" \
	haproxy_maxpipes="$HAPROXY_MAXPIPES" fd_limit="$(ulimit -Hn)" \
	vlans="$BENCH_VLANS" dns_seconds="$BENCH_DNS_SECONDS" dns_clients="$BENCH_DNS_CLIENTS" \
	dns_outstanding="$BENCH_DNS_OUTSTANDING" loss="$BENCH_LOSS" loss_runs="$BENCH_LOSS_RUNS" loss_seconds="$BENCH_LOSS_SECONDS" \
	minutes="$(( ($(date +%s) - started + 59) / 60 ))" || failed=1
rm -f build/privlinkd.stripped
exit $failed
