#!/bin/bash
# A SYN flood from random sources at one endpoint, with the network
# stack's memory limited to 8 MiB ([appliance] memory_limit): the flooded
# listener's queue of half-open connections is bounded (the SYNs past it
# are counted and answered with SYN cookies, nothing kept), SYNs never use
# the memory reserve, so while the flood goes on the flooded endpoint
# itself and another on the same NIC still take connections, and one on
# another consumer NIC carries a 2 MB transfer intact.
# At the sanitized daemon (ASan+UBSan): no report, and it stays up.
. "$(dirname "$0")/../lib/prelude.sh" san topo cons2 ppv2 drop
# A few thousand SYNs a second (what the 2 shared cores of the test
# machine take beside the daemon and the transfers) until the checks
# during the flood are done, 40 s at most.
FLOOD_RATE=3000
FLOOD_SECONDS=40

{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf 'memory_limit = 8M\n'; } >"$DROP/00-appliance.ini"
cat >"$DROP/10-nics.ini" <<'INI'
[nic consumer-a]
interface = pe0
address = 10.0.0.5/24
role = consumer

[nic consumer-b]
interface = pe1
address = 10.0.0.5/24
role = consumer

[nic provider0]
interface = pv0
address = 192.168.10.201/24
role = provider
INI
cat >"$DROP/20-services.ini" <<'INI'
[service raw]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.201
proxy_protocol = on

[endpoint flooded]
nic = consumer-a
ip = 10.0.0.6
service = raw
link_id = 1

[endpoint neighbour]
nic = consumer-a
ip = 10.0.0.8
service = raw
link_id = 2

[endpoint other-nic]
nic = consumer-b
ip = 10.0.0.6
service = raw
link_id = 3

[approval flooded]
state = Approved

[approval neighbour]
state = Approved

[approval other-nic]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
pe_mac=$(in_appl cat /sys/class/net/pe0/address)
# The client's ARP entries exist before the flood.
in_cons ping -c 1 -W 2 -q 10.0.0.8 >/dev/null
in_cons2 ping -c 1 -W 2 -q 10.0.0.6 >/dev/null

STOP=$TOPO_DIR/stop-flood
in_cons python3 "$ROOT/tests/lib/syn_flood.py" c0 "$pe_mac" 10.0.0.6 443 $FLOOD_RATE \
	$FLOOD_SECONDS 7 "$STOP" >"$TOPO_DIR/flood.out" 2>&1 &
flood=$!
# Until the flood has filled whatever it can: half-open connections, or
# the heap (its limit, on a stack that does not bound them).
sleep 4

connected=0
for i in 1 2 3 4 5; do
	out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.8 443 5 2>&1)
	json_true "$out" 'r["result"] == "connected"' 2>/dev/null && connected=$((connected + 1))
done
check_eq "during the flood, 5 connections to another endpoint on the flooded NIC are made" \
	"$connected" 5
# Its queue of half-open connections is full: SYN cookies answer.
connected=0
for i in 1 2 3 4 5; do
	out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.6 443 5 2>&1)
	json_true "$out" 'r["result"] == "connected"' 2>/dev/null && connected=$((connected + 1))
done
check_eq "during the flood, 5 connections to the flooded endpoint itself are made" \
	"$connected" 5
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000000 6 2>&1)
check "during the flood, 1 MB through the flooded endpoint arrive intact" json_ok "$out"
out=$(in_cons2 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 2000000 5 2>&1)
check "during the flood, 2 MB through an endpoint of the other consumer NIC arrive intact" \
	json_ok "$out"
st=$(privlinkd_status)
touch "$STOP"
wait $flood
fl=$(cat "$TOPO_DIR/flood.out")
check "the flood was still going when that was done ($fl)" \
	json_true "$fl" 'r["stopped_by_file"] and r["sent"] > 5000'
if privlinkd_alive; then
	ok "privlinkd survived the flood"
else
	not_ok "privlinkd survived the flood"
	tail -n 30 "$LOG" | sed 's/^/#   /'
	exit 1
fi
check "the SYNs past the flooded listener's queue were counted, answered with a cookie or dropped ($(json "$st" 'r.get("syn")' 2>&1))" \
	json_true "$st" 'r["syn"]["queue_full"] > 0 and r["syn"]["cookies_sent"] + r["syn"]["dropped_no_cookie"] == r["syn"]["queue_full"]'
check "the clients' connections to the flooded endpoint were made from cookies" \
	json_true "$st" 'r["syn"]["cookies_accepted"] >= 6'
check "during the flood the stack held less than half its limit ($(json "$st" 'r["memory"]' 2>&1))" \
	json_true "$st" 'r["memory"]["held_bytes"] - r["memory"]["cached_bytes"] < r["memory"]["limit_bytes"] // 2'
out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.6 443 10 2>&1)
check "after the flood the flooded endpoint takes connections again ($out)" \
	json_true "$out" 'r["result"] == "connected"'
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
