#!/bin/bash
# Memory is accounted by what a connection holds, not by how it was cut:
# one connection sending thousands of 1-byte segments to a backend that
# does not read holds about its bytes (small segments are copied into
# compact buffers), and one sending thousands of 1-byte segments out of
# order holds at most a window of them, so with the network stack limited
# to 8 MiB ([appliance] memory_limit) another endpoint's 2 MB transfer
# still completes.  At the sanitized daemon (ASan+UBSan).
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2 drop
# Bytes sent one a segment: at a pool buffer each (1.6 KB) they would hold
# 13 MB, more than the whole limit.
TINY=8000
# Out-of-order one-byte segments: as many again.
OOSEQ=8000
# Sent first, at once: fills the backend's buffers and the appliance's
# send buffer towards it (256 KiB), so the single bytes queue in between.
BULK=300000

in_prov python3 "$ROOT/tests/lib/stall_backend.py" 192.168.10.11 9100 >"$TOPO_DIR/stall.out" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TOPO_DIR/stall.out" && break; sleep 0.1; done
check "a backend that never reads listens on 192.168.10.11:9100" grep -q listening "$TOPO_DIR/stall.out"

cp "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf 'memory_limit = 8M\n'; } >"$DROP/00-appliance.ini"
cat >"$DROP/20-services.ini" <<'INI'
[service stall]
frontend_port = 443
backend = 192.168.10.11:9100
nat_ip = 192.168.10.201

[service sink]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.202
proxy_protocol = on

[endpoint stall-pe]
nic = consumer0
ip = 10.0.0.5
service = stall
link_id = 1

[endpoint sink-pe]
nic = consumer0
ip = 10.0.0.6
service = sink
link_id = 2

[approval stall-pe]
state = Approved

[approval sink-pe]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
frames() { json "$(privlinkd_status)" '[n for n in r["nics"] if n["name"] == "consumer0"][0]["rx_frames"]'; }

before=$(frames)
in_cons python3 "$ROOT/tests/lib/tiny_sender.py" 10.0.0.5 443 $BULK $TINY "$TOPO_DIR/release" \
	>"$TOPO_DIR/tiny.out" 2>&1 &
tiny=$!
for _ in $(seq 300); do [ -s "$TOPO_DIR/tiny.out" ] && break; sleep 0.1; done
ts=$(cat "$TOPO_DIR/tiny.out")
st=$(privlinkd_status)
after=$(frames)
check "$TINY bytes were written one at a time ($ts)" json_true "$ts" "r['sent'] == $TINY"
check "the single bytes reached privlinkd in thousands of segments ($((after - before)) frames)" \
	test $((after - before)) -ge $((TINY / 2))
check "privlinkd acknowledged every byte: its window was open ($ts)" json_true "$ts" 'r["unacked"] == 0'
check "holding them, the stack uses less than a quarter of its limit ($(json "$st" 'r["memory"]'))" \
	json_true "$st" 'r["memory"]["held_bytes"] - r["memory"]["cached_bytes"] < r["memory"]["limit_bytes"] // 4'

out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 2000000 3 2>&1)
check "meanwhile 2 MB through another endpoint arrive intact" json_ok "$out"
if privlinkd_alive; then
	ok "privlinkd is up"
else
	not_ok "privlinkd is up"
	tail -n 30 "$LOG" | sed 's/^/#   /'
	exit 1
fi
touch "$TOPO_DIR/release"
wait $tiny
check "the tiny-segment connection is gone" wait_status 'ep["stall-pe"]["live_connections"] == 0'

# Out of order: a connection made by hand (from 10.0.0.77, an address no
# host holds) leaves a hole at its first byte and sends one-byte segments
# past it, all in its window: the appliance may only queue them, and
# holds at most a window of them.
pe_mac=$(in_appl cat /sys/class/net/pe0/address)
before=$(frames)
in_cons python3 "$ROOT/tests/lib/ooseq_sender.py" c0 "$pe_mac" 10.0.0.77 10.0.0.5 443 $OOSEQ \
	"$TOPO_DIR/release-ooseq" >"$TOPO_DIR/ooseq.out" 2>&1 &
ooseq=$!
for _ in $(seq 300); do [ -s "$TOPO_DIR/ooseq.out" ] && break; sleep 0.1; done
os=$(cat "$TOPO_DIR/ooseq.out")
st=$(privlinkd_status)
after=$(frames)
check "$OOSEQ one-byte segments past a hole were sent on a connection ($os)" \
	json_true "$os" "r['connected'] and r['sent'] == $OOSEQ"
check "they reached privlinkd ($((after - before)) frames)" test $((after - before)) -ge $((OOSEQ / 2))
check "holding them, the stack uses less than a quarter of its limit ($(json "$st" 'r["memory"]'))" \
	json_true "$st" 'r["memory"]["held_bytes"] - r["memory"]["cached_bytes"] < r["memory"]["limit_bytes"] // 4'
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 2000000 4 2>&1)
check "meanwhile 2 MB through another endpoint arrive intact" json_ok "$out"
touch "$TOPO_DIR/release-ooseq"
wait $ooseq
check "the out-of-order connection is gone" wait_status 'ep["stall-pe"]["live_connections"] == 0'
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
