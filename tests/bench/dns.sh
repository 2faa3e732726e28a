# The DNS rows of `make bench` (bench.sh sources this after topo.sh and
# modes.sh): queries a second answered, measured by dnsperf from the
# consumer namespace, against
#   privlinkd  its responder on consumer0 (dns = 10.0.0.53, dns_rate = off:
#              dnsperf is one source, which the per-source limit would cut
#              to 100 a second), the name of a service with one Approved
#              endpoint;
#   nsd        Debian's NSD (server-count 1, rrl-ratelimit 0) on a kernel address 10.0.0.53
#              of pe0 in the appliance namespace, the same place, serving
#              the same answers from a zone file written here.
# Both run on PROXY_CPU, dnsperf on LOAD_CPU.  The queries: the name's A
# record (NOERROR, one answer).
# dns_rows: one record per run into RESULTS ({"mode", "metric": "dns_qps",
# "value", "lost", "cpu_pct": the server's CPU time over the run, percent of
# one CPU: near 100 the server is the limit, below it dnsperf is}).  Knobs: BENCH_DNS_SECONDS (10), BENCH_DNS_CLIENTS
# (dnsperf -c, 4), BENCH_DNS_OUTSTANDING (dnsperf -q, 200).
BENCH_DNS_SECONDS=${BENCH_DNS_SECONDS:-10}
BENCH_DNS_CLIENTS=${BENCH_DNS_CLIENTS:-4}
BENCH_DNS_OUTSTANDING=${BENCH_DNS_OUTSTANDING:-200}
DNS_BENCH_ADDR=10.0.0.53
DNS_BENCH_NAME=web.contoso.example

dns_bench_privlinkd_drop() {
	local d=$TOPO_DIR/dns-drop
	mkdir -p "$d"
	cp config/examples/demo/00-appliance.ini "$d/"
	cat >"$d/10-nics.ini" <<-INI
	[nic consumer0]
	interface = pe0
	address = 10.0.0.5/24
	role = consumer
	dns = $DNS_BENCH_ADDR
	dns_rate = off

	[nic provider0]
	interface = pv0
	address = 192.168.10.201/24
	role = provider
	INI
	cat >"$d/20-objects.ini" <<-INI
	[service web]
	frontend_port = 443
	backend = 192.168.10.11:8443
	nat_ip = 192.168.10.201
	fqdn = $DNS_BENCH_NAME

	[endpoint web-pe]
	nic = consumer0
	ip = 10.0.0.5
	service = web
	link_id = 1

	[approval web-pe]
	state = Approved
	INI
	echo "$d"
}

# NSD on pe0's kernel address, the zone by hand: the SOA and NS privlinkd
# gives, the one A record.
dns_bench_nsd_up() {
	local d=$TOPO_DIR/nsd i
	mkdir -p "$d"
	cat >"$d/contoso.example.zone" <<-ZONE
	\$ORIGIN contoso.example.
	\$TTL 10
	@	IN SOA ns.contoso.example. hostmaster.contoso.example. 1 3600 600 86400 10
	@	IN NS ns
	ns	IN A $DNS_BENCH_ADDR
	web	IN A 10.0.0.5
	ZONE
	cat >"$d/nsd.conf" <<-CONF
	server:
	    ip-address: $DNS_BENCH_ADDR
	    port: 53
	    server-count: 1
	    username: ""
	    chroot: ""
	    zonesdir: "$d"
	    pidfile: "$d/nsd.pid"
	    database: ""
	    zonelistfile: "$d/zone.list"
	    xfrdfile: "$d/xfrd.state"
	    xfrdir: "$d"
	    logfile: "$d/nsd.log"
	    hide-version: yes
	    # NSD limits each source /24 to 200 a second by default (RRL): off,
	    # as dns_rate is for privlinkd.
	    rrl-ratelimit: 0
	    verbosity: 0
	remote-control:
	    control-enable: no
	zone:
	    name: contoso.example
	    zonefile: contoso.example.zone
	CONF
	in_appl ip addr add "$DNS_BENCH_ADDR/24" dev pe0 || return 1
	in_appl ip link set lo up
	in_appl taskset -c $PROXY_CPU nsd -c "$d/nsd.conf" || return 1
	for i in $(seq 50); do
		in_cons dig @"$DNS_BENCH_ADDR" +time=1 +tries=1 +short "$DNS_BENCH_NAME" A 2>/dev/null |
			grep -q 10.0.0.5 && return 0
		sleep 0.2
	done
	cat "$d/nsd.log" >&2
	return 1
}

# The CPU ticks (utime + stime) of every process of the appliance
# namespace: the server alone (NSD's work is in its child).  The fields
# are counted after the command name, which may hold spaces ("nsd: server 1").
dns_cpu_ticks() {
	local pid t=0 n
	for pid in $(ip netns pids "$P-appl"); do
		n=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${n:-0}))
	done
	echo "$t"
}

# dns_measure MODE: one dnsperf run; its record.
dns_measure() {
	local q=$TOPO_DIR/dns-queries out t0 t1
	printf '%s A\n' "$DNS_BENCH_NAME" >"$q"
	t0=$(dns_cpu_ticks)
	out=$(in_cons taskset -c $LOAD_CPU dnsperf -s "$DNS_BENCH_ADDR" -d "$q" -l "$BENCH_DNS_SECONDS" \
		-c "$BENCH_DNS_CLIENTS" -q "$BENCH_DNS_OUTSTANDING" 2>&1) || { echo "$out" >&2; return 1; }
	t1=$(dns_cpu_ticks)
	printf '%s\n' "$out" | python3 -c '
import json, re, sys
t = sys.stdin.read()
qps = float(re.search(r"Queries per second:\s+([0-9.]+)", t).group(1))
lost = int(re.search(r"Queries lost:\s+([0-9]+)", t).group(1))
noerr = re.search(r"NOERROR\s+([0-9]+)", t)
cpu = 100.0 * (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4]) / float(sys.argv[5])
print(json.dumps({"mode": sys.argv[1], "metric": "dns_qps", "value": round(qps, 1), "lost": lost,
                  "noerror": int(noerr.group(1)) if noerr else 0, "cpu_pct": round(cpu, 1)}))' \
		"$1" "$t0" "$t1" "$(getconf CLK_TCK)" "$BENCH_DNS_SECONDS"
}

dns_rows() {
	local mode r
	for mode in privlinkd nsd; do
		bench_down
		topo_up on || return 1
		case $mode in
		privlinkd)
			start_privlinkd "$(dns_bench_privlinkd_drop)" || return 1
			disown "$PRIVLINKD_PID"
			taskset -pc $PROXY_CPU "$PRIVLINKD_PID" >/dev/null || return 1
			;;
		nsd)
			dns_bench_nsd_up || return 1
			;;
		esac
		for r in $(seq "$BENCH_RUNS"); do
			dns_measure "$mode" >>"$RESULTS" || return 1
		done
		bench_down
	done
}
