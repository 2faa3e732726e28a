#!/bin/bash
# The load-balancing frontend with three real nginx backends (b1 b2 b3 at
# 192.168.10.11-13): weights, source-IP affinity, HTTP and HTTPS probes
# (self-signed certificate), a backend taken out by a failing probe and by
# being stopped and brought back after rise, all backends down, idle
# timeout (reset and silent), reset on down, the provider-side frontend
# with and without PROXY v2, drain by reload, keepalive.
. "$(dirname "$0")/../lib/prelude.sh" topo drop

INTERVAL=1 FALL=2 RISE=2 TIMEOUT_MS=500
# A probe state change is due within fall (or rise) x interval after the
# change, plus one interval for the probe cycle under way, the timeout,
# and 0.5 s for probes' own durations.  It is measured with the status's
# last_change_unix_ms, not by polling.
BOUND=$(python3 -c "print($FALL * $INTERVAL + $INTERVAL + $TIMEOUT_MS / 1000 + 0.5)")


# start_backend N: nginx for bN on 192.168.10.1N: 8443 (PROXY v2, answers
# "bN <consumer>"), 8080 (plain, "bN plain <peer>") and 9443 (TLS), with
# /health answering 503 while the file "down" exists in its directory.
start_backend() {
	local n=$1 d=$TOPO_DIR/b$1 addr=192.168.10.1$1 i
	# The HTTPS probe meets TLS 1.2 on b1, TLS 1.3 on b2, either on b3.
	local tls=("" "TLSv1.2" "TLSv1.3" "TLSv1.2 TLSv1.3")
	mkdir -p "$d/logs"
	[ -f "$TOPO_DIR/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj /CN=backend -keyout "$TOPO_DIR/key.pem" -out "$TOPO_DIR/cert.pem" 2>/dev/null ||
		return 1
	{ nginx_head "$d"; cat <<-NGINX
	    log_format peers '\$remote_addr \$remote_port \$proxy_protocol_addr \$request_uri';
	    server {
	        listen $addr:8443 proxy_protocol;
	        access_log $d/logs/data.log peers;
	        location / { return 200 "b$n \$proxy_protocol_addr\n"; }
	    }
	    server {
	        listen $addr:8080;
	        listen $addr:9443 ssl;
	        ssl_certificate $TOPO_DIR/cert.pem;
	        ssl_certificate_key $TOPO_DIR/key.pem;
	        ssl_protocols ${tls[$n]};
	        access_log $d/logs/plain.log peers;
	        location = /health {
	            if (-f $d/down) { return 503 "down\n"; }
	            return 200 "ok\n";
	        }
	        location / { return 200 "b$n plain \$remote_addr\n"; }
	    }
	}
	NGINX
	} >"$d/nginx.conf"
	in_prov nginx -p "$d" -c "$d/nginx.conf" || return 1
	for i in $(seq 50); do
		in_prov bash -c "exec 3<>/dev/tcp/$addr/8443" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stop_backend() { kill -QUIT "$(cat "$TOPO_DIR/b$1/nginx.pid")"; }
data_lines() { wc -l <"$TOPO_DIR/b$1/logs/data.log"; }

# backend_state POOL ADDRESS: "up" or "down" from the status.
backend_state() {
	privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = {x["name"]: x for x in s["pools"]}[sys.argv[1]]
print({b["address"]: b["state"] for b in p["backends"]}[sys.argv[2]])' "$1" "$2"
}

# wait_backend POOL ADDRESS STATE: seconds from the call (or from the
# wall-clock time in SINCE, when set) to the backend's change to STATE, by
# the status's last_change_unix_ms; fails after 15 s.
wait_backend() {
	local start=${SINCE:-$(date +%s.%N)} i
	for i in $(seq 60); do
		privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = {x["name"]: x for x in s["pools"]}[sys.argv[1]]
b = {x["address"]: x for x in p["backends"]}[sys.argv[2]]
if b["state"] != sys.argv[3]:
    sys.exit(1)
print(round(max(0, b["last_change_unix_ms"] / 1000 - float(sys.argv[4])), 2))' "$1" "$2" "$3" "$start" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

for n in 2 3; do in_prov ip addr add 192.168.10.1$n/24 dev p0; done
for ip in 10.0.0.17 10.0.0.27 10.0.0.37; do in_cons ip addr add $ip/24 dev c0; done
for n in 1 2 3; do
	start_backend $n || { not_ok "nginx backend b$n starts"; exit 1; }
done
ok "three nginx backends run (PROXY v2 on 8443, plain 8080, TLS 9443)"

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-pools.ini" <<INI
[pool web]
backend = 192.168.10.11:8443 weight=1
backend = 192.168.10.12:8443 weight=2
backend = 192.168.10.13:8443 weight=3
probe = http
probe_port = 8080
probe_path = /health
probe_interval = ${INTERVAL}s
probe_timeout = ${TIMEOUT_MS}ms
probe_rise = $RISE
probe_fall = $FALL

[pool tls]
backend = 192.168.10.11:8443
backend = 192.168.10.12:8443
probe = https
probe_port = 9443
probe_path = /health
probe_host = backend
probe_interval = ${INTERVAL}s
probe_timeout = ${TIMEOUT_MS}ms
probe_rise = $RISE
probe_fall = $FALL
reset_on_down = on

[pool dead]
; nobody has this address: the TCP probe never succeeds
backend = 192.168.10.99:8443
probe = tcp
probe_interval = 1s
probe_timeout = 500ms
INI
cat >"$DROP/30-services.ini" <<'INI'
[service web]
rule = 443 -> web
nat_ip = 192.168.10.201
proxy_protocol = on
frontend_ip = 192.168.10.50
frontend_proxy_protocol = on

[service plain]
rule = 8001 -> web:8080
nat_ip = 192.168.10.202
frontend_ip = 192.168.10.51

[service sticky]
rule = 443 -> web
nat_ip = 192.168.10.201
proxy_protocol = on
distribution = source-ip

[service tlsweb]
rule = 443 -> tls
nat_ip = 192.168.10.201
proxy_protocol = on

[service idle]
rule = 443 -> web
nat_ip = 192.168.10.201
proxy_protocol = on
idle_timeout = 2s
idle_reset = on

[service idle-quiet]
rule = 443 -> web
nat_ip = 192.168.10.201
proxy_protocol = on
idle_timeout = 2s

[service dead]
rule = 443 -> dead
nat_ip = 192.168.10.201

[service keepalive]
rule = 443 -> web
nat_ip = 192.168.10.201
proxy_protocol = on
tcp_keepalive = 1s, 1s, 2
INI
i=0
for svc in web sticky tlsweb idle idle-quiet dead keepalive; do
	i=$((i + 1))
	printf '[endpoint %s-pe]\nnic = consumer0\nip = 10.0.0.%d\nservice = %s\nlink_id = %d\n\n[approval %s-pe]\nstate = Approved\n\n' \
		"$svc" $((100 + i)) "$svc" "$i" "$svc" >>"$DROP/40-endpoints.ini"
done
# web 10.0.0.101, sticky .102, tlsweb .103, idle .104, idle-quiet .105, dead .106, keepalive .107

start_privlinkd "$DROP" || { not_ok "privlinkd starts with pools"; exit 1; }
ok "privlinkd starts with pools, rules and probes"

for n in 1 2 3; do
	t=$(wait_backend web 192.168.10.1$n up) || t=never
	check "HTTP probe brings b$n of pool web up" test "$t" != never
done
tls_of=("" "TLS 1.2" "TLS 1.3")
for n in 1 2; do
	t=$(wait_backend tls 192.168.10.1$n up) || t=never
	check "HTTPS probe against nginx's self-signed certificate (${tls_of[$n]}) brings b$n of pool tls up" test "$t" != never
done
check_eq "the TCP probe of an address nobody has keeps pool dead down" \
	"$(backend_state dead 192.168.10.99)" down

# --- weights -------------------------------------------------------------
before=$(privlinkd_status)
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.101 443 300)
check "300 connections through the weighted pool all succeed" json_true "$out" 'r["failed"] == 0'
# Weights 1:2:3 of 300 are 50/100/150; each backend within 30 (10 % of
# all connections) of its share; the 5-tuple hash of random source ports
# puts it there with a probability above 99.9 %.
check "300 connections spread by weight 1:2:3 within +-30 ($(json "$out" 'r["backends"]'))" \
	json_true "$out" 'all(abs(r["backends"].get("b%d" % n, 0) - 50 * n) <= 30 for n in (1, 2, 3))'
after=$(privlinkd_status)
check "the status counts the same per-backend connections nginx answered" python3 -c '
import json, sys
b, a, r = (json.loads(x) for x in sys.argv[1:4])
def conns(s):
    return {x["address"]: x["connections"] for x in {p["name"]: p for p in s["pools"]}["web"]["backends"]}
cb, ca = conns(b), conns(a)
got = {"b%d" % n: ca["192.168.10.1%d" % n] - cb["192.168.10.1%d" % n] for n in (1, 2, 3)}
sys.exit(0 if got == {k: r["backends"].get(k, 0) for k in got} else 1)' "$before" "$after" "$out"

# --- one source port again and again ----------------------------------
# nginx answers HTTP/1.0 and closes first, so the appliance closes first
# toward the consumer and holds that 4-tuple in TIME_WAIT; a new SYN from
# the same port must open a new connection at once, as on Linux.
out=$(in_cons python3 "$ROOT/tests/lib/same_port_http.py" 10.0.0.7 41000 10.0.0.101 443 3)
for i in 1 2 3; do
	body=$(json "$out" "r['answers'][$((i - 1))]")
	case $body in
	b[123]" 10.0.0.7") ok "connection $i from 10.0.0.7:41000 is answered ($body)" ;;
	*) not_ok "connection $i from 10.0.0.7:41000 is answered" "$body" ;;
	esac
