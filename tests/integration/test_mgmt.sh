#!/bin/bash
# The management API over HTTPS with client certificates, served by
# privlinkd's own stack on the provider NIC: who may connect, reads,
# writes validated like file drops and applied while traffic flows,
# approvals, If-Match, batches, persistence in the drop directory.
# The management port takes hostile bytes: the sanitized build serves it.
. "$(dirname "$0")/../lib/prelude.sh" san mgmt.sh topo nginx ppv2 drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
mgmt_setup "$DROP" || { not_ok "test certificates"; exit 1; }
check "privlinkd -t takes the drop with [management]" "$PRIVLINKD" -t -c "$DROP"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }

# The generated identity: kept beside the drops, fingerprint logged.
fp=$(sed -n 's/.*server certificate SHA256:\([0-9A-F:]*\).*/\1/p' "$LOG" | head -1)
check "the generated key is kept, mode 0600" \
	sh -c "[ \"\$(stat -c %a '$DROP/.management-key.pem')\" = 600 ]"
real=$(openssl x509 -in "$DROP/.management-cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
check_eq "the log shows the SHA-256 fingerprint of the certificate served" "$fp" "$real"
served=$(in_prov sh -c "openssl s_client -connect $MGMT_ADDR:443 -cert '$MGMT_PKI/client.pem' \
	-key '$MGMT_PKI/client.key' </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256" \
	| sed 's/.*=//')
check_eq "the certificate served is the one kept" "$served" "$real"

# Who may connect.
out=$(mgmt_curl client /v1/status)
check_eq "an admin client reads the status" "$(mgmt_code "$out")" 200
check "the status is JSON listing the endpoints" \
	json_true "$(mgmt_body "$out")" '"pending-pe" in [e["name"] for e in r["endpoints"]]'
etag0=$(mgmt_curl client -D - /v1/status | sed -n 's/^ETag: *//Ip' | tr -d '\r')
check "the answer carries the drops' digest as its ETag" \
	sh -c "printf '%s' '$etag0' | grep -Eq '^\"[0-9a-f]{32}\"$'"
# Refused at the handshake: curl fails with a TLS error (35: handshake,
# 55/56: the alert or the close met while sending or receiving), no HTTP status at all.
refused_at_handshake() { case $1 in 35|55|56) [ "$(mgmt_code "$2")" = 000 ] ;; *) return 1 ;; esac; }
for who in none other-client expired; do
	out=$(mgmt_curl $who /v1/status 2>&1)
	rc=$?
	check "a client with ${who/none/no} certificate is refused at the handshake (curl exit $rc)" \
		refused_at_handshake $rc "$out"
done
out=$(mgmt_curl ro-client /v1/status)
check_eq "a read-only client reads the status" "$(mgmt_code "$out")" 200
out=$(mgmt_curl ro-client -X PUT --data-binary @"$DROP/40-approvals.ini" /v1/drops/40-approvals.ini)
check_eq "a read-only client may not write (403)" "$(mgmt_code "$out")" 403

# Requests past the bounds, from an authenticated client.
hdrs=()
for i in $(seq 40); do hdrs+=(-H "X-Filler-$i: x"); done
out=$(mgmt_curl client "${hdrs[@]}" /v1/status)
check_eq "a request with 40 header fields is refused (431)" "$(mgmt_code "$out")" 431
head -c 1200000 /dev/zero | tr '\0' 'a' >"$TOPO_DIR/big.ini"
out=$(mgmt_curl client -X PUT --data-binary @"$TOPO_DIR/big.ini" /v1/drops/70-big.ini)
check_eq "a body over 1 MiB + 64 KiB is refused (413)" "$(mgmt_code "$out")" 413
out=$(mgmt_curl client /v1/drops/../00-appliance.ini)
check "a path outside /v1/drops/NAME.ini reaches nothing" \
	sh -c "[ \"\$1\" = 400 ] || [ \"\$1\" = 404 ]" _ "$(mgmt_code "$out")"
