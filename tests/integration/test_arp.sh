#!/bin/bash
# Neighbour tables are per NIC and bounded (issue 13, defect 7): a consumer
# sends thousands of ARP requests from random sender addresses and a SYN
# flood from random sources (so the appliance resolves every one of them);
# the provider NIC's entry for the backend must survive it: no new ARP
# request for the backend leaves the provider NIC when the next connection
# is made, and that connection works.  With one table for all NICs (lwIP's
# 128 entries) the flood evicted it and the appliance had to ask again.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2

start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd starts"; exit 1; }
pe_mac=$(in_appl cat /sys/class/net/pe0/address)

out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 10000 1 2>&1)
check "a connection reaches the backend before the flood (its address is resolved)" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["ok"] else 1)' "$out"

# Watch the provider wire for ARP requests from the appliance's NAT IP
# for the backend from here on.
WATCH_OUT=$TOPO_DIR/watch.out STOP=$TOPO_DIR/watch.stop
in_prov python3 "$ROOT/tests/lib/arp_flood.py" watch p0 192.168.10.201 192.168.10.11 "$STOP" \
	>"$WATCH_OUT" 2>&1 &
WATCH_PID=$!
for i in $(seq 50); do grep -q listening "$WATCH_OUT" && break; sleep 0.1; done
check "the provider-side watch is listening" grep -q listening "$WATCH_OUT"

rx_before=$(privlinkd_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["nics"][0]["rx_frames"])')
out=$(in_cons python3 "$ROOT/tests/lib/arp_flood.py" flood c0 "$pe_mac" 10.0.0.5 4000 13 2>&1)
sent=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sent"])' "$out" 2>/dev/null || echo 0)
check "the consumer sent thousands of ARP requests and SYNs" test "$sent" -ge 6000
# The flood has been taken in once the consumer NIC counted it (nine
# tenths: the kernel may drop some of a burst at the socket's queue).
check "the appliance took in the flood" \
	wait_status "s['nics'][0]['rx_frames'] >= $rx_before + $sent * 9 // 10"

out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 10000 2 2>&1)
check "a new connection reaches the backend after the flood" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["ok"] else 1)' "$out"
touch "$STOP"
wait "$WATCH_PID"
reqs=$(tail -n 1 "$WATCH_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])' 2>&1)
check_eq "the appliance sent no new ARP request for the backend (its entry was not evicted)" "$reqs" 0

st=$(privlinkd_status)
nb() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["nics"][int(sys.argv[2])]["neighbours"][sys.argv[3]])' "$st" "$1" "$2" 2>&1; }
python3 -c 'import json,sys
for n in json.loads(sys.argv[1])["nics"]: print("# %s neighbours: %s" % (n["name"], json.dumps(n.get("neighbours"))))' "$st"
check_eq "the provider NIC's neighbour table evicted nothing" "$(nb 1 evictions)" 0
check "the consumer NIC holds a bounded number of neighbours" \
	python3 -c 'import sys; n = int(sys.argv[1]); sys.exit(0 if 0 < n <= 1024 else 1)' "$(nb 0 entries)"
check "ARP from senders outside the consumer network was refused and counted" \
	python3 -c 'import sys; sys.exit(0 if int(sys.argv[1]) > 0 else 1)' "$(nb 0 refused)"
check "privlinkd survived the flood" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
