# The namespace topology of the integration tests and the demo:
#
#   ${P}-cons: c0 10.0.0.7/24 ── pe0 ┐
#                                    ${P}-appl: privlinkd on pe0 and pv0 (no kernel IP)
#   ${P}-prov: p0 192.168.10.11/24 ── pv0 ┘  nginx :8443, ppv2_backend.py :9000
#
# Source it, then topo_up on|off; topo_down runs from the EXIT trap.
# "on" keeps the kernel's default offloads on every veth end (partial
# checksums, GSO super-frames reach privlinkd); "off" turns them off.

P=${PL_NS_PREFIX:-pl}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PRIVLINKD=${PRIVLINKD:-$ROOT/build/privlinkd}
TOPO_DIR=""

in_cons() { ip netns exec "$P-cons" "$@"; }
in_appl() { ip netns exec "$P-appl" "$@"; }
in_prov() { ip netns exec "$P-prov" "$@"; }
in_cons2() { ip netns exec "$P-cons2" "$@"; }

topo_down() {
	local ns pid
	for ns in "$P-cons" "$P-cons2" "$P-appl" "$P-prov"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TOPO_DIR" ] && rm -rf "$TOPO_DIR"
	TOPO_DIR=""
	return 0
}

# Tests name client ports in this range (curl --local-port 41002) to find
# them in PROXY headers; the consumers' kernels never pick them as ephemeral
# ports, or a test holding thousands of connections takes one of them
# (curl: bind failed with errno 98) about once in fourteen runs.
TOPO_FIXED_PORTS=40000-41999

topo_offloads() {
	local mode=$1 ns dev
	[ "$mode" = on ] && return 0
	for pair in "$P-cons c0" "$P-appl pe0" "$P-appl pv0" "$P-prov p0"; do
		set -- $pair
		ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off lro off \
			>/dev/null 2>&1 || { echo "topo: ethtool -K $2 failed" >&2; return 1; }
	done
}

topo_up() {
	local offloads=${1:-on}
	topo_down
	TOPO_DIR=$(mktemp -d /tmp/privlink-test.XXXXXX)
	chmod 755 "$TOPO_DIR"
	ip netns add "$P-cons" && ip netns add "$P-appl" && ip netns add "$P-prov" || return 1
	ip link add c0 netns "$P-cons" type veth peer name pe0 netns "$P-appl" || return 1
	ip link add p0 netns "$P-prov" type veth peer name pv0 netns "$P-appl" || return 1
	in_cons ip addr add 10.0.0.7/24 dev c0
	in_prov ip addr add 192.168.10.11/24 dev p0
	in_cons sysctl -qw net.ipv4.ip_local_reserved_ports="$TOPO_FIXED_PORTS"
	# The appliance's NICs carry no kernel address and no IPv6 at all.
	in_appl sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_appl sysctl -qw net.ipv6.conf.pe0.disable_ipv6=1 net.ipv6.conf.pv0.disable_ipv6=1
	for ns in cons appl prov; do ip -n "$P-$ns" link set lo up; done
	in_cons ip link set c0 up
	in_appl ip link set pe0 up
	in_appl ip link set pv0 up
	in_prov ip link set p0 up
	topo_offloads "$offloads"
}

# topo_add_consumer2: a second consumer network with the same addresses as
# the first, ${P}-cons2 with c0 10.0.0.7/24, on the appliance's pe1.
topo_add_consumer2() {
	ip netns add "$P-cons2" || return 1
	ip link add c0 netns "$P-cons2" type veth peer name pe1 netns "$P-appl" || return 1
	in_cons2 ip addr add 10.0.0.7/24 dev c0
	in_cons2 sysctl -qw net.ipv4.ip_local_reserved_ports="$TOPO_FIXED_PORTS"
	in_appl sysctl -qw net.ipv6.conf.pe1.disable_ipv6=1
	ip -n "$P-cons2" link set lo up
	in_cons2 ip link set c0 up
	in_appl ip link set pe1 up
}

# start_privlinkd DROPDIR: runs privlinkd in the appliance namespace and
# waits (10 s at most) for its ready line.
start_privlinkd() {
	local drop=$1 i
	# ip netns exec execs privlinkd in place: $! is privlinkd itself.
	STATUS_JSON=$TOPO_DIR/status.json
	ip netns exec "$P-appl" "$PRIVLINKD" ${PRIVLINKD_ARGS:-} -s "$STATUS_JSON" -c "$drop" \
		>"$TOPO_DIR/privlinkd.log" 2>&1 &
	PRIVLINKD_PID=$!
	for i in $(seq 100); do
		grep -q 'privlinkd: ready' "$TOPO_DIR/privlinkd.log" && return 0
		kill -0 "$PRIVLINKD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# privlinkd did not become ready:" >&2
	sed 's/^/#   /' "$TOPO_DIR/privlinkd.log" >&2
	return 1
}

