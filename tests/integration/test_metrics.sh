#!/bin/bash
# The Prometheus metrics (FILE.prom beside the -s FILE status, written on
# SIGUSR1) after known traffic: five connections of known byte counts
# through an Approved endpoint with max_connections = 1 (one more refused
# while one is held open), one through the service's provider-side
# frontend, a connection to a Pending endpoint, one to an endpoint whose
# only backend is down, a reload that applies and one that is refused.
# The document must parse (prometheus_client, promtool), carry HELP and
# TYPE for every family, agree with the JSON status, and count exactly
# that traffic.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2 drop
PY=/usr/bin/python3	# Debian's python3-prometheus-client
CHECK=$ROOT/tests/lib/check_metrics.py

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-metrics.ini" <<'INI'
[service raw]
frontend_port = 443
backend = 192.168.10.11:9000
nat_ip = 192.168.10.201
proxy_protocol = on
frontend_ip = 192.168.10.50
frontend_proxy_protocol = on

; nothing listens on 9999: the probe takes the backend down
[pool dead]
backend = 192.168.10.11:9999
probe = tcp
probe_interval = 100ms
probe_timeout = 100ms
probe_fall = 1

[service dead]
rule = 443 -> dead
nat_ip = 192.168.10.201

[endpoint pe1]
nic = consumer0
ip = 10.0.0.5
service = raw
link_id = 1
max_connections = 1

[endpoint pe-pending]
nic = consumer0
ip = 10.0.0.8
service = raw
link_id = 8

[endpoint pe-dead]
nic = consumer0
ip = 10.0.0.6
service = dead
link_id = 6

[approval pe1]
state = Approved

[approval pe-dead]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
PROM=$STATUS_JSON.prom
client() { in_cons python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }
probe() { in_cons python3 "$ROOT/tests/lib/tcp_probe.py" "$@" 2>&1; }

