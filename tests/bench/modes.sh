# The set-ups `make bench` compares, on the namespaces of
# tests/lib/topo.sh (source that first):
#
#   ${P}-cons c0 10.0.0.7/24 ── pe0 [${P}-appl] pv0 ── p0 192.168.10.11/24 ${P}-prov
#
#   privlinkd  privlinkd on the raw frames of pe0 and pv0 (no kernel IP);
#              endpoints 10.0.0.5:443 (web, PROXY v2), 10.0.0.6:5201 (bulk),
#              10.0.0.8:9000 (idle); NAT IPs 192.168.10.201-208 (web),
#              .201 (bulk), .211-214 (idle: 4 x 64,512 ports);
#              max_connections 250000, memory_limit 1G.
#   haproxy    Debian's HAProxy, mode tcp, nbthread 1, on kernel IPs
#              pe0 10.0.0.5/24 and pv0 192.168.10.201/24, same ports;
#              `send-proxy-v2 source 192.168.10.201` for web.
#   haproxy-splice  the same with `option splice-auto` and `maxpipes
#              HAPROXY_MAXPIPES` (each pipe is 2 descriptors): HAProxy as
#              an operator tunes it for bulk.
#   kernel     the limit: the appliance namespace only forwards
#              (ip_forward=1, same kernel IPs as haproxy); clients connect
#              straight to the backends.
#
# Backends (in ${P}-prov, on CPU 0): nginx `return 200` on :8443 with
# proxy_protocol and on :8080 without, iperf3 on :5201, IDLE_SINKS
# idle_sink.py processes sharing :9001 (SO_REUSEPORT; each echoes a byte).
# The proxy runs on CPU 1 (taskset).  The consumer has the client
# addresses 10.0.0.101-(100+IDLE_SINKS) besides 10.0.0.7: one idle client
# process each, so every 4-tuple is distinct with ports to spare.
#
# mode_up MODE [loss] sets WEB (host:port of the conn/s test), BULK_HOST,
# BULK_PORT, IDLE_HOST, IDLE_PORT and PROXY_PID (empty for kernel).  With
# "loss" the consumer link runs through a bridge in ${P}-br, where
# iptables drops frames at random (loss_set); bench_down removes
# every namespace.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BENCH_DIR/../lib/loss_link.sh"
PROXY_CPU=1
LOAD_CPU=0
NAT_IPS="192.168.10.201 192.168.10.202 192.168.10.203 192.168.10.204 192.168.10.205 192.168.10.206 192.168.10.207 192.168.10.208"
IDLE_NAT_IPS="192.168.10.211 192.168.10.212 192.168.10.213 192.168.10.214"
# Processes that hold idle connections, each at most IDLE_PER_PROC of them
# (the hard open files limit, 20,000 here, is per process).
IDLE_PER_PROC=${BENCH_IDLE_PER_PROC:-12500}
IDLE_SINKS=${IDLE_SINKS:-1}
HAPROXY_MAXPIPES=${BENCH_HAPROXY_MAXPIPES:-64}

# Many short connections in a few seconds: every namespace gets the whole
# port range, and sockets for 10,000 idle connections.
bench_sysctls() {
	local ns
	for ns in cons appl prov; do
		ip netns exec "$P-$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
			net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=8192 \
			net.ipv4.tcp_max_syn_backlog=8192 || return 1
	done
}