done

# --- source-IP affinity --------------------------------------------------
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.102 443 80 10.0.0.7 10.0.0.17 10.0.0.27 10.0.0.37)
check "source-ip: every client stays on one backend for all its 20 connections ($(json "$out" 'r["by_source"]'))" \
	json_true "$out" 'r["failed"] == 0 and len(r["by_source"]) == 4 and all(len(v) == 1 and sum(v.values()) == 20 for v in r["by_source"].values())'

# --- provider-side frontend ----------------------------------------------
body=$(in_prov curl -sS --max-time 5 --interface 192.168.10.11 http://192.168.10.50:443/ 2>&1)
case $body in
b[123]" 192.168.10.11") ok "provider-side frontend 192.168.10.50:443 reaches the pool with PROXY v2 ($body)" ;;
*) not_ok "provider-side frontend 192.168.10.50:443 reaches the pool with PROXY v2" "$body" ;;
esac
body=$(in_prov curl -sS --max-time 5 http://192.168.10.51:8001/ 2>&1)
case $body in
b[123]" plain 192.168.10.202") ok "provider-side frontend without PROXY v2: the backend sees the NAT IP ($body)" ;;
*) not_ok "provider-side frontend without PROXY v2: the backend sees the NAT IP" "$body" ;;
esac

# --- reset_on_down: the TLS pool resets connections of a backend gone down
in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.103 443 20 talk >"$TOPO_DIR/held.json" &
held=$!
wait_status 'sum(b["live_connections"] for b in {p["name"]: p for p in s["pools"]}["tls"]["backends"]) == 1' ||
	not_ok "a connection through pool tls is up"
