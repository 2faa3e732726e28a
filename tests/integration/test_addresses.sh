#!/bin/bash
# Addresses a reload takes away are freed: an endpoint moved to another IP
# on every reload, 270 times over 200 IPs, keeps listening; the NIC's
# address count stays what the drop names; and freeing an address aborts
# nothing of another NIC with the same IP (overlapping consumer networks)
# nor of an endpoint that stays.  The daemon runs under AddressSanitizer and
# LeakSanitizer (build/privlinkd-san): every freed address entry must stay
# freed.
. "$(dirname "$0")/../lib/prelude.sh" san topo cons2 ppv2 drop
# More moves than lwIP could number netifs (255), as when each address
# was a netif of its own.
CYCLES=270
# The cycled endpoint's IPs: 10.0.0.20 and up, so some come back later.
CYCLE_IPS=200
# Network B's endpoint: an IP network A's endpoint takes and gives up.
SHARED_IP=10.0.0.25

cp "$ROOT/config/examples/demo/00-appliance.ini" "$DROP/"
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
INI
cat >"$DROP/30-endpoints.ini" <<INI
[endpoint a-kept]
nic = consumer-a
ip = 10.0.0.6
service = raw
link_id = 6

[endpoint b-shared]
nic = consumer-b
ip = $SHARED_IP
service = raw
link_id = 11

[approval a-kept]
state = Approved
[approval b-shared]
state = Approved
INI
cycle_drop() {
	cat >"$DROP/35-cycle.ini" <<-INI
	[endpoint cycled]
	nic = consumer-a
	ip = $1
	service = raw
	link_id = 100

	[approval cycled]
	state = Approved
	INI
}
cycle_ip() { echo "10.0.0.$((20 + $1 % CYCLE_IPS))"; }
cycle_drop "$(cycle_ip 0)"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
# One reload by SIGHUP: counted only once applied after the drop changed
# (the inotify reload of the change may come first; either reads it).
reload() {
	local n i
	n=$(applied)
	kill -HUP "$PRIVLINKD_PID"
	for i in $(seq 500); do
		[ "$(applied)" -gt "$n" ] && return 0
		sleep 0.02
	done
	return 1
}
# A connect on the veth pair takes a millisecond; one to an address
# nobody holds goes unanswered, hence the bound.
connects() { in_cons timeout 3 bash -c "exec 3<>/dev/tcp/$1/443" 2>/dev/null; }
refuses() { ! connects "$1"; }
nic_addresses() {
	privlinkd_status | python3 -c 'import json,sys; s=json.load(sys.stdin); print(" ".join("%s=%d" % (n["name"], n["addresses"]) for n in s["nics"]))'
}

check "before: the cycled endpoint $(cycle_ip 0) accepts a connection" connects "$(cycle_ip 0)"
# Paced uploads that stop halfway until the gate file appears: one on
# network B to the shared IP, one on network A to an endpoint that stays.
PPV2_GATE=$TOPO_DIR/gate in_cons2 python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow "$SHARED_IP" 443 1000000 1 >"$TOPO_DIR/shared.out" 2>&1 &
shared=$!
PPV2_GATE=$TOPO_DIR/gate in_cons python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 1000000 2 >"$TOPO_DIR/kept.out" 2>&1 &
kept=$!
check "uploads through b-shared and a-kept are under way" \
	wait_status 'ep["b-shared"]["live_connections"] == 1 and ep["a-kept"]["live_connections"] == 1'

# The first cycle that fails ends the loop.
failed="none" shared_checked=0
for i in $(seq "$CYCLES"); do
	ip=$(cycle_ip "$i")
	cycle_drop "$ip"
	reload || { failed="cycle $i: reload not applied"; break; }
	connects "$ip" || { failed="cycle $i: $ip refused"; break; }
	# The shared IP was network A's one reload ago and is freed now.
	if [ "$(cycle_ip $((i - 1)))" = "$SHARED_IP" ] && [ $shared_checked = 0 ]; then
		shared_checked=1
		check "network B's upload to $SHARED_IP lives on after network A's $SHARED_IP was freed" \
			wait_status 'ep["b-shared"]["live_connections"] == 1'
	fi
done
check_eq "$CYCLES reloads, each moving the endpoint to another IP: each applied, the endpoint accepting on its new IP" \
	"$failed" "none"
check_eq "no reload left an approved endpoint not listening" \
	"$(grep -c 'approved but not listening\|add address' "$LOG")" 0
check "the last IP $(cycle_ip "$CYCLES") accepts a connection" connects "$(cycle_ip "$CYCLES")"
check "an IP the endpoint left, $(cycle_ip $((CYCLES - 1))), no longer answers" \
	refuses "$(cycle_ip $((CYCLES - 1)))"
check_eq "each NIC holds only the addresses the drop names" "$(nic_addresses)" \
	"consumer-a=3 consumer-b=2 provider0=1"
check "network B still reaches $SHARED_IP" \
	in_cons2 timeout 3 bash -c "exec 3<>/dev/tcp/$SHARED_IP/443"
check "both uploads were still running after the reloads" kill -0 "$shared" "$kept"
touch "$TOPO_DIR/gate"
wait "$shared"
check "network B's upload across every reload arrived intact" json_ok "$(cat "$TOPO_DIR/shared.out")"
wait "$kept"
check "the kept endpoint's upload across every reload arrived intact" json_ok "$(cat "$TOPO_DIR/kept.out")"

stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
tap_done