bench_backends() {
	local d=$TOPO_DIR/nginx i
	mkdir -p "$d/logs"
	cat >"$d/nginx.conf" <<-NGINX
	user root;
	worker_processes 1;
	worker_rlimit_nofile 65536;
	pid $d/nginx.pid;
	error_log $d/logs/error.log;
	events { worker_connections 20000; }
	http {
	    client_body_temp_path $d/body;
	    proxy_temp_path $d/proxy;
	    fastcgi_temp_path $d/fastcgi;
	    uwsgi_temp_path $d/uwsgi;
	    scgi_temp_path $d/scgi;
	    access_log off;
	    server {
	        listen 192.168.10.11:8443 proxy_protocol backlog=8192;
	        location / { return 200 "ok\n"; }
	    }
	    server {
	        listen 192.168.10.11:8080 backlog=8192;
	        location / { return 200 "ok\n"; }
	    }
	}
	NGINX
	in_prov taskset -c $LOAD_CPU nginx -p "$d" -c "$d/nginx.conf" || return 1
	in_prov taskset -c $LOAD_CPU iperf3 -s -B 192.168.10.11 -p 5201 \
		>"$TOPO_DIR/iperf3.log" 2>&1 &
	IDLE_COUNT=$TOPO_DIR/idle.count
	for i in $(seq "$IDLE_SINKS"); do
		in_prov taskset -c $LOAD_CPU python3 "$BENCH_DIR/idle_sink.py" 192.168.10.11 9001 \
			"$IDLE_COUNT.$i" echo >"$TOPO_DIR/idle_sink.$i.log" 2>&1 &
	done
	for i in $(seq 50); do
		in_prov bash -c 'exec 3<>/dev/tcp/192.168.10.11/8080 && exec 4<>/dev/tcp/192.168.10.11/5201' \
			2>/dev/null && [ "$(cat "$TOPO_DIR"/idle_sink.*.log | grep -c listening)" -ge "$IDLE_SINKS" ] &&
			return 0
		sleep 0.1
	done
	echo "bench: backends did not come up" >&2
	return 1
}

# Kernel addresses on the appliance's veths (haproxy and kernel modes).
bench_kernel_ips() {
	in_appl ip addr add 10.0.0.5/24 dev pe0 || return 1
	in_appl ip addr add 192.168.10.201/24 dev pv0 || return 1
}

bench_privlinkd_drop() {
	local drop=$TOPO_DIR/drop
	mkdir -p "$drop"
	# Room for the scale curve's 100,000 idle connections and the web
	# load beside them (auto would give at most 16,384).
	cat >"$drop/00-appliance.ini" <<-EOF
	[appliance]
	secret = 5b2f8d0c6a1e4f3b9c7d2e8a0f6b4c1d3e5a7b9c0d2f4e6a8b0c1d3e5f7a9b2c
	memory_limit = 1G
	max_connections = 250000
	EOF
	cat >"$drop/10-nics.ini" <<-EOF
	[nic consumer0]
	interface = pe0
	address = 10.0.0.5/24
	role = consumer

	[nic provider0]
	interface = pv0
	address = 192.168.10.201/24
	role = provider
	EOF
	# Eight NAT IPs for the conn/s test: each closed connection holds its
	# NAT port for TIME_WAIT (60 s); one IP's 64,512 ports would run out
	# across several runs at thousands of connections a second.
	cat >"$drop/20-services.ini" <<-EOF
	[service web]
	frontend_port = 443
	backend = 192.168.10.11:8443
	nat_ip = $(echo $NAT_IPS | sed 's/ /, /g')
	proxy_protocol = on

	[service bulk]
	frontend_port = 5201
	backend = 192.168.10.11:5201
	nat_ip = 192.168.10.201
	proxy_protocol = off

	# Idle: NAT IPs of its own (64,512 ports each), so the held connections
	# leave web's ports alone; idle for the whole run is not idle too long.
	[service idle]
	frontend_port = 9000
	backend = 192.168.10.11:9001
	nat_ip = $(echo $IDLE_NAT_IPS | sed 's/ /, /g')
	proxy_protocol = off
	idle_timeout = 1h
	EOF
	local ep
	for ep in "web 10.0.0.5 1" "bulk 10.0.0.6 2" "idle 10.0.0.8 3"; do
		set -- $ep
		printf '[endpoint %s-pe]\nnic = consumer0\nip = %s\nservice = %s\nlink_id = %s\n' \
			"$1" "$2" "$1" "$3"
		[ "$1" = idle ] && printf 'max_connections = 250000\n'
		printf '\n[approval %s-pe]\nstate = Approved\n\n' "$1"
	done >"$drop/30-endpoints.ini"
	echo "$drop"
}