out=$(mgmt_curl client /v1/drops/.management-key.pem)
check_eq "the kept key is not a drop file (404)" "$(mgmt_code "$out")" 404

# GET /v1/drops and one drop.
out=$(mgmt_curl client /v1/drops)
sha=$(sha256sum "$DROP/30-endpoints.ini" | cut -d' ' -f1)
check "GET /v1/drops lists each drop with its sha256" json_true "$(mgmt_body "$out")" \
	"{d['name']: d['sha256'] for d in r['drops']}['30-endpoints.ini'] == '$sha'"
mgmt_curl client -o "$TOPO_DIR/got.ini" /v1/drops/30-endpoints.ini >/dev/null
check "GET /v1/drops/NAME.ini returns the file" cmp "$TOPO_DIR/got.ini" "$DROP/30-endpoints.ini"

# A bad PUT while a 10 MB upload runs through raw-pe: 422 with the exact
# messages privlinkd -t gives for the same file, nothing changed.
PPV2_GATE=$TOPO_DIR/upload.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 10000000 7 >"$TOPO_DIR/upload.out" 2>&1 &
upload=$!
check "a paced 10 MB upload through raw-pe is under way" wait_status 'ep["raw-pe"]["live_connections"] == 1'
cat >"$TOPO_DIR/60-bad.ini" <<'INI'
[endpoint bad-pe]
nic = consumer0
ip = 10.0.1.5
service = nosuch
link_id = 77
INI
mkdir -p "$TOPO_DIR/check" && cp "$DROP"/*.ini "$DROP"/*.pem "$TOPO_DIR/check/"
cp "$TOPO_DIR/60-bad.ini" "$TOPO_DIR/check/"
expect=$("$PRIVLINKD" -t -c "$TOPO_DIR/check" 2>&1 | grep "^$TOPO_DIR/check/" | sed "s|^$TOPO_DIR/check/||")
out=$(mgmt_curl client -X PUT --data-binary @"$TOPO_DIR/60-bad.ini" /v1/drops/60-bad.ini)
check_eq "a bad drop is refused with 422" "$(mgmt_code "$out")" 422
got=$(mgmt_body "$out" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["errors"]))' \
	| sed "s|^$DROP/||")
check "the errors are privlinkd -t's file:line messages" sh -c "[ -n '$expect' ] && [ '$got' = '$expect' ]"
check "the bad drop was not written" test ! -e "$DROP/60-bad.ini"
etag=$(mgmt_curl client -D - /v1/status | sed -n 's/^ETag: *//Ip' | tr -d '\r')
check_eq "nothing changed (same ETag)" "$etag" "$etag0"

# A good PUT while the upload runs: a new Approved endpoint.
cat >"$TOPO_DIR/60-new.ini" <<'INI'
[endpoint new-pe]
nic = consumer0
ip = 10.0.0.10
service = raw
link_id = 10

[approval new-pe]
state = Approved
INI
out=$(mgmt_curl client -X PUT -H "If-Match: $etag0" --data-binary @"$TOPO_DIR/60-new.ini" /v1/drops/60-new.ini)
check_eq "a good PUT with the current If-Match applies" "$(mgmt_code "$out")" 200
check "it is in the drop directory" cmp "$TOPO_DIR/60-new.ini" "$DROP/60-new.ini"
out2=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.10 443 100000 2 2>&1)
check "the new endpoint carries data" json_ok "$out2"
out=$(mgmt_curl client -X DELETE -H "If-Match: $etag0" /v1/drops/60-new.ini)
check_eq "a write with a stale If-Match is refused (412)" "$(mgmt_code "$out")" 412
check "the upload was still running across both changes" kill -0 $upload
touch "$TOPO_DIR/upload.gate"
wait $upload
check "the 10 MB upload arrived intact" json_ok "$(cat "$TOPO_DIR/upload.out")"

