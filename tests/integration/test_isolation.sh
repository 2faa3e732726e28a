#!/bin/bash
# What a frame from a consumer NIC causes leaves by that NIC or not at
# all.  Traffic with a spoofed source from the provider network (UDP to a
# closed port, an unknown protocol, a lone fragment, ping, a SYN to a
# closed port) makes no frame on the provider network, whose capture
# shows only the proxied connection's TCP (and ARP); the same asked with a source on the consumer
# network is answered there, within a rate limit.
. "$(dirname "$0")/../lib/prelude.sh" san topo-off ppv2

start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
CAP=$TOPO_DIR/provider.jsonl
pv_mac=$(in_appl cat /sys/class/net/pv0/address)
spoof() { in_cons timeout 30 python3 "$ROOT/tests/lib/spoof_frames.py" c0 10.0.0.50 10.0.0.5 192.168.10.11 "$@" 2>&1; }

# lwIP's reassembly gives up on a fragment after 15 s: the capture lasts
# longer than that after the spoofed frames.
in_prov python3 "$ROOT/tests/lib/sniff.py" p0 "$pv_mac" 19 "$CAP" >"$TOPO_DIR/sniff.out" 2>&1 &
sniffer=$!
for i in $(seq 50); do grep -q listening "$TOPO_DIR/sniff.out" && break; sleep 0.1; done
out=$(spoof spoofed)
check_eq "nothing answers spoofed traffic on the consumer network" "$(json "$out" 'r.get("answers_here")')" 0
out=$(spoof legit)
check_eq "from the consumer network: port unreachable and echo reply come back on it" \
	"$(json "$out" 'r.get("icmp")')" "['icmp 0/0', 'icmp 3/3']"
out=$(in_cons timeout 20 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 100000 3 2>&1)
check "meanwhile the endpoint carries data" json_ok "$out"
wait $sniffer
others=$(python3 - "$CAP" <<'PY'
import json, sys
bad = [l.strip() for l in open(sys.argv[1])
       if json.loads(l)["kind"] not in ("tcp", "arp")]
print("\n".join(bad))
PY
)
check_eq "the provider network saw no ICMP nor anything but TCP and ARP from the appliance" "$others" ""
check "the capture saw the proxied connection (it worked)" grep -q '"kind": "tcp"' "$CAP"
status=$(privlinkd_status)
check "the consumer NIC counted the fragment and the unroutable answers" json_true "$status" \
	'[n for n in r["nics"] if n["name"] == "consumer0"][0]["rx_dropped_fragments"] >= 3 and [n for n in r["nics"] if n["name"] == "consumer0"][0]["tx_dropped_no_route"] >= 6'

out=$(spoof "burst 2000")
check "a burst of 2000 pings gets fewer replies (rate limit), some" \
	json_true "$out" '0 < r["replies"] < r["sent"]'
status=$(privlinkd_status)
check "the consumer NIC counted what it did not send" json_true "$status" \
	'[n for n in r["nics"] if n["name"] == "consumer0"][0]["tx_dropped_rate_limited"] > 0'
check "ping from the consumer's own host still works" in_cons ping -c 1 -W 2 -q 10.0.0.5
out=$(in_cons timeout 20 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 100000 4 2>&1)
check "the endpoint still carries data" json_ok "$out"
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
