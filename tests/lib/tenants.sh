# Two tenants on one appliance, for test_tenants.sh and the tenants
# benchmark: tenant A (${P}-cons, NIC consumer0) attacks, tenant B
# (${P}-cons2, NIC consumer1, the same addresses) uses the same service.
#
#   A: a-pe 10.0.0.6 (service raw), a-stall-pe 10.0.0.12 (service stall,
#      whose backend never reads); B: b-pe 10.0.0.6 (service raw)
#   provider: ppv2_backend.py :9000 (raw), stall_backend.py :9100 (stall)
#
# Source after tap.sh and topo.sh.  tenants_up [memory_limit]; then
# tenants_round MODE SECONDS ARGS... per attack: it runs the attack in A's
# namespace and tenant_probe.py in B's at once, and appends one JSON line
# {"attack": ..., "probe": ...} to $TENANTS_RESULTS.  The provider network
# is captured from tenants_up on ($TENANTS_CAPTURE, tenants_capture_stop).

tenants_drop() {
	local d=$1 limit=$2
	mkdir -p "$d"
	cat >"$d/00-appliance.ini" <<-INI
	[appliance]
	secret = 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
	region = westeurope
	memory_limit = $limit
	INI
	cat >"$d/10-nics.ini" <<-'INI'
	[nic consumer0]
	interface = pe0
	address = 10.0.0.4/24
	role = consumer

	[nic consumer1]
	interface = pe1
	address = 10.0.0.4/24
	role = consumer

	[nic provider0]
	interface = pv0
	address = 192.168.10.201/24
	role = provider
	INI
	cat >"$d/20-services.ini" <<-'INI'
	[service raw]
	frontend_port = 443
	backend = 192.168.10.11:9000
	nat_ip = 192.168.10.201
	proxy_protocol = on

	[service stall]
	frontend_port = 443
	backend = 192.168.10.11:9100
	nat_ip = 192.168.10.201
	INI
	cat >"$d/30-endpoints.ini" <<-'INI'
	[endpoint a-pe]
	nic = consumer0
	ip = 10.0.0.6
	service = raw
	link_id = 1

	[endpoint a-stall-pe]
	nic = consumer0
	ip = 10.0.0.12
	service = stall
	link_id = 3

	[endpoint b-pe]
	nic = consumer1
	ip = 10.0.0.6
	service = raw
	link_id = 2

	[approval a-pe]
	state = Approved

	[approval a-stall-pe]
	state = Approved

	[approval b-pe]
	state = Approved
	INI
}

tenants_up() {
	local limit=${1:-64M} i
	topo_up on || return 1
	topo_add_consumer2 || return 1
	start_ppv2_backend || return 1
	in_prov python3 "$ROOT/tests/lib/stall_backend.py" 192.168.10.11 9100 \
		>"$TOPO_DIR/stall.out" 2>&1 &
	for i in $(seq 50); do grep -q listening "$TOPO_DIR/stall.out" && break; sleep 0.1; done
	TENANTS_DROP=$TOPO_DIR/tenants
	tenants_drop "$TENANTS_DROP" "$limit"
	TENANTS_RESULTS=$TOPO_DIR/tenants.jsonl
	: >"$TENANTS_RESULTS"
	TENANTS_CAPTURE=$TOPO_DIR/provider.jsonl
	local pv_mac
	pv_mac=$(in_appl cat /sys/class/net/pv0/address)
	in_prov python3 "$ROOT/tests/lib/sniff.py" p0 "$pv_mac" 3600 "$TENANTS_CAPTURE" \
		>"$TOPO_DIR/sniff.out" 2>&1 &
	TENANTS_SNIFFER=$!
	for i in $(seq 50); do grep -q listening "$TOPO_DIR/sniff.out" && break; sleep 0.1; done
	start_privlinkd "$TENANTS_DROP"
}

tenants_capture_stop() {
	kill "$TENANTS_SNIFFER" 2>/dev/null
	wait "$TENANTS_SNIFFER" 2>/dev/null
	return 0
}

# tenants_capture_foreign: prints every frame the appliance sent on the
# provider network that is neither ARP nor TCP between the NAT IP and a
# backend port of ours.
tenants_capture_foreign() {
	python3 - "$TENANTS_CAPTURE" <<-'PY'
	import json, sys
	for line in open(sys.argv[1]):
	    f = json.loads(line)
	    if f["kind"] == "arp":
	        continue
	    if (f["kind"] == "tcp" and f["src"] == "192.168.10.201" and f["dst"] == "192.168.10.11"
	            and f["dport"] in (9000, 9100)):
	        continue
	    print(line.strip())
	PY
}

# tenants_round MODE SECONDS: one attack by A with B's probe meanwhile.
tenants_round() {
	local mode=$1 secs=$2 big=${TENANTS_BIG:-10000000} args a p
	case $mode in
	synflood) args="${TENANTS_SYN_RATE:-3000} c0 10.0.0.6 443" ;;
	idle) args="${TENANTS_IDLE:-9000} 10.0.0.6 443" ;;
	tiny) args="10.0.0.12 443" ;;
	ooo) args="c0 10.0.0.50 10.0.0.12 443" ;;
	churn) args="10.0.0.6 443" ;;
	arpflood) args="${TENANTS_ARP_RATE:-2000} c0 10.0.0.6" ;;
	spoof) args="c0 10.0.0.6 192.168.10.11" ;;
	none) args="" ;;
	esac
	in_cons timeout $((secs + 60)) python3 "$ROOT/tests/lib/tenant_attacks.py" $mode "$secs" $args \
		>"$TOPO_DIR/attack.$mode" 2>&1 &
	a=$!
	sleep 1
	p=$(in_cons2 timeout $((secs + 120)) python3 "$ROOT/tests/lib/tenant_probe.py" \
		"$((secs - 1))" 10.0.0.6 443 "$big" 7 2>&1 | tail -1)
	wait $a
	sleep 1		# what the attack left behind settles before the next
	tenants_settle
	python3 - "$mode" "$(tail -1 "$TOPO_DIR/attack.$mode")" "$p" "$TENANTS_SETTLE_S" \
		>>"$TENANTS_RESULTS" <<-'PY'
	import json, sys
	def load(s):
	    try:
	        return json.loads(s)
	    except ValueError:
	        return {"unparsed": s[-300:]}
	print(json.dumps({"mode": sys.argv[1], "attack": load(sys.argv[2]), "probe": load(sys.argv[3]),
	                  "settle_s": float(sys.argv[4])}))
	PY
}

# tenants_settle: waits (at most 30 s) until both tenants' networks get an
# answer from the appliance again, so each round starts from an appliance
# that answers: the end of an attack (9,000 connections closing at once)
# keeps the loop busy for a while, which is not the next round's attack.
# TENANTS_SETTLE_S: how long it took (-1: not within 30 s).
tenants_settle() {
	local start=$SECONDS
	TENANTS_SETTLE_S=-1
	while [ $((SECONDS - start)) -lt 30 ]; do
		if in_cons ping -c 1 -W 1 -q 10.0.0.6 >/dev/null 2>&1 &&
		    in_cons2 ping -c 1 -W 1 -q 10.0.0.6 >/dev/null 2>&1; then
			TENANTS_SETTLE_S=$((SECONDS - start))
			return 0
		fi
	done
	return 1
}
