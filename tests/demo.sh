#!/bin/bash
# The main job (make run): the demo topology in network namespaces, privlinkd
# with the example drop, and one request from the consumer through the
# private endpoint to a real nginx that reports the PROXY v2 source.
set -u
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root for network namespaces: run 'sudo make run'" >&2
	exit 1
fi
. "$(dirname "$0")/lib/topo.sh"
PL_NS_PREFIX=${PL_NS_PREFIX:-pldemo}
P=$PL_NS_PREFIX
. "$ROOT/tests/lib/mgmt.sh"
. "$ROOT/tests/lib/demo_dns.sh"
trap 'rm -rf "/etc/netns/$P-cons"; topo_down' EXIT
say() { printf '\n== %s\n' "$*"; }

say "network namespaces: consumer $P-cons (client 10.0.0.7), appliance $P-appl, provider $P-prov (nginx 192.168.10.11:8443)"
topo_up on || exit 1
start_nginx || { echo "demo: nginx did not start" >&2; exit 1; }

DEMO=$TOPO_DIR/drop
mkdir -p "$DEMO"
cp "$ROOT"/config/examples/demo/*.ini "$DEMO/"
say "the example drop's names: a DNS responder on consumer0 ($DEMO_DNS) and the web service's name $DEMO_FQDN"
grep -hE '^\[|^dns|^fqdn' "$DEMO/10-nics.ini" "$DEMO/20-services.ini" | sed 's/^/   /'
say "the example drop plus a [management] section: the HTTPS API on $MGMT_ADDR (provider NIC), clients with certificates of a test CA"
mgmt_setup "$DEMO" || exit 1
demo_partner "$DEMO"
sed 's/^/   /' "$DEMO/50-management.ini"
say "and a Pending endpoint partner-pe (10.0.0.12) of the web service, to approve through the API"
sed 's/^/   /' "$DEMO/35-partner.ini"
say "checking the drop: privlinkd -t"
"$PRIVLINKD" -t -c "$DEMO" || exit 1

say "starting privlinkd in $P-appl on pe0 (consumer) and pv0 (provider); the kernel holds no IP there"
start_privlinkd "$DEMO" || exit 1
sed 's/^/   /' "$TOPO_DIR/privlinkd.log"

say "consumer: ping 10.0.0.5 (answered by privlinkd's own stack)"
in_cons ping -c 2 -W 2 10.0.0.5 | sed 's/^/   /'

say "consumer: curl http://10.0.0.5:443/ from source port 40123 (nginx answers with the PROXY v2 source it was told)"
body=$(in_cons curl -sS --max-time 10 --local-port 40123 http://10.0.0.5:443/)
echo "   $body"

say "nginx's access log: TCP peer (the NAT IP), its port, then the PROXY v2 source address and port"
for _ in $(seq 20); do [ -s "$NGINX_LOG" ] && break; sleep 0.1; done	# written after the reply
sed 's/^/   /' "$NGINX_LOG"

demo_dns_resolve

say "consumer: curl http://10.0.0.8:443/ (endpoint pending-pe is Pending: refused, nothing reaches a backend)"
in_cons curl -sS --max-time 5 http://10.0.0.8:443/ 2>&1 | sed 's/^/   /'

say "consumer: curl http://10.0.0.12:443/ (partner-pe is Pending: refused)"
in_cons curl -sS --max-time 5 http://10.0.0.12:443/ 2>&1 | sed 's/^/   /'

demo_approve || exit 1

say "stopping privlinkd (SIGTERM)"
stop_privlinkd
rc=$?
sed -n '/shutting down/,$p' "$TOPO_DIR/privlinkd.log" | sed 's/^/   /'

if [ "$body" = "10.0.0.7:40123" ] && [ "$named" = "10.0.0.7:40125" ] &&
    [ "$approved" = "10.0.0.7:40124" ] && [ $rc = 0 ]; then
	say "demo OK: the backend saw the consumer 10.0.0.7:40123 through the NAT IP 192.168.10.201, and 10.0.0.7:40125 by the name $DEMO_FQDN"
else
	say "demo FAILED: body '$body', by name '$named', after the approval '$approved', privlinkd exit status $rc"
	exit 1
fi