# applied: how many reloads privlinkd's log says were applied;
# wait_applied N: until more than N are (10 s at most).
applied() { grep -c "reload: configuration applied" "$TOPO_DIR/privlinkd.log"; }
wait_applied() {
	local i
	for i in $(seq 100); do [ "$(applied)" -gt "$1" ] && return 0; sleep 0.1; done
	return 1
}

# stop_privlinkd: SIGTERM and wait; returns privlinkd's exit status.  A
# privlinkd that has not stopped 20 s later (its loop stuck) is killed:
# the status is then 137.
stop_privlinkd() {
	local rc i
	kill -TERM "$PRIVLINKD_PID" 2>/dev/null
	for i in $(seq 200); do
		kill -0 "$PRIVLINKD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PRIVLINKD_PID" 2>/dev/null
	wait "$PRIVLINKD_PID"
	rc=$?
	PRIVLINKD_PID=""
	return $rc
}

# privlinkd_status: asks for the JSON status (SIGUSR1) and prints it.
privlinkd_status() {
	local i
	rm -f "$STATUS_JSON"
	kill -USR1 "$PRIVLINKD_PID"
	for i in $(seq 50); do
		[ -s "$STATUS_JSON" ] && { cat "$STATUS_JSON"; return 0; }
		sleep 0.1
	done
	return 1
}

# wait_status EXPR: polls the status (10 s at most) until the Python
# expression EXPR holds for it (s: the document; ep/svc: by name).
wait_status() {
	local i
	for i in $(seq 50); do
		privlinkd_status 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
ep = {e["name"]: e for e in s["endpoints"]}
svc = {v["name"]: v for v in s["services"]}
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# check_no_sanitizer_report LOG [PREFIX]: one check, that the sanitized
# privlinkd's LOG holds no AddressSanitizer, LeakSanitizer or UBSan report.
check_no_sanitizer_report() {
	if grep -Eq 'Sanitizer|runtime error' "$1"; then
		not_ok "${2:-}no AddressSanitizer, LeakSanitizer or UBSan report" \
			"$(grep -E -A8 'Sanitizer|runtime error' "$1" | head -30)"
	else
		ok "${2:-}no AddressSanitizer, LeakSanitizer or UBSan report"
	fi
}

privlinkd_alive() { [ -n "${PRIVLINKD_PID:-}" ] && kill -0 "$PRIVLINKD_PID" 2>/dev/null; }

# start_nginx: a real nginx with proxy_protocol on 192.168.10.11:8443 that
# answers with the PROXY v2 source it was told; its access log records the
# TCP peer and the PROXY source of every request.
# nginx_head DIR: an nginx.conf's start for an nginx of our own under DIR
# (root, one worker, pid, logs and temp files there), up to "http {".
nginx_head() {
	local d=$1
	cat <<-NGINX
	user root;
	worker_processes 1;
	pid $d/nginx.pid;
	error_log $d/logs/error.log;
	events { worker_connections 1024; }
	http {
	    client_body_temp_path $d/body;
	    proxy_temp_path $d/proxy;
	    fastcgi_temp_path $d/fastcgi;
	    uwsgi_temp_path $d/uwsgi;
	    scgi_temp_path $d/scgi;
	NGINX
}

start_nginx() {
	local d=$TOPO_DIR/nginx i
	mkdir -p "$d/logs"
	{ nginx_head "$d"; cat <<-NGINX
	    log_format peers '\$remote_addr \$remote_port \$proxy_protocol_addr \$proxy_protocol_port';
	    access_log $d/logs/access.log peers;
	    server {
	        listen 192.168.10.11:8443 proxy_protocol;
	        location / { return 200 "\$proxy_protocol_addr:\$proxy_protocol_port\n"; }
	    }
	}
	NGINX
	} >"$d/nginx.conf"
	in_prov nginx -p "$d" -c "$d/nginx.conf" || return 1
	NGINX_LOG=$d/logs/access.log
	for i in $(seq 50); do
		in_prov bash -c 'exec 3<>/dev/tcp/192.168.10.11/8443' 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_ppv2_backend: the independent PROXY v2 parsing backend on
# 192.168.10.11:9000; one JSON line per connection in $PPV2_LOG.
# ppv2_record N: waits until the backend log has more than N lines;
# prints line N+1 ({} if none comes within 10 s).
ppv2_record() {
	local have=$1 i
	for i in $(seq 100); do
		[ "$(wc -l <"$PPV2_LOG")" -gt "$have" ] && { sed -n "$((have + 1))p" "$PPV2_LOG"; return 0; }
		sleep 0.1
	done
	echo '{}'
}

start_ppv2_backend() {
	local i
	PPV2_LOG=$TOPO_DIR/ppv2.log
	: >"$PPV2_LOG"
	in_prov python3 "$ROOT/tests/lib/ppv2_backend.py" 192.168.10.11 9000 "$PPV2_LOG" \
		>"$TOPO_DIR/ppv2_backend.out" 2>&1 &
	for i in $(seq 50); do
		grep -q listening "$TOPO_DIR/ppv2_backend.out" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$TOPO_DIR/ppv2_backend.out" >&2
	return 1
}
