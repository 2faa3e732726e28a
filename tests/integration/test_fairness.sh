#!/bin/bash
# Fair shares (issue 13, defect 6): two tenants (consumer networks, one
# endpoint each) on one service.  Tenant A's churn cannot take the NAT
# ports tenant B needs, A's idle connections stop at A's share of the
# appliance's connections, A's SYNs over its max_new_connections_per_s are
# dropped and counted for A alone, and at its max_connections A's own
# keepalive-only connection is reclaimed for a new one, never B's.
. "$(dirname "$0")/../lib/prelude.sh" topo cons2 nginx
TC=$ROOT/tests/lib/tenant_conns.py


# drop DIR [APPLIANCE_EXTRA] [SERVICE_EXTRA] [A_EXTRA]: tenants a (pe0) and
# b (pe1), both 10.0.0.5 in their own network, on service web.
drop() {
	local d=$1
	rm -rf "$d"; mkdir -p "$d"
	cat >"$d/00-appliance.ini" <<-INI
	[appliance]
	secret = 5b2f8d0c6a1e4f3b9c7d2e8a0f6b4c1d3e5a7b9c0d2f4e6a8b0c1d3e5f7a9b2c
	${2:-}
	INI
	cat >"$d/10-all.ini" <<-INI
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

	[service web]
	frontend_port = 80
	backend = 192.168.10.11:8443
	nat_ip = 192.168.10.201
	proxy_protocol = on
	${3:-}

	[endpoint a]
	nic = consumer-a
	ip = 10.0.0.5
	service = web
	link_id = 1
	${4:-}

	[endpoint b]
	nic = consumer-b
	ip = 10.0.0.5
	service = web
	link_id = 2

	[approval a]
	state = Approved

	[approval b]
	state = Approved
	INI
}

# st EXPR: prints a Python expression over the status (s, ep, svc).
st() {
	privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
ep = {e["name"]: e for e in s["endpoints"]}
svc = {v["name"]: v for v in s["services"]}
print(eval(sys.argv[1]))' "$1" 2>&1
}

# wait_line FILE: waits (10 s at most) for a first line in FILE.
wait_line() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && { head -n 1 "$1"; return 0; }
		sleep 0.1
	done
	echo '{}'
}

# 1. NAT ports: 100 of them, so each tenant's share is 50.  A churns 100
# graceful connections; each port stays held 61 s after its close.
drop "$TOPO_DIR/d1" "" "nat_port_range = 20000-20099"
start_privlinkd "$TOPO_DIR/d1" || { not_ok "privlinkd starts (NAT share)"; exit 1; }
out=$(in_cons python3 "$TC" churn 10.0.0.5 80 100)
check_eq "tenant A's churn gets its share of the NAT ports, 50 of 100" "$(json "$out" 'r["ok"]')" 50
out=$(in_cons2 python3 "$TC" churn 10.0.0.5 80 10)
check_eq "tenant B still connects and transfers after A's churn" "$out" \
	'{"ok": 10, "refused": 0, "timeout": 0, "other": 0}'
check_eq "A's excess is counted for A as nat_port_share; B refused nothing" \
	"$(st '(ep["a"]["refused"]["nat_port_share"], ep["a"]["nat_ports_held"], ep["a"]["nat_port_share"],
	    sum(ep["b"]["refused"].values()), s["connections"]["events"]["nat_ports_exhausted"])')" \
	"(50, 50, 50, 0, 0)"
# A reload that puts a new endpoint first moves a and b to other indexes:
# what they hold and their counters follow their names.
n=$(grep -c "reload: configuration applied" "$TOPO_DIR/privlinkd.log")
printf '[endpoint c]\nnic = consumer-a\nip = 10.0.0.9\nservice = web\nlink_id = 3\n\n[approval c]\nstate = Approved\n' \
	>"$TOPO_DIR/d1/05-first.ini"
for i in $(seq 50); do
	[ "$(grep -c "reload: configuration applied" "$TOPO_DIR/privlinkd.log")" -gt "$n" ] && break
	sleep 0.1
done
check_eq "after a reload that moves them, A's held ports and refusals are kept" \
	"$(st '([e["name"] for e in s["endpoints"]], ep["a"]["nat_ports_held"], ep["a"]["refused"]["nat_port_share"])')" \
	"(['c', 'a', 'b'], 50, 50)"
out=$(in_cons python3 "$TC" churn 10.0.0.5 80 5)
check_eq "A, still at its share after the reload, is refused" "$(json "$out" '(r["ok"], r["refused"])')" "(0, 5)"
out=$(in_cons2 python3 "$TC" churn 10.0.0.5 80 5)
check_eq "B still connects after the reload" "$(json "$out" 'r["ok"]')" 5
stop_privlinkd

