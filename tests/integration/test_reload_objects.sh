#!/bin/bash
# Reloads that insert and remove endpoints, services and pools before the
# live ones in the drop (issue 16): every object after them moves to
# another place in the config, yet two paced 10 MB uploads through live
# endpoints (one to a service's own backend, one through a named pool)
# run across the reloads and arrive intact, and the live endpoints'
# counters continue by name.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2 drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
# The live objects come last in the drop.
cat >"$DROP/50-live.ini" <<'INI'
[pool live-pool]
backend = 192.168.10.11:9000
probe = tcp
probe_interval = 1s

[service live-pooled]
rule = 443 -> live-pool
nat_ip = 192.168.10.201
proxy_protocol = on

[endpoint live-pe]
nic = consumer0
ip = 10.0.0.20
service = live-pooled
link_id = 20

[approval live-pe]
state = Approved
INI
# churn NAME IP...: a service NAME with its own pool and one Approved
# endpoint per IP, written to stdout.
churn() {
	local name=$1 ip i=0; shift
	printf '[pool %s-pool]\nbackend = 192.168.10.11:9000\n\n' "$name"
	printf '[service %s]\nrule = 443 -> %s-pool\nnat_ip = 192.168.10.201\nproxy_protocol = on\n\n' \
		"$name" "$name"
	for ip in "$@"; do
		i=$((i + 1))
		printf '[endpoint %s-pe%d]\nnic = consumer0\nip = %s\nservice = %s\nlink_id = %d\n\n' \
			"$name" "$i" "$ip" "$name" "${ip##*.}"
		printf '[approval %s-pe%d]\nstate = Approved\n\n' "$name" "$i"
	done
}
# Before everything else: an early service, pool and endpoint.
churn early 10.0.0.30 >"$DROP/15-churn.ini"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
LOG=$TOPO_DIR/privlinkd.log
client() { in_cons python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }
# live_ok: the live endpoints still hold their one upload, accepted once,
# and the live pool's backend still counts it.
live_ok() {
	wait_status '(ep["raw-pe"]["live_connections"] == 1 and ep["raw-pe"]["accepted"] == 1 and
ep["live-pe"]["live_connections"] == 1 and ep["live-pe"]["accepted"] == 1 and
[b["live_connections"] for p in s["pools"] if p["name"] == "live-pool" for b in p["backends"]] == [1])'
}
# reload_to WHAT: applies the drop as it is now, a reload of its own.
reload_to() {
	local n
	n=$(applied)
	"$PRIVLINKD" -t -c "$DROP" >/dev/null 2>&1 ||
		not_ok "$1: the drop is valid" "$("$PRIVLINKD" -t -c "$DROP" 2>&1)"
	kill -HUP "$PRIVLINKD_PID"
	check "$1: applied" wait_applied "$n"
}

check "the early endpoint carries data" json_ok "$(client sink 10.0.0.30 443 100000 1)"
# Both uploads stop halfway until the gate file appears, after the reloads.
for t in "raw 10.0.0.6 2" "live 10.0.0.20 3"; do
	set -- $t
	PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 \
		"$ROOT/tests/lib/ppv2_client.py" slow "$2" 443 10000000 "$3" >"$TOPO_DIR/slow-$1.out" 2>&1 &
	eval "slow_$1=\$!"
done
check "two paced 10 MB uploads, through raw-pe and live-pe, are under way" live_ok

# 1: the early objects go, two new services with endpoints come before
# everything (positions of every live endpoint, service and pool shift).
{ churn aa 10.0.0.31 10.0.0.32; churn ab 10.0.0.33; } >"$DROP/15-churn.ini"
reload_to "insert two services and three endpoints, remove one of each before the live ones"
check "the log names the removed and the added endpoints" \
	sh -c "grep -q 'endpoint early-pe1: removed' '$LOG' && grep -q 'endpoint aa-pe2: added, Approved' '$LOG'"
check "an inserted endpoint carries data" json_ok "$(client sink 10.0.0.32 443 100000 4)"
check "the removed endpoint's address no longer answers" \
	sh -c "! ip netns exec '$P-cons' ping -c 1 -W 1 -q 10.0.0.30"
check "the live endpoints keep their uploads and counters" live_ok

# 2: a file sorting before the first one, and a removal in the middle.
churn zz 10.0.0.34 10.0.0.35 10.0.0.36 >"$DROP/05-churn.ini"
churn ab 10.0.0.33 >"$DROP/15-churn.ini"
reload_to "insert a service and three endpoints first, remove a service between"
check "the endpoint inserted first carries data" json_ok "$(client sink 10.0.0.36 443 100000 5)"
check "the endpoint kept between carries data" json_ok "$(client sink 10.0.0.33 443 100000 6)"
check "the live endpoints keep their uploads and counters" live_ok

# 3: every churn object goes; the demo's Pending and Rejected endpoints,
# before the live ones too, go as well.
rm -f "$DROP/05-churn.ini" "$DROP/15-churn.ini"
sed -i '/^\[endpoint pending-pe\]/,$d' "$DROP/30-endpoints.ini"
sed -i '/^\[approval rejected-pe\]/,$d' "$DROP/40-approvals.ini"
reload_to "remove everything before the live objects"
check "the live endpoints keep their uploads and counters" live_ok
check_eq "the status lists exactly the remaining endpoints" \
	"$(privlinkd_status | python3 -c 'import json,sys; print(sorted(e["name"] for e in json.load(sys.stdin)["endpoints"]))' 2>&1)" \
	"['live-pe', 'raw-pe', 'web-pe']"

check "the uploads were still running after the last reload" sh -c "kill -0 $slow_raw && kill -0 $slow_live"
touch "$TOPO_DIR/slow.gate"
wait $slow_raw
check "the upload through raw-pe arrived intact (sha256 of 10 MB)" json_ok "$(cat "$TOPO_DIR/slow-raw.out")"
wait $slow_live
check "the upload through live-pe and its pool arrived intact (sha256 of 10 MB)" \
	json_ok "$(cat "$TOPO_DIR/slow-live.out")"
# "SINK\n" and 10 MB, counted on the endpoint they crossed whatever its
# place in the config was.
check "each live endpoint counted its whole upload, once, by name" \
	wait_status 'all(ep[n]["bytes_from_consumer"] == 10000005 and ep[n]["accepted"] == 1 and
ep[n]["ended"]["closed"] == 1 and ep[n]["live_connections"] == 0 for n in ("raw-pe", "live-pe"))'

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
# Only the sanitized build (PRIVLINKD=build/privlinkd-san) writes reports.
check_no_sanitizer_report "$LOG"
tap_done