x=$(privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
print([b["address"] for b in {p["name"]: p for p in s["pools"]}["tls"]["backends"] if b["live_connections"]][0][-1])')
touch "$TOPO_DIR/b$x/down"
t=$(wait_backend tls 192.168.10.1$x down) || t=never
check "the HTTPS probe marks b$x of pool tls down on the wrong status (${t} s)" test "$t" != never
check "the status gives the reason: HTTP 503, expected 200-399" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
b = {x["address"]: x for x in {p["name"]: p for p in s["pools"]}["tls"]["backends"]}[sys.argv[2]]
sys.exit(0 if b["last_probe"] == "HTTP 503, expected 200-399" else 1)' "$(privlinkd_status)" 192.168.10.1$x
wait $held
out=$(cat "$TOPO_DIR/held.json")
check "reset_on_down: its live connection was reset when b$x went down ($out)" \
	json_true "$out" 'r["result"] == "reset" and r["seconds"] < 15'
check "the status counts it as backend_down" python3 -c '
import json, sys
sys.exit(0 if json.loads(sys.argv[1])["connections"]["events"]["backend_down"] == 1 else 1)' "$(privlinkd_status)"
rm -f "$TOPO_DIR/b$x/down"
wait_backend tls 192.168.10.1$x up >/dev/null || not_ok "b$x of pool tls comes back"
wait_backend web 192.168.10.1$x up >/dev/null || not_ok "b$x of pool web comes back"

# --- a failing HTTP probe takes b2 out; no new connection reaches it ------
since=$(date +%s.%N)
touch "$TOPO_DIR/b2/down"
t=$(SINCE=$since wait_backend web 192.168.10.12 down) || t=never
check "a 503 from /health takes b2 of pool web down within fall x interval (+ one cycle): ${t} s <= $BOUND s" \
	python3 -c "import sys; sys.exit(0 if '$t' != 'never' and $t <= $BOUND else 1)"
n2=$(data_lines 2)
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.101 443 60)
check "with b2 down, 60 new connections all succeed on b1 and b3 ($(json "$out" 'r["backends"]'))" \
	json_true "$out" 'r["failed"] == 0 and "b2" not in r["backends"]'
check_eq "b2's nginx saw none of them" "$(data_lines 2)" "$n2"
since=$(date +%s.%N)
rm -f "$TOPO_DIR/b2/down"
t=$(SINCE=$since wait_backend web 192.168.10.12 up) || t=never
check "b2 comes back up after rise successes: ${t} s <= $BOUND s" \
	python3 -c "import sys; sys.exit(0 if '$t' != 'never' and $t <= $BOUND else 1)"
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.101 443 60)
check "with b2 up again, new connections reach it ($(json "$out" 'r["backends"]'))" \
	json_true "$out" 'r["failed"] == 0 and r["backends"].get("b2", 0) > 0'

