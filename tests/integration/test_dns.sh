#!/bin/bash
# The DNS responder on the network (README, The DNS responder on the
# network, and Names (DNS)): real clients
# (dig, kdig, drill, getent through the consumer namespace's resolv.conf,
# curl by name) against privlinkd's responder in two overlapping consumer
# networks; approval through a drop applies at once; TC then TCP for a
# large answer; pipelined TCP; the per-source rate limit under a flood
# while another source is still answered; hostile bits (a query by the
# provider NIC, garbage over UDP and TCP).  With "san" as its argument
# (test_dns_san.sh) the daemon is the ASan/UBSan build.
words="topo cons2 nginx drop dns_drop.sh"
[ "${1:-}" = san ] && words="$words san"
DNS=10.0.0.53
. "$(dirname "$0")/../lib/prelude.sh" $words
DIG="dig @$DNS +time=2 +tries=1"
CLIENT="$ROOT/tests/lib/dns_client.py"

cp "$ROOT/config/examples/demo/00-appliance.ini" "$DROP/"
dns_nics_ini 24 consumer-a=pe0 consumer-b=pe1 >"$DROP/10-nics.ini"
{
	cat <<-'INI'
	[service web]
	frontend_port = 443
	backend = 192.168.10.11:8443
	nat_ip = 192.168.10.201
	proxy_protocol = on
	fqdn = web.contoso.example

	[service db]
	frontend_port = 443
	backend = 192.168.10.11:8443
	nat_ip = 192.168.10.201
	fqdn = db.contoso.example

	[service many]
	frontend_port = 443
	backend = 192.168.10.11:8443
	nat_ip = 192.168.10.201
	fqdn = many.contoso.example

	[endpoint a-web]
	nic = consumer-a
	ip = 10.0.0.5
	service = web
	link_id = 0xa

	[endpoint b-web]
	nic = consumer-b
	ip = 10.0.0.6
	service = web
	link_id = 0xb

	[endpoint a-db]
	nic = consumer-a
	ip = 10.0.0.8
	service = db
	link_id = 0xd

	[approval a-web]
	state = Approved
	[approval b-web]
	state = Approved
	[approval a-db]
	state = Rejected
	INI
	# 40 endpoints of one service on one NIC: 40 A records do not fit
	# 512 bytes.
	for i in $(seq 100 139); do
		printf '[endpoint m%d]\nnic = consumer-a\nip = 10.0.0.%d\nservice = many\nlink_id = %d\n' "$i" "$i" "$i"
		printf '[approval m%d]\nstate = Approved\n' "$i"
	done
} >"$DROP/20-objects.ini"

start_privlinkd "$DROP" || prelude_fail "privlinkd starts with dns = on two consumer NICs"
ok "privlinkd starts with dns = on two consumer NICs"

check_eq "network A: dig web.contoso.example gives network A's endpoint" \
	"$(a_of in_cons $DIG web.contoso.example A)" "10.0.0.5"
check_eq "network B: the same name gives network B's own endpoint" \
	"$(a_of in_cons2 $DIG web.contoso.example A)" "10.0.0.6"
out=$(in_cons kdig @$DNS +tcp +timeout=2 +retry=0 web.contoso.example A 2>&1)
check "kdig over TCP: NOERROR with 10.0.0.5" sh -c 'echo "$1" | grep -q "status: NOERROR" && echo "$1" | grep -Eq "web.contoso.example.*A[[:space:]]+10.0.0.5"' _ "$out"
out=$(in_cons2 drill @$DNS web.contoso.example A 2>&1)
check "drill in network B: NOERROR with 10.0.0.6" sh -c 'echo "$1" | grep -q "rcode: NOERROR" && echo "$1" | grep -Eq "web.contoso.example.*A[[:space:]]+10.0.0.6"' _ "$out"

# getent and curl through the namespace's resolver (ip netns exec binds
# /etc/netns/NS/resolv.conf over /etc/resolv.conf).
mkdir -p "/etc/netns/$P-cons" "/etc/netns/$P-cons2"
at_exit "rm -rf /etc/netns/$P-cons /etc/netns/$P-cons2"
echo "nameserver $DNS" >"/etc/netns/$P-cons/resolv.conf"
echo "nameserver $DNS" >"/etc/netns/$P-cons2/resolv.conf"
check_eq "network A: getent hosts web.contoso.example" \
	"$(in_cons getent hosts web.contoso.example | awk '{print $1}')" "10.0.0.5"
