# The VLAN rows of `make bench` (issue 16): does a frame cost more when a
# trunk carries more VLANs?  Sourced by bench.sh after modes.sh and
# measure.sh.  Modes:
#
#   vlan-N     privlinkd with N consumer NICs, VLANs 100..(99+N) of one
#              trunk veth tr0, each with its endpoint 10.0.0.5 (service web,
#              link id = VID); the load comes from VLAN 100's namespace
#              through tests/tools/vlan_switch (tests/lib/vlan_topo.sh):
#
#     ${P}-v100 c0 10.0.0.7 ─ a100 ┐
#     ...  (N namespaces)          ${P}-sw vlan_switch tr ══ tr0 [${P}-appl] pv0 ── p0 ${P}-prov
#
#              The switch is a user-space process (this kernel has no
#              802.1Q): it is in the path of every VLAN figure, and runs on
#              the load's CPU (LOAD_CPU), privlinkd alone on PROXY_CPU.
#   privlinkd  for reference, the untagged veth path of modes.sh (no
#              switch), measured in the same minutes.
#
# vlan_check_time: the seconds `privlinkd -t` takes for a drop of
# BENCH_VLAN_CHECK_NICS VLAN NICs and BENCH_VLAN_CHECK_ENDPOINTS endpoints
# (200 and 1,000), as JSON lines "vlan_check_seconds".

. "$BENCH_DIR/../lib/vlan_topo.sh"
BENCH_VLAN_FIRST=100
BENCH_VLAN_CHECK_NICS=${BENCH_VLAN_CHECK_NICS:-200}
BENCH_VLAN_CHECK_ENDPOINTS=${BENCH_VLAN_CHECK_ENDPOINTS:-1000}
BENCH_VLAN_CHECK_RUNS=${BENCH_VLAN_CHECK_RUNS:-5}

# vlan_drop_nics DROP N ENDPOINTS_PER_VLAN: 10-nics.ini with N VLAN NICs on
# tr0 and the provider on pv0; 30-endpoints.ini with ENDPOINTS_PER_VLAN
# endpoints in each VLAN (10.0.0.5 up), all Approved.
vlan_drop_nics() {
	local drop=$1 n=$2 per=$3 vid e
	{
		for vid in $(seq $BENCH_VLAN_FIRST $((BENCH_VLAN_FIRST + n - 1))); do
			printf '[nic vlan%s]\ninterface = tr0\nvlan = %s\naddress = 10.0.0.5/24\nrole = consumer\n\n' \
				"$vid" "$vid"
		done
		printf '[nic provider0]\ninterface = pv0\naddress = 192.168.10.201/24\nrole = provider\n'
	} >"$drop/10-nics.ini"
	for vid in $(seq $BENCH_VLAN_FIRST $((BENCH_VLAN_FIRST + n - 1))); do
		for e in $(seq 0 $((per - 1))); do
			printf '[endpoint web-%s-%s]\nnic = vlan%s\nip = 10.0.0.%s\nservice = web\nlink_id = %s\n\n' \
				"$vid" "$e" "$vid" $((5 + e)) $((vid * 16 + e))
			printf '[approval web-%s-%s]\nstate = Approved\n\n' "$vid" "$e"
		done
	done >"$drop/30-endpoints.ini"
}

# vlan_mode_up N: the modes.sh topology (the provider side and its
# backends), then N VLANs behind the switch on tr0 and privlinkd on them.
# Sets WEB, PROXY_PID, SWITCH_PID and BENCH_CONS_NS (VLAN 100's
# namespace, where measure_conns runs).
vlan_mode_up() {
	local n=$1 drop ns
	bench_down
	topo_up on || return 1
	bench_sysctls || return 1
	bench_backends || return 1
	vlan_topo_up "$n" $BENCH_VLAN_FIRST || return 1
	SWITCH_PID=${VLAN_SW_PID[$P-sw]}
	taskset -pc $LOAD_CPU "$SWITCH_PID" >/dev/null || return 1
	ns=$P-v$BENCH_VLAN_FIRST
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=8192 || return 1
	drop=$(bench_privlinkd_drop)
	vlan_drop_nics "$drop" "$n" 1
	start_privlinkd "$drop" || return 1
	PROXY_PID=$PRIVLINKD_PID
	disown "$PROXY_PID"
	taskset -pc $PROXY_CPU "$PROXY_PID" >/dev/null || return 1
	BENCH_CONS_NS=$ns
	WEB=10.0.0.5:443
	ip netns exec "$ns" curl -sS -o /dev/null --max-time 5 "http://$WEB/" || {
		echo "bench: vlan-$n: no answer from http://$WEB/ in VLAN $BENCH_VLAN_FIRST" >&2; return 1; }
}

