#!/bin/bash
# Hostile and malformed frames from the consumer side, at the sanitized
# daemon (ASan+UBSan): nothing crashes, nothing is reported by the
# sanitizers, an address the appliance holds on the provider NIC stays
# unreachable from the consumer NIC, and service goes on afterwards.
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2

start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
pe_mac=$(in_appl cat /sys/class/net/pe0/address)

out=$(in_cons python3 "$ROOT/tests/lib/hostile_frames.py" c0 "$pe_mac" 10.0.0.7 10.0.0.5 \
	192.168.10.201 3000 42 2>&1)
check "hostile frames were sent" python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["sent"] > 9000 else 1)' "$out"
check_eq "the NAT IP on the provider NIC is not reachable from the consumer NIC (ARP, ICMP, TCP)" \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["foreign_replies"])' "$out" 2>&1)" "[]"
check_eq "a SYN with a bad TCP checksum (no offload status) goes unanswered" \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bad_csum_replies"])' "$out" 2>&1)" "[]"
check "the same SYN with a good checksum is answered" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["good_csum_answered"] else 1)' "$out"
check "privlinkd survived the hostile frames" privlinkd_alive
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000000 11 2>&1)
check "the endpoint still carries data afterwards" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["ok"] else 1)' "$out"
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check "malformed frames were counted as dropped" grep -Eq 'nic consumer0: .* [1-9][0-9]* malformed' "$LOG"
check_no_sanitizer_report "$LOG"
tap_done
