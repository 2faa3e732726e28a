# The management API from the provider namespace: curl with client
# certificates of tests/lib/mgmt_certs.sh.  Source after topo.sh; call
# mgmt_setup DROPDIR first (certificates, the [management] drop).
#
#   mgmt_curl WHO [curl args] PATH   WHO: client, ro-client, other-client,
#                                    expired or none; prints the body,
#                                    then a last line "HTTP NNN"
MGMT_ADDR=192.168.10.100

# mgmt_setup DROP: the test PKI in $TOPO_DIR/pki, its CAs into DROP, and
# DROP/50-management.ini.
mgmt_setup() {
	local drop=$1
	MGMT_PKI=$TOPO_DIR/pki
	"$ROOT/tests/lib/mgmt_certs.sh" "$MGMT_PKI" || return 1
	cp "$MGMT_PKI/ca.pem" "$drop/clients.pem"
	cp "$MGMT_PKI/ro-ca.pem" "$drop/readers.pem"
	cat >"$drop/50-management.ini" <<-INI
	[management]
	nic = provider0
	address = $MGMT_ADDR
	client_ca = clients.pem
	read_only_ca = readers.pem
	INI
	MGMT_DROP=$drop
	MGMT_CACERT=$drop/.management-cert.pem
}

# mgmt_trust FINGERPRINT: fetches the certificate the API serves and, when
# its SHA-256 fingerprint is the one the appliance printed (as one checks
# an SSH host key), trusts it from then on (MGMT_CACERT).  1 if not.
mgmt_trust() {
	local fp=$1 cert=$TOPO_DIR/management-server.pem
	in_prov sh -c "timeout 20 openssl s_client -connect $MGMT_ADDR:443 -cert '$MGMT_PKI/client.pem' \
		-key '$MGMT_PKI/client.key' </dev/null 2>/dev/null | openssl x509" >"$cert" || return 1
	[ "$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | sed 's/.*=//')" = "$fp" ] || return 1
	MGMT_CACERT=$cert
}

mgmt_curl() {
	local who=$1 cert=()
	shift
	case $who in
	none) ;;
	*) cert=(--cert "$MGMT_PKI/$who.pem" --key "$MGMT_PKI/$who.key") ;;
	esac
	in_prov curl -sS --max-time 20 --cacert "$MGMT_CACERT" \
		"${cert[@]}" -w '\nHTTP %{http_code}\n' "${@:1:$#-1}" "https://$MGMT_ADDR${@: -1}"
}

# mgmt_code OUTPUT: the status code of mgmt_curl's output.
mgmt_code() { printf '%s\n' "$1" | sed -n 's/^HTTP //p' | tail -1; }
# mgmt_body OUTPUT: the body without the status line.
mgmt_body() { printf '%s\n' "$1" | sed '$d'; }

# demo_partner DROP: the demo's Pending endpoint of the web service,
# partner-pe on 10.0.0.12, for demo_approve to approve.
demo_partner() {
	cat >"$1/35-partner.ini" <<-INI
	; A consumer asked for the web service; nobody has approved it yet.
	[endpoint partner-pe]
	nic = consumer0
	ip = 10.0.0.12
	service = web
	link_id = 12
	INI
}

# demo_approve [LOGFILE]: the demo's approval through the API (make run and
# make run-ns): trust the server by the fingerprint it printed in LOGFILE,
# approve partner-pe with an admin certificate, send a request through it,
# show its state.  Sets approved= to what the backend answered.
demo_approve() {
	local log=${1:-$TOPO_DIR/privlinkd.log} fp out
	fp=$(sed -n 's/.*server certificate SHA256:\([0-9A-F:]*\).*/\1/p' "$log" | tr -d '\r' | head -1)
	printf '\n== %s\n' "management: the appliance printed its certificate's fingerprint; the one served on https://$MGMT_ADDR/ must match"
	echo "   SHA256:$fp"
	mgmt_trust "$fp" || { echo "   the served certificate does not match" >&2; return 1; }
	echo "   it matches: trusted"
	printf '\n== %s\n' "management: curl --cert client.pem -X POST https://$MGMT_ADDR/v1/endpoints/partner-pe/approval -d '{\"state\": \"Approved\"}'"
	out=$(mgmt_curl client -X POST --data '{"state": "Approved", "message": "approved through the API"}' \
		/v1/endpoints/partner-pe/approval)
	printf '%s\n' "$out" | sed 's/^/   /'
	[ "$(mgmt_code "$out")" = 200 ] || return 1
	printf '\n== %s\n' "consumer: curl http://10.0.0.12:443/ from source port 40124 (partner-pe is Approved now)"
	approved=$(in_cons curl -sS --max-time 20 --local-port 40124 http://10.0.0.12:443/ 2>&1)
	echo "   $approved"
	printf '\n== %s\n' "management: GET /v1/status: the endpoints' states"
	mgmt_body "$(mgmt_curl client /v1/status)" | python3 -c 'import json, sys
for e in json.load(sys.stdin)["endpoints"]:
    print("   endpoint %-12s %-9s %s" % (e["name"], e["state"], e["message"]))'
}