# Approve and reject through the API.
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.8 443 1000 4 2>&1)
check "pending-pe refuses while Pending" test $? -ne 0
out=$(mgmt_curl client -X POST --data '{"state": "Approved", "message": "ticket 42"}' \
	/v1/endpoints/pending-pe/approval)
check_eq "POST approval Approved" "$(mgmt_code "$out")" 200
check "the approval is a drop file" grep -q '^state = Approved' "$DROP/approval-pending-pe.ini"
check "the status shows pending-pe Approved with its message" \
	wait_status 'ep["pending-pe"]["state"] == "Approved" and ep["pending-pe"]["message"] == "ticket 42"'
ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.8 443 100000000 5 \
	>"$TOPO_DIR/hold.out" 2>&1 &
hold=$!
check "a connection through the approved endpoint is under way" \
	wait_status 'ep["pending-pe"]["live_connections"] == 1'
out=$(mgmt_curl client -X POST --data '{"state": "Rejected"}' /v1/endpoints/pending-pe/approval)
check_eq "POST approval Rejected" "$(mgmt_code "$out")" 200
wait $hold
check "rejecting cut its live connection" json_ok "$(cat "$TOPO_DIR/hold.out")"
out=$(mgmt_curl client -X POST --data '{"state": "Sideways"}' /v1/endpoints/pending-pe/approval)
check_eq "an unknown state is a bad request" "$(mgmt_code "$out")" 400
out=$(mgmt_curl client -X POST --data '{"state": "Approved"}' /v1/endpoints/nosuch/approval)
check_eq "an unknown endpoint is 404" "$(mgmt_code "$out")" 404

# A batch is all or nothing.
before=$(mgmt_body "$(mgmt_curl client /v1/drops)")
out=$(mgmt_curl client -X POST --data "$(python3 -c 'import json,sys; print(json.dumps({"61-a.ini": "[endpoint a-pe]\nnic = consumer0\nip = 10.0.0.11\nservice = raw\nlink_id = 11\n", "62-b.ini": open(sys.argv[1]).read(), "60-new.ini": None}))' "$TOPO_DIR/60-bad.ini")" /v1/drops)
check_eq "a batch with one bad file is refused whole (422)" "$(mgmt_code "$out")" 422
check "nothing of it was written" sh -c "[ ! -e '$DROP/61-a.ini' ] && [ -e '$DROP/60-new.ini' ]"
check_eq "the drops are as before" "$(mgmt_body "$(mgmt_curl client /v1/drops)")" "$before"
out=$(mgmt_curl client -X POST --data '{"61-a.ini": "[endpoint a-pe]\nnic = consumer0\nip = 10.0.0.11\nservice = raw\nlink_id = 11\n\n[approval a-pe]\nstate = Approved\n", "60-new.ini": null}' /v1/drops)
check_eq "a good batch applies" "$(mgmt_code "$out")" 200
check "both of its changes were made" sh -c "[ -e '$DROP/61-a.ini' ] && [ ! -e '$DROP/60-new.ini' ]"
check "the status has a-pe and not new-pe" \
	wait_status '"a-pe" in ep and "new-pe" not in ep and ep["a-pe"]["state"] == "Approved"'
out=$(mgmt_curl client /v1/drops/60-new.ini)
check_eq "a deleted drop is gone (404)" "$(mgmt_code "$out")" 404

