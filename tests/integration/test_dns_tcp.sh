#!/bin/bash
# The DNS responder's TCP path with answers larger than one lwIP write and
# than its send buffer: 2,500 endpoints of one service on one NIC give a
# 40 KB answer; dig gets all 2,500 over TCP, and 12 such queries pipelined
# on one connection (480 KB, past the 256 KiB send buffer: answers wait
# for room, no query is read meanwhile) come back whole and in order.
DNS=10.0.0.53
. "$(dirname "$0")/../lib/prelude.sh" topo drop dns_drop.sh

cp "$ROOT/config/examples/demo/00-appliance.ini" "$DROP/"
dns_nics_ini 16 consumer-a=pe0 >"$DROP/10-nics.ini"
{
	printf '[service many]\nfrontend_port = 443\nbackend = 192.168.10.11:8443\n'
	printf 'nat_ip = 192.168.10.201\nfqdn = many.contoso.example\n'
	for i in $(seq 1 2500); do
		printf '[endpoint m%d]\nnic = consumer-a\nip = 10.0.%d.%d\nservice = many\nlink_id = %d\n' \
			"$i" $((i / 200 + 1)) $((i % 200 + 1)) "$i"
		printf '[approval m%d]\nstate = Approved\n' "$i"
	done
} >"$DROP/20-objects.ini"
in_cons ip addr flush dev c0
in_cons ip addr add 10.0.0.7/16 dev c0

start_privlinkd "$DROP" || prelude_fail "privlinkd starts with 2,500 endpoints and dns ="
ok "privlinkd starts with 2,500 endpoints and dns ="
out=$(in_cons dig @$DNS +time=5 +tries=1 +ignore many.contoso.example A 2>&1)
check "over UDP: truncated (tc), within the query's multiple" \
	sh -c 'echo "$1" | grep -Eq "flags:[a-z ]* tc" && echo "$1" | grep -q "ANSWER: 0,"' _ "$out"
check_eq "over TCP: all 2,500 addresses in one answer" \
	"$(in_cons dig @$DNS +tcp +time=5 +tries=1 many.contoso.example A +short | sort -u | wc -l)" 2500
out=$(in_cons python3 "$ROOT/tests/lib/dns_client.py" pipeline $DNS many.contoso.example 12)
check "12 pipelined queries of 40 KB answers: all back, in order ($out)" json_ok "$out"
check "status: 13 TCP queries answered NOERROR, no send error" \
	wait_status 'any(n["dns"]["queries_tcp"] == 13 and n["dns"]["noerror"] >= 13 and n["dns"]["send_errors"] == 0 for n in s["nics"] if n["name"] == "consumer-a")'
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
