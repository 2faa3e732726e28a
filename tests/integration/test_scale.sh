#!/bin/bash
# Scale (issue 15): SCALE_CONNS connections (default 50,000) held open
# through the appliance at once, then every one of them still carries a
# byte each way; privlinkd's status counts them all live, and none once
# they are closed.  Not timed: what it shows is that nothing is lost at
# that count (no connection refused, reset or forgotten; no byte lost).
#
# No process may open more than 20,000 files here, so the connections are
# spread over SCALE_PROCS client processes (each to its own frontend port)
# and as many backend sinks (each on its own backend port).  The consumer
# side has one client address, so its ports are widened to 1024-65535; the
# provider side has two NAT IPs of 64,512 ports each.  privlinkd's RSS
# before, while holding, and after is printed as a comment, not asserted.
#
# The sanitized build runs here: at this count, a pcb freed while the
# table of parked connections (netstack/ns_tcp_park.c) or its timer wheel
# still points at it would show as a use-after-free; it holds 50,000 in
# about 20 s, as the plain build does.  Its RSS (printed) is ASan's, not
# privlinkd's: the memory per connection is a benchmark figure (make
# bench).  PRIVLINKD=build/privlinkd runs it plain.
. "$(dirname "$0")/../lib/prelude.sh" san topo drop
N=${SCALE_CONNS:-50000}
PROCS=${SCALE_PROCS:-4}	# 1 to 8 (a service has at most 8 rules)
# A process may open 20,000 files: its connections and a few more.
PROC_MAX=19000
# Waits end when what they wait for stops moving for STALL_S, or when the
# script's BUDGET_S is spent: bounds that keep a stuck or slow run
# reporting before tests/run.sh's 600 s limit, not assertions on speed
# (past the budget, the checks left may still take a minute: a status
# waits up to 5 s for a busy privlinkd, and the stop up to 20 s).
STALL_S=30
BUDGET_S=450

# per_proc I: connections of process I (0-based): N spread evenly.
per_proc() { echo $(((N / PROCS) + ($1 < N % PROCS ? 1 : 0))); }

# rss_kib: privlinkd's resident set now, in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PRIVLINKD_PID/status"; }

# st EXPR: prints a Python expression over the status (s, ep, svc).
st() {
	privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
ep = {e["name"]: e for e in s["endpoints"]}
svc = {v["name"]: v for v in s["services"]}
print(eval(sys.argv[1]))' "$1" 2>&1
}

# wait_for WANT CMD...: runs CMD (which prints a number) every second
# until it prints WANT, it has printed the same for STALL_S, or the budget
# is spent (WAIT_STALL_S instead of STALL_S when set); prints the last it
# printed.
wait_for() {
	local want=$1 got last="" same=0; shift
	while :; do
		got=$("$@")
		[ "$got" = "$want" ] && break
		if [ "$got" = "$last" ]; then same=$((same + 1)); else same=0; last=$got; fi
		[ "$same" -ge "${WAIT_STALL_S:-$STALL_S}" ] || [ "$SECONDS" -ge "$BUDGET_S" ] && break
		sleep 1
	done
	echo "$got"
}

# clients_with SUFFIX: how many clients have written CTL/c*.SUFFIX.
clients_with() { ls "$CTL"/c*."$1" 2>/dev/null | wc -l; }
# clients_final: how many clients are done waiting for their bytes.
clients_final() { grep -l '"final": true' "$CTL"/c*.echo 2>/dev/null | wc -l; }

# sum_files GLOB KEY: the sum of KEY over the JSON files GLOB.
sum_files() {
	python3 -c '
import glob, json, sys
print(sum(json.load(open(f))[sys.argv[2]] for f in sorted(glob.glob(sys.argv[1]))))' "$1" "$2" 2>&1
}

# sinks KEY: KEY summed over every sink's state file.
sinks() { sum_files "$TOPO_DIR/sink*.json" "$1"; }

live() { st 's["connections"]["live"]'; }

if [ "$PROCS" -lt 1 ] || [ "$PROCS" -gt 8 ] || [ $(((N + PROCS - 1) / PROCS)) -gt $PROC_MAX ]; then
	not_ok "SCALE_CONNS=$N over SCALE_PROCS=$PROCS: 1 to 8 processes of at most $PROC_MAX each"
	exit 1
fi
# One client address: its ports are the consumer side's 4-tuples.
in_cons sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
in_prov sysctl -qw net.core.somaxconn=4096

{
	cat <<-INI
	[appliance]
	secret = 5b2f8d0c6a1e4f3b9c7d2e8a0f6b4c1d3e5a7b9c0d2f4e6a8b0c1d3e5f7a9b2c
	memory_limit = 1G
	max_connections = $((N + 1000))

	[nic consumer0]
	interface = pe0
	address = 10.0.0.5/24
	role = consumer

	[nic provider0]
	interface = pv0
	address = 192.168.10.201/24
	role = provider

	[pool sinks]
	backend = 192.168.10.11

	[service scale]
	nat_ip = 192.168.10.201, 192.168.10.202
	proxy_protocol = on
	idle_timeout = 1h
	INI
	for p in $(seq 0 $((PROCS - 1))); do
		echo "rule = $((7001 + p)) -> sinks:$((9001 + p))"
	done
	cat <<-INI

	[endpoint scale-pe]
	nic = consumer0
	ip = 10.0.0.5
	service = scale
	link_id = 15

	[approval scale-pe]
	state = Approved
	INI
} >"$DROP/00-scale.ini"

