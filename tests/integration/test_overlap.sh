#!/bin/bash
# Two consumer networks with the same addresses (10.0.0.0/24, client
# 10.0.0.7, endpoint 10.0.0.5 in both) on two NICs of one appliance, served
# at once without crossing: each reaches its own service with its own link
# id, and replies leave by the NIC the request came in on.
. "$(dirname "$0")/../lib/prelude.sh" topo cons2 nginx ppv2 drop
MB10=10485760

cp "$ROOT/config/examples/demo/00-appliance.ini" "$DROP/"
cat >"$DROP/10-nics.ini" <<'INI'
[nic consumer-a]
interface = pe0
address = 10.0.0.5/24
role = consumer

; the same subnet and the same address, in another consumer network
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
[service web]
frontend_port = 443
backend = 192.168.10.11:8443
nat_ip = 192.168.10.201
proxy_protocol = on

[service raw]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.201
proxy_protocol = on
INI
cat >"$DROP/30-endpoints.ini" <<'INI'
[endpoint a-web]
nic = consumer-a
ip = 10.0.0.5
service = web
link_id = 0xa

[endpoint a-raw]
nic = consumer-a
ip = 10.0.0.6
service = raw
link_id = 0xa6

[endpoint b-raw]
nic = consumer-b
ip = 10.0.0.5
service = raw
link_id = 0xb

[approval a-web]
state = Approved
[approval a-raw]
state = Approved
[approval b-raw]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts with two overlapping consumer NICs"; exit 1; }
ok "privlinkd starts with two overlapping consumer NICs"

check "network A: ping 10.0.0.5 is answered" in_cons ping -c 2 -W 2 -q 10.0.0.5
check "network B: ping 10.0.0.5 is answered" in_cons2 ping -c 2 -W 2 -q 10.0.0.5
check "network B: no answer for 10.0.0.6, an endpoint of network A" \
	sh -c '! ip netns exec '"$P-cons2"' ping -c 1 -W 1 -q 10.0.0.6'

# A reset that left by network A would leave network B's SYN unanswered.
out=$(in_cons2 python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.5 8080 5)
check "network B: a closed port's reset comes back on network B at once" \
	python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["result"] == "refused" and r["seconds"] < 1 else 1)' "$out"

body=$(in_cons curl -sS --max-time 10 --local-port 40101 http://10.0.0.5:443/ 2>&1)
check_eq "network A: 10.0.0.5:443 reaches service web (nginx) with its PROXY v2 source" "$body" "10.0.0.7:40101"

n=$(wc -l <"$PPV2_LOG")
out=$(in_cons2 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.5 443 100000 1 40202 2>&1)
check "network B: 10.0.0.5:443 reaches service raw" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["ok"] else 1)' "$out"
sleep 0.3
check_eq "network B: PROXY v2 names 10.0.0.7:40202 -> 10.0.0.5:443 with link id 0xb" \
	"$(sed -n "$((n + 1))p" "$PPV2_LOG" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r.get("src"), r.get("sport"), r.get("dst"), r.get("link_id"))')" \
	"10.0.0.7 40202 10.0.0.5 11"

# Both networks at once, the same client address and port on each side.
n=$(wc -l <"$PPV2_LOG")
in_cons python3 "$ROOT/tests/lib/ppv2_client.py" both 10.0.0.6 443 $MB10 21 40303 >"$TOPO_DIR/a.out" 2>&1 &
a=$!
in_cons2 python3 "$ROOT/tests/lib/ppv2_client.py" both 10.0.0.5 443 $MB10 22 40303 >"$TOPO_DIR/b.out" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
check_eq "10 MB each way in both networks at once, from the same 10.0.0.7:40303, arrive intact" "$ra $rb" "0 0"
sleep 0.5
check_eq "the backend saw both, each with its own endpoint's link id" \
	"$(tail -n 2 "$PPV2_LOG" | python3 -c 'import json,sys; print(sorted((json.loads(l).get("link_id"), json.loads(l).get("sport"), json.loads(l).get("bytes")) for l in sys.stdin))')" \
	"[(11, 40303, $MB10), (166, 40303, $MB10)]"

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