# Metrics: Prometheus' own parser and promtool, figures as in the status.
mgmt_curl client -o "$TOPO_DIR/metrics.txt" /metrics >/dev/null
mgmt_curl client -o "$TOPO_DIR/status.json" /v1/status >/dev/null
out=$(/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$TOPO_DIR/metrics.txt" \
	--status "$TOPO_DIR/status.json" --status-later \
	--expect 'privlink_endpoint_connections_accepted_total{endpoint="pending-pe"}=1' \
	--expect 'privlink_endpoint_state{endpoint="pending-pe",state="Rejected"}=1' \
	--expect 'privlink_endpoint_state{endpoint="a-pe",state="Approved"}=1' 2>&1)
check "GET /metrics parses (prometheus_client, promtool) and matches the status and the traffic" \
	test $? -eq 0
[ -n "$out" ] && echo "$out" | sed "s/^/#   /" | head -20
out=$(mgmt_curl ro-client /metrics)
check_eq "a read-only client reads the metrics" "$(mgmt_code "$out")" 200

# A real Prometheus scrapes it over mutual TLS with the read-only client.
PROM=$TOPO_DIR/prometheus
mkdir -p "$PROM/data"
cat >"$PROM/prometheus.yml" <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: privlink
    scheme: https
    tls_config: {ca_file: $MGMT_CACERT, cert_file: $MGMT_PKI/ro-client.pem, key_file: $MGMT_PKI/ro-client.key}
    static_configs: [{targets: ['$MGMT_ADDR:443']}]
YML
in_prov prometheus --config.file="$PROM/prometheus.yml" --storage.tsdb.path="$PROM/data" \
	--web.listen-address=127.0.0.1:9099 >"$PROM/log" 2>&1 &
prom=$!
query() { in_prov curl -s --max-time 2 "http://127.0.0.1:9099/api/v1/query?query=$1" 2>/dev/null; }
scraped=""
for _ in $(seq 60); do
	scraped=$(query 'privlink_config_generation' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ -n "$scraped" ] && break
	sleep 0.5
done
gen=$(json "$(cat "$TOPO_DIR/status.json")" 'r["generation"]')
check_eq "Prometheus scraped the appliance over mTLS (its generation)" "$scraped" "$gen"
kill $prom 2>/dev/null; wait $prom 2>/dev/null

# A slowloris on the management port: the data path and an authenticated
# client go on; every slow connection is cut.
in_prov python3 "$ROOT/tests/lib/slow_client.py" $MGMT_ADDR 443 20 0.5 30 >"$TOPO_DIR/slow.json" 2>&1 &
slow=$!
sleep 2
out=$(mgmt_curl client /v1/status)
check_eq "while 20 connections trickle a handshake, an admin client is served" "$(mgmt_code "$out")" 200
body=$(in_cons curl -sS --max-time 10 --local-port 40556 http://10.0.0.5:443/ 2>&1)
check_eq "and the data path serves" "$body" "10.0.0.7:40556"
wait $slow
check "every slow connection was cut by the appliance" \
	json_true "$(cat "$TOPO_DIR/slow.json")" 'r["closed_by_server"] == 20 and r["last_closed_after_s"] < 20'
check "the status counts the slow connections evicted and timed out" wait_status \
	's["management"]["evicted"] + s["management"]["timeouts"] >= 20'

# Audit.
subject=$(openssl x509 -in "$MGMT_PKI/client.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
check "each change is logged with the client's subject, file and sha256" \
	grep -q "management: audit: .*privlink test client.*: wrote 61-a.ini sha256 $(sha256sum "$DROP/61-a.ini" | cut -d' ' -f1)" "$LOG"

# What the API wrote is there after a restart, with the same identity.
mgmt_curl client -X POST --data '{"state": "Approved"}' /v1/endpoints/pending-pe/approval >/dev/null
stop_privlinkd
check_eq "privlinkd stops cleanly" "$?" 0
check_no_sanitizer_report "$LOG"
start_privlinkd "$DROP" || not_ok "privlinkd starts again"
check "after a restart, the approval made through the API holds" wait_status 'ep["pending-pe"]["state"] == "Approved"'
fp2=$(sed -n 's/.*server certificate SHA256:\([0-9A-F:]*\).*/\1/p' "$LOG" | head -1)
check_eq "and the server keeps its certificate" "$fp2" "$fp"
out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.8 443 100000 9 2>&1)
check "pending-pe, approved through the API, carries data" json_ok "$out"
stop_privlinkd
check_eq "privlinkd stops cleanly after the restart" "$?" 0
check_no_sanitizer_report "$LOG" "after the restart: "
tap_done