# proxy_cpu_ticks: privlinkd's user and system time so far, in clock ticks.
proxy_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PROXY_PID/stat"; }

# vlan_measure MODE N: measure_conns, its lines renamed vlan_* with
# "vlans": N, into RESULTS; and privlinkd's CPU time per connection over
# the run ("vlan_cpu_us_per_conn"): what privlinkd itself spends, which
# the machine's other load disturbs far less than the rate does.
vlan_measure() {
	local out t0 t1
	t0=$(proxy_cpu_ticks)
	out=$(measure_conns "$1") || return 1
	t1=$(proxy_cpu_ticks)
	printf '%s\n' "$out" | sed "s/\"metric\": \"/\"vlans\": $2, \"metric\": \"vlan_/" >>"$RESULTS"
	printf '%s\n' "$out" | python3 -c '
import json, sys
n, ticks, hz, secs = int(sys.argv[1]), int(sys.argv[3]) - int(sys.argv[2]), int(sys.argv[4]), float(sys.argv[5])
cps = next(r["value"] for r in map(json.loads, sys.stdin) if r["metric"] == "conn_per_s")
print(json.dumps({"mode": sys.argv[6], "vlans": n, "metric": "vlan_cpu_us_per_conn",
                  "value": round(ticks / hz * 1e6 / (cps * secs), 2), "cpu_ticks": ticks}))' \
		"$2" "$t0" "$t1" "$(getconf CLK_TCK)" "$BENCH_SECONDS" "$1" >>"$RESULTS"
}

# vlan_rows VLANS...: conn/s (and latency) through the switch with each
# count of VLANs configured, and the untagged path; BENCH_RUNS runs each,
# the modes taking turns.  The switch's counters after each mode's runs
# go in a "vlan_switch" line (frames it lost: tx_errors).
vlan_rows() {
	local r n mode
	for r in $(seq "$BENCH_RUNS"); do
		for mode in privlinkd "$@"; do
			if [ "$mode" = privlinkd ]; then
				note "vlans: untagged veth path, run $r"
				mode_up privlinkd || { fail "vlans: untagged set-up failed"; continue; }
				vlan_measure privlinkd 0 || fail "vlans: untagged conn/s run $r failed"
			else
				n=$mode
				note "vlans: $n VLAN(s) through the switch, run $r"
				vlan_mode_up "$n" || { fail "vlans: $n VLANs set-up failed"; BENCH_CONS_NS=""; continue; }
				vlan_measure "vlan-$n" "$n" || fail "vlans: $n VLANs conn/s run $r failed"
				vlan_switch_stats "$P-sw" | python3 -c '
import json, sys
s = json.load(sys.stdin)
n = int(sys.argv[1])
lost = sum(s[d]["dropped"]["tx_errors"] for d in ("to_trunk", "from_trunk"))
print(json.dumps({"mode": "vlan-%d" % n, "metric": "vlan_switch", "vlans": n, "value": lost,
                  "frames": s["to_trunk"]["frames"] + s["from_trunk"]["frames"]}))' "$n" >>"$RESULTS"
				BENCH_CONS_NS=""
			fi
			proxy_check "vlans $mode"
			bench_down
		done
	done
}

# vlan_check_time: privlinkd -t on the big drop, BENCH_VLAN_CHECK_RUNS
# times; exits non-zero if the drop is not valid.
vlan_check_time() {
	local d n=$BENCH_VLAN_CHECK_NICS per r t0 t1 out rc
	per=$(( (BENCH_VLAN_CHECK_ENDPOINTS + n - 1) / n ))
	d=$(mktemp -d /tmp/privlink-bench-check.XXXXXX) || return 1
	TOPO_DIR=$d bench_privlinkd_drop >/dev/null
	vlan_drop_nics "$d/drop" "$n" "$per"
	for r in $(seq "$BENCH_VLAN_CHECK_RUNS"); do
		t0=$(date +%s.%N)
		out=$(build/privlinkd -t -c "$d/drop" 2>&1)
		rc=$?
		t1=$(date +%s.%N)
		if [ $rc != 0 ]; then
			echo "bench: privlinkd -t on $n VLAN NICs and $((n * per)) endpoints: exit $rc:" >&2
			echo "$out" | head -n 5 >&2
			rm -rf "$d"
			return 1
		fi
		printf '{"mode": "privlinkd", "metric": "vlan_check_seconds", "nics": %d, "endpoints": %d, "value": %s}\n' \
			"$n" "$((n * per))" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')"
	done
	rm -rf "$d"
}