# bench_haproxy_cfg MAXCONN [splice]: HAProxy takes 2 descriptors a
# connection, and with splice 2 a pipe, all within the open files limit.
bench_haproxy_cfg() {
	local cfg=$TOPO_DIR/haproxy.cfg maxconn=$1 splice=${2:-}
	cat >"$cfg" <<-EOF
	global
	    nbthread 1
	    maxconn $maxconn
	    $([ -n "$splice" ] && echo "maxpipes $HAPROXY_MAXPIPES")
	defaults
	    mode tcp
	    $([ -n "$splice" ] && echo "option splice-auto")
	    timeout connect 5s
	    timeout client 1h
	    timeout server 1h
	frontend web
	    bind 10.0.0.5:443
	    default_backend web
	backend web
	    server s1 192.168.10.11:8443 send-proxy-v2 source 192.168.10.201
	frontend bulk
	    bind 10.0.0.5:5201
	    default_backend bulk
	backend bulk
	    server s1 192.168.10.11:5201 source 192.168.10.201
	frontend idle
	    bind 10.0.0.5:9000
	    default_backend idle
	backend idle
	    server s1 192.168.10.11:9001 source 192.168.10.201
	EOF
	echo "$cfg"
}

# The largest count of idle connections HAProxy can hold: 2 descriptors
# each, within the open files limit, less room for the listeners, the
# conn/s load and the pipes.
haproxy_idle_max() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=1048576
	echo $(( (hard - 300 - 2 * HAPROXY_MAXPIPES) / 2 ))
}

# Consumer addresses for the idle clients, one per process.
bench_client_ips() {
	local i
	for i in $(seq "$IDLE_SINKS"); do
		in_cons ip addr add "10.0.0.$((100 + i))/24" dev c0 || return 1
	done
}

bench_down() {
	# vlans.sh's VLAN namespaces and switch first, as vlan_topo.sh asks.
	if declare -F vlan_topo_down >/dev/null; then vlan_topo_down; fi
	topo_down
	loss_link_down
	return 0
}

mode_up() {
	local mode=$1 loss=${2:-} i
	bench_down
	topo_up on || return 1
	if [ -n "$loss" ]; then loss_link_up || return 1; fi
	bench_sysctls || return 1
	bench_client_ips || return 1
	bench_backends || return 1
	PROXY_PID=""
	case $mode in
	privlinkd)
		start_privlinkd "$(bench_privlinkd_drop)" || return 1
		PROXY_PID=$PRIVLINKD_PID
		disown "$PROXY_PID"	# topo_down kills it: no job notice
		taskset -pc $PROXY_CPU "$PROXY_PID" >/dev/null || return 1
		WEB=10.0.0.5:443 BULK_HOST=10.0.0.6 BULK_PORT=5201 IDLE_HOST=10.0.0.8 IDLE_PORT=9000
		;;
	haproxy | haproxy-splice)
		bench_kernel_ips || return 1
		# ip netns exec and taskset exec in place: $! is haproxy itself.
		ip netns exec "$P-appl" taskset -c $PROXY_CPU haproxy -db \
			-f "$(bench_haproxy_cfg "$(( $(haproxy_idle_max) + WRK_CONNS + 20 ))" \
				"$([ "$mode" = haproxy-splice ] && echo splice)")" \
			>"$TOPO_DIR/haproxy.log" 2>&1 &
		PROXY_PID=$!
		disown "$PROXY_PID"
		for i in $(seq 50); do
			in_cons bash -c 'exec 3<>/dev/tcp/10.0.0.5/9000' 2>/dev/null && break
			sleep 0.1
		done
		kill -0 "$PROXY_PID" 2>/dev/null || { cat "$TOPO_DIR/haproxy.log" >&2; return 1; }
		WEB=10.0.0.5:443 BULK_HOST=10.0.0.5 BULK_PORT=5201 IDLE_HOST=10.0.0.5 IDLE_PORT=9000
		;;
	kernel)
		bench_kernel_ips || return 1
		in_appl sysctl -qw net.ipv4.ip_forward=1 || return 1
		in_cons ip route add 192.168.10.0/24 via 10.0.0.5 || return 1
		in_prov ip route add 10.0.0.0/24 via 192.168.10.201 || return 1
		WEB=192.168.10.11:8080 BULK_HOST=192.168.10.11 BULK_PORT=5201
		IDLE_HOST=192.168.10.11 IDLE_PORT=9001
		;;
	*)
		echo "bench: unknown mode $mode" >&2
		return 1
		;;
	esac
	# Warm ARP and the path once.
	in_cons curl -sS -o /dev/null --max-time 5 "http://$WEB/" || {
		echo "bench: $mode: no answer from http://$WEB/" >&2; return 1; }
}