# The bytes each side writes in ppv2_backend.py's modes (PROXY header
# aside: it is not payload).  sink N: "SINK\n" and N bytes; the reply
# "sha256 HEX N\n".  source N SEED: "SOURCE N SEED\n", later "thanks N\n";
# N bytes back.
from=0 to=0
sink_bytes() { from=$((from + 5 + $1)); to=$((to + 7 + 64 + 1 + ${#1} + 1)); }

for n in 1000 20000 300000; do
	out=$(client sink 10.0.0.5 443 $n $n)
	check "sink of $n bytes through pe1" json_ok "$out"
	sink_bytes $n
done
out=$(client source 10.0.0.5 443 50000 4)
check "source of 50000 bytes through pe1" json_ok "$out"
req="SOURCE 50000 4" thanks="thanks 50000"
from=$((from + ${#req} + 1 + ${#thanks} + 1))
to=$((to + 50000))

# The provider-side frontend, from inside the provider network.
out=$(in_prov python3 "$ROOT/tests/lib/ppv2_client.py" sink 192.168.10.50 443 7000 7 2>&1)
check "sink of 7000 bytes through the service's frontend" json_ok "$out"

# pe1 holds one connection (max_connections = 1): the next is refused.
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.5 443 100000 5 >"$TOPO_DIR/slow.out" 2>&1 &
slow=$!
check "a held upload through pe1 is under way" wait_status 'ep["pe1"]["live_connections"] == 1'
out=$(probe 10.0.0.5 443 3)
check "a second connection to pe1 is refused (its max_connections)" json_true "$out" 'r["result"] == "refused"'
touch "$TOPO_DIR/slow.gate"
wait $slow
check "the held upload then completes" json_ok "$(cat "$TOPO_DIR/slow.out")"
sink_bytes 100000

out=$(probe 10.0.0.8 443 3)
check "the Pending endpoint refuses" json_true "$out" 'r["result"] == "refused"'
check "the dead pool's backend is probed and down" wait_status \
	'[(b["state"], b["checks_failed"] > 0) for p in s["pools"] if p["name"] == "dead" for b in p["backends"]] == [("down", True)]'
out=$(probe 10.0.0.6 443 3)
check "the endpoint without a healthy backend refuses" json_true "$out" 'r["result"] == "refused"'

# A reload that applies (nothing changed) and one that is refused.
n=$(grep -c "reload: configuration applied" "$LOG")
kill -HUP "$PRIVLINKD_PID"
for i in $(seq 50); do [ "$(grep -c "reload: configuration applied" "$LOG")" -gt "$n" ] && break; sleep 0.1; done
# The directory is watched: the new file makes the reload (one).
n=$(grep -c "keeping the running configuration" "$LOG")
printf '[endpoint broken]\nnic = nowhere\n' >"$DROP/90-bad.ini"
for i in $(seq 50); do [ "$(grep -c "keeping the running configuration" "$LOG")" -gt "$n" ] && break; sleep 0.1; done

check "every connection has ended" wait_status 's["connections"]["live"] == 0'
rm -f "$STATUS_JSON" "$PROM"
kill -USR1 "$PRIVLINKD_PID"
for i in $(seq 50); do [ -s "$STATUS_JSON" ] && [ -s "$PROM" ] && break; sleep 0.1; done
check "SIGUSR1 writes FILE.prom beside the status" test -s "$PROM"
check "no FILE.prom.tmp is left behind" test ! -e "$PROM.tmp"
cp "$PROM" "$TOPO_DIR/metrics.prom"

E=(
	'privlink_endpoint_connections_accepted_total{endpoint="pe1"}=5'
	'privlink_endpoint_connections_ended_total{endpoint="pe1",reason="closed"}=5'
	'privlink_endpoint_connections_refused_total{endpoint="pe1",reason="endpoint_connection_limit"}=1'
	"privlink_endpoint_from_consumer_bytes_total{endpoint=\"pe1\",service=\"raw\"}=$from"
	"privlink_endpoint_to_consumer_bytes_total{endpoint=\"pe1\"}=$to"
	'privlink_endpoint_connections{endpoint="pe1"}=0'
	'privlink_endpoint_connections_max{endpoint="pe1"}=1'
	'privlink_endpoint_state{endpoint="pe1",state="Approved"}=1'
	'privlink_endpoint_state{endpoint="pe1",state="Pending"}=0'
	'privlink_endpoint_state{endpoint="pe-pending",state="Pending"}=1'
	'privlink_endpoint_state{endpoint="pe-pending",state="Approved"}=0'
	'privlink_endpoint_listening{endpoint="pe-pending"}=0'
	'privlink_endpoint_connections_accepted_total{endpoint="pe-pending"}=0'
	'privlink_endpoint_connections_accepted_total{endpoint="pe-dead"}=0'
	'privlink_endpoint_connections_refused_total{endpoint="pe-dead",reason="no_healthy_backend"}=1'
	'privlink_service_no_healthy_backend_total{service="dead"}=1'
	'privlink_frontend_connections_accepted_total{service="raw"}=1'
	"privlink_frontend_from_consumer_bytes_total{service=\"raw\"}=$((5 + 7000))"
	"privlink_frontend_to_consumer_bytes_total{service=\"raw\"}=$((7 + 64 + 1 + 4 + 1))"
	'privlink_frontend_connections_ended_total{service="raw",reason="closed"}=1'
	'privlink_connections_accepted_total=6'
	'privlink_connections_refused_total{reason="endpoint_connection_limit"}=1'
	'privlink_connections_refused_total{reason="no_healthy_backend"}=1'
	'privlink_connections_ended_total{reason="closed"}=6'
	'privlink_connections_ended_total{reason="reset_by_consumer"}=0'
	"privlink_from_consumer_bytes_total=$((from + 5 + 7000))"
	"privlink_to_consumer_bytes_total=$((to + 7 + 64 + 1 + 4 + 1))"
	'privlink_connections=0'
	'privlink_backend_up{pool="service:raw",backend="192.168.10.11:9000"}=1'
	'privlink_backend_up{pool="dead",backend="192.168.10.11:9999"}=0'
	'privlink_backend_went_down_total{pool="dead",backend="192.168.10.11:9999"}=0'
	'privlink_backend_connections_sent_total{pool="service:raw",backend="192.168.10.11:9000"}=6'
	'privlink_nat_ports_allocated_total{nat_ip="192.168.10.201"}=6'
	'privlink_nat_ports_in_use{nat_ip="192.168.10.201"}=0'
	'privlink_nat_ports_capacity{nat_ip="192.168.10.201"}=64512'
	'privlink_config_generation=2'
	'privlink_config_reloads_total{result="success"}=1'
	'privlink_config_reloads_total{result="failure"}=1'
	'privlink_config_last_reload_successful=0'
)
args=()
for e in "${E[@]}"; do args+=(--expect "$e"); done
check "the metrics parse, have HELP and TYPE, agree with the JSON status and count exactly the traffic sent (promtool too)" \
	$PY "$CHECK" "$PROM" --status "$STATUS_JSON" "${args[@]}"
check "the dead backend's probes never succeeded" \
	$PY "$CHECK" "$PROM" --expect 'privlink_backend_probe_successes_total{pool="dead"}=0'
check "promtool check metrics passes on its own" sh -c "/usr/bin/promtool check metrics <'$PROM'"
started=$(sed -n 's/^privlink_start_time_seconds //p' "$PROM")
check "privlink_start_time_seconds is this run's start (within a minute of now)" \
	test $(( $(date +%s) - started )) -ge 0 -a $(( $(date +%s) - started )) -lt 60

# The checker itself fails on what it must catch.
sed '/^# HELP privlink_connections_max /d' "$PROM" >"$TOPO_DIR/nohelp.prom"
check "check_metrics refuses a family without # HELP" sh -c "! $PY '$CHECK' '$TOPO_DIR/nohelp.prom'"
check "check_metrics refuses a wrong expected value" \
	sh -c "! $PY '$CHECK' '$PROM' --expect 'privlink_connections_accepted_total=7'"
sed 's/^privlink_connections 0$/privlink_connections{x=a} 0/' "$PROM" >"$TOPO_DIR/unquoted.prom"
check "check_metrics refuses a document the parser refuses" sh -c "! $PY '$CHECK' '$TOPO_DIR/unquoted.prom'"

check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"	# with PRIVLINKD=build/privlinkd-san
tap_done