check_eq "network B: getent hosts web.contoso.example" \
	"$(in_cons2 getent hosts web.contoso.example | awk '{print $1}')" "10.0.0.6"
body=$(in_cons curl -sS --max-time 10 --local-port 40111 http://web.contoso.example:443/ 2>&1)
check_eq "network A: curl by name reaches the service through its endpoint" "$body" "10.0.0.7:40111"
body=$(in_cons2 curl -sS --max-time 10 --local-port 40112 http://web.contoso.example:443/ 2>&1)
check_eq "network B: curl by name reaches the service through its own endpoint" "$body" "10.0.0.7:40112"

# A Rejected endpoint's name does not resolve; approved by a drop, it
# does at once, no restart.
check_eq "a Rejected endpoint's name: NXDOMAIN" "$(status_of in_cons $DIG db.contoso.example A)" NXDOMAIN
check_eq "network B has no endpoint of db: NXDOMAIN there too" \
	"$(status_of in_cons2 $DIG db.contoso.example A)" NXDOMAIN
n=$(applied)
sed -i '/^\[approval a-db\]/{n;s/Rejected/Approved/}' "$DROP/20-objects.ini"
check "the approval is applied" wait_applied "$n"
check_eq "approved: db.contoso.example resolves to its endpoint, no restart" \
	"$(a_of in_cons $DIG db.contoso.example A)" "10.0.0.8"
n=$(applied)
sed -i '/^\[approval a-db\]/{n;s/Approved/Pending/}' "$DROP/20-objects.ini"
check "Pending again is applied" wait_applied "$n"
check_eq "Pending: the name stops resolving at once" "$(status_of in_cons $DIG db.contoso.example A)" NXDOMAIN

# RFC behaviour through real clients.
out=$(in_cons $DIG nosuch.contoso.example A 2>&1)
check "NXDOMAIN inside the zone, with the zone's SOA in the authority section" \
	sh -c 'echo "$1" | grep -q "status: NXDOMAIN" && echo "$1" | grep -A3 "AUTHORITY SECTION" | grep -Eq "contoso.example.*SOA"' _ "$out"
out=$(in_cons $DIG web.contoso.example AAAA 2>&1)
check "AAAA of a name: NOERROR, no answer (NODATA)" \
	sh -c 'echo "$1" | grep -q "status: NOERROR" && echo "$1" | grep -q "ANSWER: 0,"' _ "$out"
check_eq "a name outside the zones: REFUSED" "$(status_of in_cons $DIG www.example.org A)" REFUSED
out=$(in_cons $DIG +ednsopt=65001:abcd web.contoso.example A 2>&1)
check "EDNS0 with an unknown option: answered, OPT echoed" \
	sh -c 'echo "$1" | grep -q "status: NOERROR" && echo "$1" | grep -q "OPT PSEUDOSECTION" && echo "$1" | grep -Eq "^web.contoso.example.*10.0.0.5"' _ "$out"
check_eq "a mixed-case question is answered in its case" \
	"$(in_cons $DIG WeB.CoNtOsO.eXaMpLe A +noall +answer | awk '{print $1}')" "WeB.CoNtOsO.eXaMpLe."
out=$(in_cons $DIG +ignore +noedns many.contoso.example A 2>&1)
check "40 endpoints over UDP without EDNS: truncated (dig +ignore shows tc)" \
	sh -c 'echo "$1" | grep -Eq "flags:[a-z ]* tc"' _ "$out"
check_eq "dig retries over TCP and gets all 40" \
	"$(in_cons $DIG +noedns many.contoso.example A +short | wc -l)" 40
out=$(in_cons python3 "$CLIENT" pipeline $DNS web.contoso.example 5)
check "five queries pipelined on one TCP connection: five answers in order" json_ok "$out"

# Hostile: a query by the provider NIC reaches no responder.  The provider
# namespace is told the appliance's MAC for the address, past ARP.
mac=$(in_appl cat /sys/class/net/pv0/address)
in_prov ip neigh replace $DNS lladdr "$mac" dev p0
in_prov ip route add $DNS/32 dev p0
check "a query to the dns address by the provider NIC is not answered" \
	sh -c '! ip netns exec '"$P-prov"' dig @'"$DNS"' +time=1 +tries=1 web.contoso.example A'
out=$(in_cons python3 "$CLIENT" garbage $DNS)
check "garbage over UDP and TCP: a long length prefix closes the connection" json_ok "$out"
check_eq "after the garbage, still answering" "$(a_of in_cons $DIG web.contoso.example A)" "10.0.0.5"
out=$(in_cons python3 "$CLIENT" conns $DNS 24)
check "24 TCP connections at once: 16 kept, the rest refused" json_true "$out" 'r["alive"] == 16'
t=$(json "$(in_cons python3 "$CLIENT" idle $DNS)" 'r["seconds"]')
check "an idle TCP connection is closed after about 5 s ($t s)" \
	python3 -c 'import sys; sys.exit(0 if 4 <= float(sys.argv[1]) <= 8 else 1)' "$t"

# Flood: 10.0.0.7 sends 3000 queries in 2 s (1500/s) while 10.0.0.9, a
# second address of the same client, asks 40 times in the same 2 s.
in_cons ip addr add 10.0.0.9/24 dev c0
in_cons python3 "$CLIENT" flood $DNS 10.0.0.7 web.contoso.example 3000 2 >"$TOPO_DIR/flood.out" &
fp=$!
other=$(in_cons python3 "$CLIENT" flood $DNS 10.0.0.9 web.contoso.example 40 2)
wait $fp
flood=$(cat "$TOPO_DIR/flood.out")
check "the flooding source is limited: full answers near burst + rate x time (200 + 100/s x 2 s) ($flood)" \
	json_true "$flood" '250 <= r["full"] <= 500'
check "over its limit, every 2nd query is answered TC (slip)" \
	json_true "$flood" 'r["tc"] >= (r["sent"] - r["full"]) // 2 - 50'
check "meanwhile every query of another source is answered ($other)" \
	json_true "$other" 'r["answered"] == 40 and r["tc"] == 0'
check "status: the responder's counters (queries, answers, drops, TCP)" \
	wait_status 'any(n.get("dns", {}).get("rate_dropped", 0) >= 1000 and n["dns"]["rate_slipped"] >= 1000 and n["dns"]["noerror"] >= 300 and n["dns"]["nxdomain"] >= 3 and n["dns"]["refused"] >= 1 and n["dns"]["tcp_accepted"] >= 20 and n["dns"]["tcp_refused"] >= 1 and n["dns"]["truncated"] >= 1 and n["dns"]["queries_tcp"] >= 8 for n in s["nics"] if n["name"] == "consumer-a")'

# The same counters in /metrics (FILE.prom, written with the status):
# check_metrics.py compares them with the status and checks the format.
rm -f "$STATUS_JSON" "$STATUS_JSON.prom"
kill -USR1 "$PRIVLINKD_PID"
for _ in $(seq 50); do [ -s "$STATUS_JSON" ] && [ -s "$STATUS_JSON.prom" ] && break; sleep 0.1; done
check "metrics: the privlink_dns_* families agree with the status (check_metrics.py)" \
	/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$STATUS_JSON.prom" --status "$STATUS_JSON" \
	--expect 'privlink_dns_tcp_connections_total{nic="consumer-a",result="refused"}=8'

# dns_rate = off on consumer-a, by a reload: the same source is answered
# in full at once, with no restart.
n=$(applied)
sed -i '0,/^dns = /s//dns_rate = off\ndns = /' "$DROP/10-nics.ini"
check "dns_rate = off is applied" wait_applied "$n"
flood=$(in_cons python3 "$CLIENT" flood $DNS 10.0.0.7 web.contoso.example 1000 1)
check "dns_rate = off: all 1,000 queries of the source in 1 s answered in full ($flood)" \
	json_true "$flood" 'r["full"] == 1000'

# A reload that removes dns = stops the responder and frees its address.
n=$(applied)
sed -i '/^dns_rate = off$/d; 0,/^dns = /{/^dns = /d}' "$DROP/10-nics.ini"
check "dns = removed from consumer-a is applied" wait_applied "$n"
check "network A: no answer any more" sh -c '! ip netns exec '"$P-cons"' dig @'"$DNS"' +time=1 +tries=1 web.contoso.example A'
check "network A: the address no longer answers ping" sh -c '! ip netns exec '"$P-cons"' ping -c 1 -W 1 -q '"$DNS"
check_eq "network B: still answering" "$(a_of in_cons2 $DIG web.contoso.example A)" "10.0.0.6"

check "privlinkd is alive" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
[ "${1:-}" = san ] && check_no_sanitizer_report "$LOG"
tap_done
