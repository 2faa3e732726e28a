#!/bin/bash
# The walking skeleton end to end: a consumer's TCP connections through a
# private endpoint of privlinkd to real backends, with PROXY v2, once with
# the kernel's default offloads on every veth end and once with them off.
. "$(dirname "$0")/../lib/prelude.sh"
DEMO=$ROOT/config/examples/demo
MB10=10485760
MB8=8388608

run_mode() {
	local mode=$1 out rec n body before
	echo "# offloads $mode"
	topo_up "$mode" || { not_ok "[$mode] topology up"; return; }
	start_nginx || { not_ok "[$mode] nginx starts"; return; }
	start_ppv2_backend || { not_ok "[$mode] PROXY v2 backend starts"; return; }
	start_privlinkd "$DEMO" || { not_ok "[$mode] privlinkd starts with the demo drop"; return; }
	ok "[$mode] privlinkd ready with the demo drop"

	check "[$mode] ping of the private endpoint 10.0.0.5 is answered" \
		in_cons ping -c 2 -W 2 -q 10.0.0.5

	body=$(in_cons curl -sS --max-time 10 --local-port 40123 http://10.0.0.5:443/ 2>&1)
	check_eq "[$mode] curl through 10.0.0.5:443 gets nginx's PROXY v2 source" "$body" "10.0.0.7:40123"
	# nginx writes the access log line after it sent the response.
	for _ in $(seq 20); do grep -q " 40123$" "$NGINX_LOG" && break; sleep 0.1; done
	check_eq "[$mode] nginx saw the connection from the NAT IP, PROXY source 10.0.0.7:40123" \
		"$(tail -n 1 "$NGINX_LOG" | awk '{print $1, $3, $4}')" "192.168.10.201 10.0.0.7 40123"

	n=$(wc -l <"$PPV2_LOG")
	out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 $MB10 1 40200 2>&1)
	check "[$mode] 10 MB consumer->backend arrives sha256-identical, reply after half-close" \
		json_true "$out" 'r["ok"]'
	rec=$(ppv2_record "$n")
	check_eq "[$mode] backend parsed PROXY v2: TCP4 10.0.0.7:40200 -> 10.0.0.6:443" \
		"$(json "$rec" 'r.get("command"), r.get("family"), r.get("src"), r.get("sport"), r.get("dst"), r.get("dport")')" \
		"('PROXY', 17, '10.0.0.7', 40200, '10.0.0.6', 443)"
	check_eq "[$mode] PROXY v2 TLV 0xEE carries link id 0x12345678 (little endian)" \
		"$(json "$rec" 'r.get("tlvs"), r.get("link_id")')" \
		"([{'type': 238, 'value': '0178563412'}], 305419896)"
	check_eq "[$mode] the backend's TCP peer is the NAT IP" \
		"$(json "$rec" 'r["peer"].split(":")[0]')" "192.168.10.201"

	n=$(wc -l <"$PPV2_LOG")
	out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" source 10.0.0.6 443 $MB10 2 2>&1)
	check "[$mode] 10 MB backend->consumer arrives sha256-identical" json_true "$out" 'r["ok"]'
	rec=$(ppv2_record "$n")
	check_eq "[$mode] after the backend's FIN the consumer can still send (half-close)" \
		"$(json "$rec" 'r.get("after_eof"), r.get("error")')" "('thanks $MB10', None)"

	n=$(wc -l <"$PPV2_LOG")
	out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" both 10.0.0.6 443 $MB10 3 2>&1)
	check "[$mode] 10 MB each way at once, backend->consumer sha256-identical" \
		json_true "$out" 'r["ok"]'
	rec=$(ppv2_record "$n")
	check_eq "[$mode] 10 MB each way at once, consumer->backend sha256-identical" \
		"$(json "$rec" 'r.get("sha256"), r.get("bytes")')" \
		"$(json "$out" 'r.get("sent_sha256"), '$MB10)"

	# More than the appliance's window and send buffer together (256 KiB
	# each) to a reader that first reads nothing, then reads slowly: the
	# relay's queue of several pbuf chains fills and drains, and the
	# backend's window closes instead of anything being dropped.
	out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" slowread 10.0.0.6 443 $MB8 4 2>&1)
	check "[$mode] 8 MB backend->consumer to a slow reader arrives sha256-identical" \
		json_true "$out" 'r["ok"]'

	before=$(wc -l <"$PPV2_LOG")
	# Refused means a reset within a second: not silence, not an
	# unanswered ARP (curl says "Couldn't connect" for all three).
	for ip in 10.0.0.8 10.0.0.9; do
		out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" $ip 443 5)
		if json_true "$out" 'r["result"] == "refused" and r["seconds"] < 1'; then
			ok "[$mode] $ip (not Approved) refuses the consumer at once"
		else
			not_ok "[$mode] $ip (not Approved) refuses the consumer at once" "probe: $out"
		fi
	done
	sleep 0.5
	check_eq "[$mode] the backend saw no connection for Pending/Rejected endpoints" \
		"$(wc -l <"$PPV2_LOG")" "$before"

	# Whether a closed port answers with a reset or not at all is lwIP's
	# business; what matters is that no connection is established.
	out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.5 8080 3)
	if json_true "$out" 'r["result"] in ("refused", "timeout")'; then
		ok "[$mode] no connection is established to another port of the endpoint ($(json "$out" 'r["result"]'))"
	else
		not_ok "[$mode] no connection is established to another port of the endpoint" "probe: $out"
	fi
	out=$(in_cons ping -c 1 -W 1 -q 10.0.0.77 2>&1)
	check "[$mode] no answer for an address that is not ours" test $? -ne 0

	check "[$mode] privlinkd is still running" privlinkd_alive
	sleep 0.5	# the last connections finish closing
	status=$(privlinkd_status)
	check "[$mode] SIGUSR1 writes a JSON status that matches what this test did" \
		python3 "$ROOT/tests/lib/check_status.py" "$status"
	stop_privlinkd
	check_eq "[$mode] SIGTERM stops privlinkd with status 0" "$?" 0
	if [ "$mode" = on ]; then
		check "[$mode] partial checksums and GSO super-frames reached privlinkd and were handled" \
			grep -Eq 'nic consumer0: rx [0-9]+ frames \([1-9][0-9]* checksums trusted, [0-9]+ completed, [1-9][0-9]* super-frames' \
			"$TOPO_DIR/privlinkd.log"
	else
		check "[$mode] with offloads off every checksum was verified by privlinkd itself" \
			grep -Eq 'nic consumer0: rx [0-9]+ frames \(0 checksums trusted, 0 completed, 0 super-frames' \
			"$TOPO_DIR/privlinkd.log"
	fi
	topo_down
}

run_mode on
run_mode off
tap_done