# 2. Connections, by the defaults: memory_limit 8M gives max_connections
# auto 4096 (2 KiB each), so each endpoint may hold 2048.
drop "$TOPO_DIR/d2" "memory_limit = 8M"
start_privlinkd "$TOPO_DIR/d2" || { not_ok "privlinkd starts (connection share)"; exit 1; }
ip netns exec "$P-cons" python3 "$TC" hold 10.0.0.5 80 2100 60 >"$TOPO_DIR/hold-a" 2>&1 &
HOLD_A=$!
out=$(wait_line "$TOPO_DIR/hold-a")
check_eq "tenant A's idle connections stop at its share: 2048 of 2100 open, 52 refused" \
	"$(json "$out" '(r["ok"], r["refused"])')" "(2048, 52)"
check_eq "the status: A live 2048 of max 2048, 52 endpoint_connection_limit; appliance max 4096" \
	"$(st '(ep["a"]["live_connections"], ep["a"]["max_connections"],
	    ep["a"]["refused"]["endpoint_connection_limit"], s["connections"]["max"])')" \
	"(2048, 2048, 52, 4096)"
body=$(in_cons2 curl -sS --max-time 10 --local-port 41000 http://10.0.0.5:80/ 2>&1)
check_eq "tenant B connects and transfers while A holds its share" "$body" "10.0.0.7:41000"
check_eq "B refused nothing" "$(st 'sum(ep["b"]["refused"].values())')" 0
kill $HOLD_A 2>/dev/null; wait $HOLD_A 2>/dev/null
stop_privlinkd

# 3. The keys: A may hold 10 connections and open 5 a second; the
# service's idle_timeout is 2 s, and keepalives keep quiet connections.
drop "$TOPO_DIR/d3" "max_connections = 40" "idle_timeout = 2s" \
	"max_connections = 10"$'\n'"max_new_connections_per_s = 5"
start_privlinkd "$TOPO_DIR/d3" || { not_ok "privlinkd starts (max_connections, rate)"; exit 1; }
out=$(in_cons python3 "$TC" burst 10.0.0.5 80 30 0.7)
check "a burst of 30 SYNs from A: fewer than 30 answered" json_true "$out" 'r["ok"] < 30'
check "A's SYNs over its rate are dropped, not reset" json_true "$out" 'r["refused"] == 0 and r["timeout"] > 0'
check_eq "the status counts them for A as new_connection_rate, none for B" \
	"$(st '(ep["a"]["refused"]["new_connection_rate"] >= 20, ep["b"]["refused"]["new_connection_rate"],
	    ep["a"]["max_new_connections_per_s"], ep["b"]["max_new_connections_per_s"])')" \
	"(True, 0, 5, 0)"
body=$(in_cons2 curl -sS --max-time 10 --local-port 41001 http://10.0.0.5:80/ 2>&1)
check_eq "tenant B connects and transfers meanwhile" "$body" "10.0.0.7:41001"

ip netns exec "$P-cons2" python3 "$TC" hold 10.0.0.5 80 1 30 keepalive >"$TOPO_DIR/hold-b" 2>&1 &
HOLD_B=$!
ip netns exec "$P-cons" python3 "$TC" hold 10.0.0.5 80 10 30 keepalive >"$TOPO_DIR/hold-a" 2>&1 &
HOLD_A=$!
check_eq "A opens its 10 keepalive connections (SYNs over the rate are sent again)" \
	"$(json "$(wait_line "$TOPO_DIR/hold-a")" 'r["ok"]')" 10
check_eq "B holds one keepalive connection" "$(json "$(wait_line "$TOPO_DIR/hold-b")" 'r["ok"]')" 1
check_eq "the status: A at its max_connections 10, B's max the default half of 40" \
	"$(st '(ep["a"]["live_connections"], ep["a"]["max_connections"], ep["b"]["max_connections"])')" \
	"(10, 10, 20)"
# Past idle_timeout, only keepalives keep them.
sleep 3
check_eq "keepalives keep quiet connections past idle_timeout while there is room" \
	"$(st '(ep["a"]["live_connections"], ep["b"]["live_connections"], s["connections"]["events"]["idle_timeout"])')" \
	"(10, 1, 0)"
body=$(in_cons curl -sS --max-time 10 --local-port 41002 http://10.0.0.5:80/ 2>&1)
check_eq "at its max_connections, A's new connection is served" "$body" "10.0.0.7:41002"
check_eq "for it, one of A's own keepalive-only connections was reclaimed; B's stays" \
	"$(st '(ep["a"]["reclaimed_idle"], ep["b"]["reclaimed_idle"], ep["b"]["live_connections"],
	    ep["a"]["refused"]["endpoint_connection_limit"], s["connections"]["events"]["reclaimed_idle"])')" \
	"(1, 0, 1, 0, 1)"
check "privlinkd is still running" privlinkd_alive
kill $HOLD_A $HOLD_B 2>/dev/null; wait $HOLD_A $HOLD_B 2>/dev/null
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
