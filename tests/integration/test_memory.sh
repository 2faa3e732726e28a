#!/bin/bash
# The network stack's memory limit ([appliance] memory_limit): consumers
# that send to a backend that does not read fill whatever is in between.
# privlinkd holds at most its limit (allocations past it fail, counted, or
# the endpoint holding more than its share is shed first), stays up, and
# serves normally once they are gone.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2 drop

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
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
check "the log states the limit" grep -q 'memory: the network stack may hold 8 MiB' "$TOPO_DIR/privlinkd.log"
mem() { json "$(privlinkd_status)" "$1"; }
check_eq "the status reports the limit" "$(mem 'r["memory"]["limit_bytes"]')" $((8 << 20))

# 40 connections x (a 256 KiB window + a 256 KiB send buffer) is far
# more than 8 MiB.
ip netns exec "$P-cons" python3 "$ROOT/tests/lib/flood_upload.py" 10.0.0.5 443 40 4 \
	"$TOPO_DIR/release" >"$TOPO_DIR/flood.out" 2>&1 &
flood=$!
for _ in $(seq 300); do [ -s "$TOPO_DIR/flood.out" ] && break; sleep 0.1; done
st=$(privlinkd_status)
check "40 flooding connections were made ($(cat "$TOPO_DIR/flood.out"))" \
	json_true "$(cat "$TOPO_DIR/flood.out")" 'r["connected"] == 40'
if privlinkd_alive; then
	ok "with the flood held, privlinkd is up"
else
	not_ok "with the flood held, privlinkd is up"
	tail -n 30 "$TOPO_DIR/privlinkd.log" | sed 's/^/#   /'
	exit 1
fi
# The flooding endpoint may be shed first (its memory share, share.c),
# which keeps the heap off the limit itself.
check "it was held: allocations refused at the limit, or the flooding endpoint shed ($(json "$st" 'r["memory"]'))" \
	json_true "$st" 'r["memory"]["refused"] > 0 or any(e["times_shed"] > 0 for e in r["endpoints"])'
check "and holds no more than the limit" \
	json_true "$st" 'r["memory"]["held_bytes"] <= r["memory"]["limit_bytes"]'

touch "$TOPO_DIR/release"
wait $flood
check "the flooding connections are gone" wait_status 'ep["stall-pe"]["live_connections"] == 0'
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 2000000 1 2>&1)
check "then 2 MB through another endpoint arrive intact" json_ok "$out"
st=$(privlinkd_status)
check "the memory is free again: in use (held, less the cache of freed blocks) below an eighth of the limit ($(json "$st" 'r["memory"]'))" \
	json_true "$st" 'r["memory"]["held_bytes"] - r["memory"]["cached_bytes"] < r["memory"]["limit_bytes"] // 8'
check "the cache of freed blocks stays within a quarter of the limit" \
	json_true "$st" 'r["memory"]["cached_bytes"] <= r["memory"]["limit_bytes"] // 4'

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
