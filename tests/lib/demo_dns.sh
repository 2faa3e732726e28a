# The demo's names (make run, make run-ns): the consumer resolves the web
# service's name from the appliance's DNS responder and curls it by name.
#
# The example drop (config/examples/demo) has the responder on consumer0
# (dns = $DEMO_DNS) and the web service's name (fqdn = $DEMO_FQDN); so has
# the VM's qemu/drops/10-nics.ini.
# demo_dns_resolve: dig and getent from the consumer namespace (its
#   resolv.conf names the responder while it runs), then curl by name from
#   source port 40125; sets named= to what the backend answered.
DEMO_DNS=10.0.0.53
DEMO_FQDN=web.contoso.example

demo_dns_resolve() {
	local rc=/etc/netns/$P-cons
	printf '\n== %s\n' "consumer: dig @$DEMO_DNS $DEMO_FQDN (the appliance's responder on consumer0 answers with the endpoint)"
	in_cons dig @"$DEMO_DNS" +time=3 +tries=2 +noall +comments +answer "$DEMO_FQDN" A 2>&1 |
		grep -E 'status|IN' | sed 's/^/   /'
	mkdir -p "$rc" && echo "nameserver $DEMO_DNS" >"$rc/resolv.conf"
	printf '\n== %s\n' "consumer: getent hosts $DEMO_FQDN (its resolv.conf says nameserver $DEMO_DNS)"
	in_cons getent hosts "$DEMO_FQDN" | sed 's/^/   /'
	printf '\n== %s\n' "consumer: curl http://$DEMO_FQDN:443/ from source port 40125 (by name)"
	named=$(in_cons curl -sS --max-time 20 --local-port 40125 "http://$DEMO_FQDN:443/" 2>&1)
	echo "   $named"
	rm -rf "$rc"
}
