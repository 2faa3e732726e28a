#!/bin/bash
# Visibility and approval with real traffic: an endpoint of a subscription
# in auto_approval, asking for the service by its alias, is Approved at
# once and carries data; one merely inside visibility stays Pending and
# gets nothing through; a reload whose auto_approval leaves visibility is
# refused whole and the running configuration keeps serving.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2 drop

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-service.ini" <<'INI'
[service partners]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.201
proxy_protocol = on
owner = provider-sub
visibility = partner-a, partner-b
auto_approval = partner-a
INI
alias=$("$PRIVLINKD" -t -c "$DROP" | sed -n 's/^service partners: alias //p')
case $alias in
partners.*.westeurope.privlink) ok "privlinkd -t prints the service's alias ($alias)" ;;
*) not_ok "privlinkd -t prints the service's alias" "got '$alias'" ;;
esac
cat >"$DROP/30-endpoints.ini" <<INI
; partner-a asks by alias and is auto-approved
[endpoint a-pe]
nic = consumer0
ip = 10.0.0.5
service = $alias
subscription = partner-a
link_id = 0xa

; partner-b may see the service, but waits for an approval
[endpoint b-pe]
nic = consumer0
ip = 10.0.0.6
service = partners
subscription = partner-b
link_id = 0xb
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
ok "privlinkd starts with a partner-only service"
client() { in_cons python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }

out=$(client sink 10.0.0.5 443 100000 1)
check "the auto-approved endpoint (asked for by alias) carries data" json_ok "$out"
n=$(wc -l <"$PPV2_LOG")
out=$(client sink 10.0.0.6 443 1000 2)
check "the endpoint inside visibility but not auto-approved is refused" test $? -ne 0
sleep 0.3
check_eq "the backend saw nothing from the Pending endpoint" "$(wc -l <"$PPV2_LOG")" "$n"
status=$(privlinkd_status)
check_eq "the status shows a-pe Approved (auto) and b-pe Pending, the alias and the owner" \
	"$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); e={x["name"]: x for x in s["endpoints"]}; v=s["services"][0]; print(e["a-pe"]["state"], e["a-pe"]["auto_approved"], e["a-pe"]["subscription"], e["b-pe"]["state"], e["b-pe"]["auto_approved"], v["alias"] == sys.argv[2], v["owner"])' "$status" "$alias" 2>&1)" \
	"Approved True partner-a Pending False True provider-sub"

# auto_approval outside visibility: the whole reload is refused.
sed -i 's/^auto_approval = partner-a$/auto_approval = partner-a, partner-c/' "$DROP/20-service.ini"
printf '[approval b-pe]\nstate = Approved\n' >"$DROP/40-approve-b.ini"
kill -HUP "$PRIVLINKD_PID"
for i in $(seq 50); do grep -q "keeping the running configuration" "$TOPO_DIR/privlinkd.log" && break; sleep 0.1; done
check "the reload names the auto_approval outside visibility at its line" \
	grep -q "$DROP/20-service.ini:8: \[service partners\] auto_approval: subscription 'partner-c' is outside" \
	"$TOPO_DIR/privlinkd.log"
out=$(client sink 10.0.0.6 443 1000 3)
check "nothing of the refused drop applies: b-pe still refuses" test $? -ne 0
out=$(client sink 10.0.0.5 443 100000 4)
check "the running configuration keeps serving a-pe" json_ok "$out"

# Fixed, the same approval goes through, with no signal: the drop
# directory is watched.  A paced 2 MiB upload runs across the reload: it
# stops halfway until the gate file appears, after the reload.
rm -f "$TOPO_DIR/slow.gate"
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.5 443 2097152 6 >"$TOPO_DIR/slow.out" 2>&1 &
slow=$!
check "the transfer is under way before the reload" wait_status 'ep["a-pe"]["live_connections"] == 1'
sed -i 's/^auto_approval = partner-a, partner-c$/auto_approval = partner-a/' "$DROP/20-service.ini"
for i in $(seq 50); do grep -q "b-pe: Pending -> Approved" "$TOPO_DIR/privlinkd.log" && break; sleep 0.1; done
check "a change in the drop directory is applied without a signal" \
	grep -q "b-pe: Pending -> Approved" "$TOPO_DIR/privlinkd.log"
out=$(client sink 10.0.0.6 443 100000 5)
check "after the valid reload b-pe is approved and carries data" json_ok "$out"
check "the paced upload was still running when the reload was applied" kill -0 $slow
touch "$TOPO_DIR/slow.gate"
wait $slow
check "the paced 2 MiB upload running across the valid reload arrives intact" \
	json_ok "$(cat "$TOPO_DIR/slow.out")"
out=$(client both 10.0.0.5 443 10485760 7)
check "after the reload, 10 MB each way at once arrive intact" json_ok "$out"

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
