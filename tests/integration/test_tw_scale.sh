#!/bin/bash
# TIME_WAIT at scale (issue 15): thousands of short connections through
# the appliance over NAT port ranges of 2,000 ports, once with the backend
# closing first and once with the consumer closing first.  The backend
# logs the source of every connection it accepts: no backend-side 4-tuple
# comes back within the NAT hold (2 * TCP_MSL / 1000 + 1 s), every port
# of each range is used, connections past the ports are refused at once
# (reset, never hung) and counted, and the consumer-side TIME_WAIT count
# in the status goes past lwIP's old cap of 512.  Both services share one
# NAT IP with two ranges (nat_ports.c's segments).
. "$(dirname "$0")/../lib/prelude.sh" topo drop

NAT_IP=192.168.10.220
RANGE_A=40000-41999	# backend closes first
RANGE_B=42000-43999	# consumer closes first
PORTS=2000		# in each range
CONNS=10000		# per phase: 5 times the ports
CONC=32			# connections at a time, well under the SYN queue
msl=$(awk '$2 == "TCP_MSL" { sub(/UL$/, "", $3); print $3 }' "$ROOT/netstack/include/lwipopts.h")
HOLD=$((2 * msl / 1000 + 1))

BLOG=$TOPO_DIR/backend.log
: >"$BLOG"
in_prov python3 "$ROOT/tests/lib/tw_backend.py" 192.168.10.11 "$BLOG" 9100:first 9101:second \
	>"$TOPO_DIR/backend.out" 2>&1 &
for i in $(seq 50); do
	grep -q listening "$TOPO_DIR/backend.out" 2>/dev/null && break
	sleep 0.1
done
grep -q listening "$TOPO_DIR/backend.out" || { not_ok "backend starts" "$(cat "$TOPO_DIR/backend.out")"; exit 1; }

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-services.ini" <<INI
[service twa]
frontend_port = 80
backend = 192.168.10.11:9100
nat_ip = $NAT_IP
nat_port_range = $RANGE_A

[service twb]
frontend_port = 80
backend = 192.168.10.11:9101
nat_ip = $NAT_IP
nat_port_range = $RANGE_B

[endpoint twa-pe]
nic = consumer0
ip = 10.0.0.5
service = twa
link_id = 1

[endpoint twb-pe]
nic = consumer0
ip = 10.0.0.6
service = twb
link_id = 2

[approval twa-pe]
state = Approved

[approval twb-pe]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
ok "privlinkd starts: two services on NAT IP $NAT_IP, ranges $RANGE_A and $RANGE_B (hold ${HOLD} s)"

# The largest number under a key "time_wait" (or "..._time_wait": a count,
# not a "time_wait_limit") anywhere in the status (-1: the status has none).
tw_in_status() {
	privlinkd_status | python3 -c '
import json, sys
best = -1
def walk(v):
    global best
    if isinstance(v, dict):
        for k, x in v.items():
            if k.lower().endswith("time_wait") and isinstance(x, int) and not isinstance(x, bool):
                best = max(best, x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(sys.stdin))
print(best)'
}

# check_backend_log BACKEND_PORT RANGE OK: the backend's accepts on
# BACKEND_PORT: all from the NAT IP and inside RANGE, no source port again
# within the hold, each port of the range used, and as many as the
# client's successes (OK).
check_backend_log() {
	python3 - "$BLOG" "$1" "$2" "$3" "$NAT_IP" "$HOLD" "$PORTS" <<-'PY'
	import sys
	log, bport, rng, ok, nat, hold, ports = sys.argv[1:]
	lo, hi = map(int, rng.split("-"))
	seen, bad, reused, again = {}, [], [], 0
	n = 0
	for line in open(log):
	    p, ip, sport, t = line.split()
	    if p != bport:
	        continue
	    n += 1
	    sport, t = int(sport), float(t)
	    if ip != nat or not lo <= sport <= hi:
	        bad.append("%s:%d" % (ip, sport))
	    if (ip, sport) in seen:
	        gap = t - seen[(ip, sport)]
	        if gap < int(hold):
	            reused.append("%s:%d after %.1f s" % (ip, sport, gap))
	        else:
	            again += 1
	    seen[(ip, sport)] = t
	problems = []
	if bad:
	    problems.append("%d from outside %s:%s, e.g. %s" % (len(bad), nat, rng, bad[:3]))
	if reused:
	    problems.append("%d 4-tuples reused within %s s, e.g. %s" % (len(reused), hold, reused[:3]))
	if len(seen) != int(ports):
	    problems.append("%d distinct source ports, not %s" % (len(seen), ports))
	if n != int(ok):
	    problems.append("%d accepts, the client saw %s succeed" % (n, ok))
	if n != len(seen) + again + len(reused):
	    problems.append("accounting")
	print("; ".join(problems) if problems else
	      "%d accepts, %d ports, none reused within the hold" % (n, len(seen)))
	sys.exit(1 if problems else 0)
	PY
}

exhausted() {
	privlinkd_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"]["events"]["nat_ports_exhausted"])'
}

# phase NAME PE BACKEND_PORT RANGE MODE
phase() {
	local name=$1 pe=$2 bport=$3 range=$4 mode=$5 out okn refused before after tw
	before=$(exhausted)
	out=$(in_cons python3 "$ROOT/tests/lib/tw_client.py" "$pe" 80 "$CONNS" "$CONC" "$mode" 2>&1)
	okn=$(json "$out" 'r["ok"]' 2>/dev/null)
	refused=$(json "$out" 'r["refused"]' 2>/dev/null)
	if [ -n "$okn" ]; then
		tw=$(tw_in_status)
		echo "# $name: client $out, status TIME_WAIT $tw"
	else
		not_ok "$name: the client ran" "$out"
		return
	fi
	check "$name: $CONNS connections, none hung or broken, at least every port's worth answered ($out)" \
		json_true "$out" "r['timeout'] == 0 and r['other'] == 0 and r['ok'] >= $PORTS and r['refused'] > 0"
	check "$name: the backend saw every port of $range once, no 4-tuple within the ${HOLD} s hold" \
		check_backend_log "$bport" "$range" "$okn"
	after=$(exhausted)
	check_eq "$name: every refusal counted as nat_ports_exhausted" "$((after - before))" "$refused"
	if [ "$mode" = first ]; then
		# The appliance closed toward the consumer first: its
		# consumer-side pcbs are in TIME_WAIT, one per success.
		check "$name: the status's consumer-side TIME_WAIT count passes 512 (got $tw; -1: the status reports none)" \
			test "$tw" -gt 512
	fi
}

phase "backend closes first" 10.0.0.5 9100 "$RANGE_A" first
phase "consumer closes first" 10.0.0.6 9101 "$RANGE_B" second

check "the shared NAT IP handed out every port of both ranges, once" \
	wait_status "all(n['ports_allocated'] == 2 * $PORTS for v in s['services'] for n in v['nat_ips'])"
check "privlinkd is still running" privlinkd_alive
check "no port left in use" \
	wait_status 'all(n["ports_in_use"] == 0 for v in s["services"] for n in v["nat_ips"])'
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
