#!/bin/bash
# Source NAT: a service with three NAT IPs spreads its connections over
# them (nginx sees all three), and a service whose only NAT IP has three
# ports refuses a fourth connection cleanly while everything else goes on.
. "$(dirname "$0")/../lib/prelude.sh" topo nginx ppv2 drop

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-services.ini" <<'INI'
[service web3]
frontend_port = 443
backend = 192.168.10.11:8443
nat_ip = 192.168.10.201, 192.168.10.202, 192.168.10.203
proxy_protocol = on

[service tiny]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.210
nat_port_range = 40000-40002
proxy_protocol = on

[endpoint web3-pe]
nic = consumer0
ip = 10.0.0.5
service = web3
link_id = 1

[endpoint tiny-pe]
nic = consumer0
ip = 10.0.0.6
service = tiny
link_id = 2

[approval web3-pe]
state = Approved

[approval tiny-pe]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
ok "privlinkd starts with a 3-NAT-IP service and a 3-port service"

for i in $(seq 9); do
	in_cons curl -sS --max-time 10 http://10.0.0.5:443/ >/dev/null 2>&1
done
check_eq "9 connections spread over the 3 NAT IPs, 3 each (nginx's peers)" \
	"$(awk '{print $1}' "$NGINX_LOG" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
	"192.168.10.201=3 192.168.10.202=3 192.168.10.203=3 "

holds=""
for i in 1 2 3; do
	# ip netns exec runs python in place: $! is the client itself.
	ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.6 443 \
		200000000 $i >"$TOPO_DIR/hold$i.out" 2>&1 &
	holds="$holds $!"
done
check "three long-running connections hold the three ports" \
	wait_status 'svc["tiny"]["nat_ips"][0]["ports_in_use"] == 3'
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000 9 2>&1)
case $out in
*ConnectionResetError*|*BrokenPipeError*|*"Connection reset"*) ok "with 3 ports held, a 4th connection is reset at once" ;;
*) not_ok "with 3 ports held, a 4th connection is reset at once" "$out" ;;
esac
body=$(in_cons curl -sS --max-time 10 --local-port 40999 http://10.0.0.5:443/ 2>&1)
check_eq "another service keeps serving meanwhile" "$body" "10.0.0.7:40999"
status=$(privlinkd_status)
check_eq "the status shows 3 of 3 ports in use and the refusal counted" \
	"$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); t=[x for x in s["services"] if x["name"]=="tiny"][0]; print(t["nat_ips"][0]["ip"], t["nat_ips"][0]["ports_in_use"], s["connections"]["events"]["nat_ports_exhausted"])' "$status" 2>&1)" \
	"192.168.10.210 3 1"
check "privlinkd is still running" privlinkd_alive

# The clients end: their FINs close the backend side from the appliance
# first, so its ports stay in TIME_WAIT.
kill $holds 2>/dev/null
wait $holds 2>/dev/null
for i in $(seq 50); do
	[ "$(grep -c HOLD "$PPV2_LOG")" -ge 3 ] && break
	sleep 0.1
done
check_eq "the held connections came from 192.168.10.210 ports 40000-40002" \
	"$(python3 -c '
import json, sys
peers = sorted(json.loads(l)["peer"] for l in open(sys.argv[1]) if json.loads(l).get("mode") == "HOLD")
print(" ".join(peers))' "$PPV2_LOG")" \
	"192.168.10.210:40000 192.168.10.210:40001 192.168.10.210:40002"
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000 10 2>&1)
case $out in
*ConnectionResetError*|*BrokenPipeError*|*"Connection reset"*) ok "ports in TIME_WAIT after a close are not reused: refused" ;;
*) not_ok "ports in TIME_WAIT after a close are not reused: refused" "$out" ;;
esac
status=$(privlinkd_status)
check_eq "the status shows no live port and two refusals" \
	"$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); t=[x for x in s["services"] if x["name"]=="tiny"][0]; print(t["nat_ips"][0]["ports_in_use"], t["nat_ips"][0]["ports_allocated"], s["connections"]["events"]["nat_ports_exhausted"])' "$status" 2>&1)" \
	"0 3 2"

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