# --- a stopped backend ---------------------------------------------------
since=$(date +%s.%N)
stop_backend 3
t=$(SINCE=$since wait_backend web 192.168.10.13 down) || t=never
check "stopping b3's nginx takes it down within fall x interval (+ one cycle): ${t} s <= $BOUND s" \
	python3 -c "import sys; sys.exit(0 if '$t' != 'never' and $t <= $BOUND else 1)"
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.101 443 60)
check "with b3 stopped, 60 new connections all succeed on b1 and b2 ($(json "$out" 'r["backends"]'))" \
	json_true "$out" 'r["failed"] == 0 and "b3" not in r["backends"]'
start_backend 3 || not_ok "b3 restarts"
t=$(wait_backend web 192.168.10.13 up) || t=never
check "b3 comes back after restart and rise successes (${t} s)" test "$t" != never

# --- every backend down --------------------------------------------------
out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.106 443 3 read)
check "every backend down: the SYN itself is refused with a reset ($out)" \
	json_true "$out" 'r["result"] == "refused" and r["seconds"] < 1'
check "the refusal is counted for the service and as no_healthy_backend" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
svc = {x["name"]: x for x in s["services"]}["dead"]
sys.exit(0 if svc["refused_no_healthy_backend"] == 1 and s["connections"]["events"]["no_healthy_backend"] == 1 else 1)' "$(privlinkd_status)"

# --- idle timeout --------------------------------------------------------
in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.104 443 4 talk >"$TOPO_DIR/talk.json" &
talk=$!
out=$(in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.104 443 6 quiet)
check "idle_timeout 2s with idle_reset: a quiet connection is reset ($out)" \
	json_true "$out" 'r["result"] == "reset" and 1.5 <= r["seconds"] <= 5'
wait $talk
out=$(cat "$TOPO_DIR/talk.json")
check "a connection that keeps sending is not idle ($out)" json_true "$out" 'r["result"] == "open"'
out=$(in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.104 443 6 keepalive)
check "a connection whose consumer sends TCP keepalives (every 1 s) is not idle ($out)" \
	json_true "$out" 'r["result"] == "open"'
out=$(in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.105 443 4 quiet-then-send)
check "idle_timeout without idle_reset: nothing is sent at expiry, the next segment gets a reset ($out)" \
	json_true "$out" 'r["result"] == "reset" and r["seconds"] >= 4'
check "the status counts both idle expiries" python3 -c '
import json, sys
sys.exit(0 if json.loads(sys.argv[1])["connections"]["events"]["idle_timeout"] == 2 else 1)' "$(privlinkd_status)"

# --- drain by reload -----------------------------------------------------
sed -i 's/^backend = 192.168.10.13:8443 weight=3$/backend = 192.168.10.13:8443 weight=3 drain/' "$DROP/20-pools.ini"
kill -HUP "$PRIVLINKD_PID"
wait_status '{b["address"]: b for b in {p["name"]: p for p in s["pools"]}["web"]["backends"]}["192.168.10.13"]["drain"]' ||
	not_ok "the reload with b3 drained is applied"
check_eq "b3 keeps its health across the reload" "$(backend_state web 192.168.10.13)" up
out=$(in_cons python3 "$ROOT/tests/lib/http_spread.py" 10.0.0.101 443 60)
check "b3 drained: 60 new connections go to b1 and b2 only ($(json "$out" 'r["backends"]'))" \
	json_true "$out" 'r["failed"] == 0 and "b3" not in r["backends"] and len(r["backends"]) == 2'

# --- keepalive: a consumer that vanishes is found out --------------------
in_cons python3 "$ROOT/tests/lib/idle_client.py" 10.0.0.107 443 30 quiet >/dev/null 2>&1 &
ka=$!
wait_status 'svc["keepalive"]["live_connections"] == 1' || not_ok "keepalive connection is up"
in_cons ip link set c0 down
check "tcp_keepalive 1s,1s,2: the connection of a consumer that stopped answering ends" \
	wait_status 'svc["keepalive"]["live_connections"] == 0'
kill $ka 2>/dev/null
in_cons ip link set c0 up

check "privlinkd is still running" privlinkd_alive
echo "# events: $(privlinkd_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"]["events"])')"
if stop_privlinkd; then
	ok "SIGTERM stops privlinkd with status 0"
else
	not_ok "SIGTERM stops privlinkd with status 0" "$(tail -n 5 "$TOPO_DIR/privlinkd.log")"
fi