for p in $(seq 0 $((PROCS - 1))); do
	in_prov python3 "$ROOT/tests/lib/scale_sink.py" 192.168.10.11 $((9001 + p)) \
		"$TOPO_DIR/sink$p.json" >"$TOPO_DIR/sink$p.out" 2>&1 &
done
for i in $(seq 50); do
	[ "$(cat "$TOPO_DIR"/sink*.out 2>/dev/null | grep -c listening)" -eq "$PROCS" ] && break
	sleep 0.1
done
check_eq "the $PROCS backend sinks listen" "$(cat "$TOPO_DIR"/sink*.out | grep -c listening)" "$PROCS"
start_privlinkd "$DROP" || { not_ok "privlinkd starts with max_connections $((N + 1000))"; exit 1; }
rss0=$(rss_kib)

# 1. Open all N and hold them.
CTL=$TOPO_DIR/ctl
mkdir -p "$CTL"
t0=$SECONDS
for p in $(seq 0 $((PROCS - 1))); do
	in_cons python3 "$ROOT/tests/lib/scale_client.py" 10.0.0.5 $((7001 + p)) "$(per_proc $p)" \
		"$CTL" "c$p" >"$TOPO_DIR/client$p.out" 2>&1 &
done
# The sinks' count shows progress while the clients connect.
wait_for "$N" sinks headers >/dev/null
wait_for "$PROCS" clients_with open >/dev/null
check_eq "all $N connections are established through the appliance, none failed" \
	"$(sum_files "$CTL/c*.open" open) $(sum_files "$CTL/c*.open" failed)" "$N 0"
echo "# opening $N took $((SECONDS - t0)) s"
check_eq "the backend sinks hold $N connections, each past its PROXY v2 header" \
	"$(wait_for "$N" sinks headers) $(sinks open) $(sinks bad)" "$N $N 0"
check_eq "both NAT IPs carry connections" \
	"$(python3 -c '
import glob, json, sys
ips = set()
for f in glob.glob(sys.argv[1]):
    ips |= set(json.load(open(f))["nat_ips"])
print(sorted(ips))' "$TOPO_DIR/sink*.json")" "['192.168.10.201', '192.168.10.202']"
check_eq "privlinkd's status counts $N live connections, none refused or ended" \
	"$(st '(s["connections"]["live"], ep["scale-pe"]["live_connections"],
	    sum(ep["scale-pe"]["refused"].values()), sum(ep["scale-pe"]["ended"].values()))')" \
	"($N, $N, 0, 0)"
rss1=$(rss_kib)
echo "# SYN handling while opening: $(st 's["syn"]')"

# 2. Every connection carries one byte each way.
t0=$SECONDS
touch "$CTL/send"
wait_for "$N" sinks with_payload >/dev/null
wait_for "$N" sum_files "$CTL/c*.echo" got >/dev/null
# A client that has every byte says so within a second.
WAIT_STALL_S=5 wait_for "$PROCS" clients_final >/dev/null
echo "# the byte each way on $N connections took $((SECONDS - t0)) s"
check_eq "every client connection sent its byte, none ended while held" \
	"$(sum_files "$CTL/c*.echo" sent) $(sum_files "$CTL/c*.echo" early)" "$N 0"
check_eq "the backends received $N bytes on $N distinct connections" \
	"$(sinks with_payload) $(sinks payload)" "$N $N"
check_eq "the backends answered every connection" "$(sinks answered)" "$N"
check_eq "every client received exactly its one byte back, none lost" \
	"$(sum_files "$CTL/c*.echo" got) $(sum_files "$CTL/c*.echo" extra) $(sum_files "$CTL/c*.echo" lost)" \
	"$N 0 0"

# 3. The appliance still holds them all, alive.
check "privlinkd is alive holding $N connections" privlinkd_alive
check_eq "the status still counts $N live connections and $N bytes each way" \
	"$(st '(s["connections"]["live"], s["connections"]["bytes_from_consumer"], s["connections"]["bytes_to_consumer"])')" \
	"($N, $N, $N)"
rss2=$(rss_kib)

# 4. Close everything: the live count falls back to 0.
t0=$SECONDS
touch "$CTL/close"
wait_for "$PROCS" clients_with closed >/dev/null
check_eq "the status counts 0 live connections once all are closed" "$(wait_for 0 live)" 0
echo "# closing $N took $((SECONDS - t0)) s"
check_eq "the backend sinks saw every connection close" "$(wait_for 0 sinks open)" 0
check_eq "every connection ended as closed (FIN), none reset or cut" \
	"$(st '(s["connections"]["events"]["closed"], sum(v for k, v in ep["scale-pe"]["ended"].items() if k != "closed"))')" \
	"($N, 0)"
rss3=$(rss_kib)
echo "# privlinkd RSS: ${rss0} KiB at start, ${rss1} KiB holding $N, ${rss2} KiB after a byte each way, ${rss3} KiB after closing"
echo "# that is $(((rss1 - rss0) * 1024 / N)) bytes per held connection (both sides, all of privlinkd)"
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
case $PRIVLINKD in *-san) check_no_sanitizer_report "$TOPO_DIR/privlinkd.log" ;; esac
tap_done
