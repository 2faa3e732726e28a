#!/bin/bash
# PROXY v2 dialects (proxy_protocol_tlv, unique id, CRC32c) and probes with
# a LOCAL header (probe_proxy_protocol), against receivers that parse them
# on their own: tests/lib/ppv2_backend.py (every TLV, its own CRC32c),
# HAProxy 2.6 with accept-proxy (checks the CRC32c, fc_pp_unique_id),
# tshark (its PROXY v2 dissector names CRC32C and AWS) and nginx 1.22
# with proxy_protocol (takes LOCAL on probes).
. "$(dirname "$0")/../lib/prelude.sh" san topo nginx ppv2 drop

HAP_PORT=9100
AWS_ID=vpce-0a1b2c3d4e5f60718

# start_haproxy: HAProxy on 192.168.10.11:9100 with accept-proxy, which
# answers every request with the unique id and source it was told.
start_haproxy() {
	local d=$TOPO_DIR/haproxy i
	mkdir -p "$d"
	cat >"$d/haproxy.cfg" <<-HAP
	global
	    log stderr format short local0 info
	defaults
	    mode http
	    log global
	    timeout connect 5s
	    timeout client 10s
	    timeout server 10s
	frontend fe
	    bind 192.168.10.11:$HAP_PORT accept-proxy
	    option httplog
	    http-request return status 200 content-type text/plain lf-string "uid=%[fc_pp_unique_id] src=%[src]:%[src_port]\n"
	HAP
	in_prov haproxy -f "$d/haproxy.cfg" -db >"$d/haproxy.log" 2>&1 &
	HAP_PID=$!
	at_exit 'kill $HAP_PID 2>/dev/null; wait $HAP_PID 2>/dev/null'
	for i in $(seq 50); do
		in_prov bash -c "exec 3<>/dev/tcp/192.168.10.11/$HAP_PORT" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$d/haproxy.log" >&2
	return 1
}

# start_nginx_tls: a second nginx, TLS with proxy_protocol on
# 192.168.10.11:9443, for the HTTPS probe.
start_nginx_tls() {
	local d=$TOPO_DIR/nginx-tls i
	mkdir -p "$d/logs"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=backend \
		-keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null || return 1
	{ nginx_head "$d"; cat <<-NGINX
	    access_log off;
	    server {
	        listen 192.168.10.11:9443 ssl proxy_protocol;
	        ssl_certificate $d/cert.pem;
	        ssl_certificate_key $d/key.pem;
	        location / { return 200 "tls \$proxy_protocol_addr\n"; }
	    }
	}
	NGINX
	} >"$d/nginx.conf"
	in_prov nginx -p "$d" -c "$d/nginx.conf" || return 1
	at_exit "kill -QUIT \$(cat '$d/nginx.pid') 2>/dev/null"
	for i in $(seq 50); do
		in_prov bash -c 'exec 3<>/dev/tcp/192.168.10.11/9443' 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

start_haproxy || prelude_fail "HAProxy with accept-proxy starts"
start_nginx_tls || prelude_fail "nginx with ssl proxy_protocol starts"

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
svc() {	# svc NAME PORT KEY=VALUE...: a one-backend service with PROXY v2
	local name=$1 port=$2; shift 2
	printf '[service %s]\nfrontend_port = 443\nbackend = 192.168.10.11:%s\nnat_ip = 192.168.10.201\nproxy_protocol = on\n' \
		"$name" "$port"
	for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	echo
}
ep() {	# ep NAME SERVICE IP LINK_ID KEY=VALUE...: an Approved endpoint
	local name=$1 service=$2 ip=$3 link=$4; shift 4
	printf '[endpoint %s]\nnic = consumer0\nip = %s\nservice = %s\nlink_id = %s\n' "$name" "$ip" "$service" "$link"
	for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	printf '\n[approval %s]\nstate = Approved\n\n' "$name"
}
pool() {	# pool NAME BACKEND PROBE ON|OFF
	printf '[pool %s]\nbackend = %s\nprobe = %s\nprobe_proxy_protocol = %s\nprobe_interval = 1s\nprobe_timeout = 800ms\nprobe_rise = 1\nprobe_fall = 1\n\n' \
		"$1" "$2" "$3" "$4"
}
{
	svc aws 9000 proxy_protocol_tlv=aws proxy_protocol_unique_id=on proxy_protocol_crc32c=on \
		frontend_ip=192.168.10.50 frontend_proxy_protocol=on
	svc gcp 9000 proxy_protocol_tlv=gcp proxy_protocol_crc32c=on
	svc none 9000 proxy_protocol_tlv=none
	svc azure 9000 proxy_protocol_unique_id=on
	svc hap $HAP_PORT proxy_protocol_tlv=aws proxy_protocol_unique_id=on proxy_protocol_crc32c=on
} >"$DROP/20-services.ini"
{
	ep aws-pe aws 10.0.0.10 0x12345678 endpoint_id=$AWS_ID
	ep aws2-pe aws 10.0.0.15 0xabc
	ep gcp-pe gcp 10.0.0.11 0xdeadbeef psc_connection_id=0x1122334455667788
	ep gcp2-pe gcp 10.0.0.16 7
	ep none-pe none 10.0.0.12 5
	ep az-pe azure 10.0.0.13 0x01020304
	ep hap-pe hap 10.0.0.14 9
} >"$DROP/30-endpoints.ini"
{
	pool ngx_on 192.168.10.11:8443 http on
	pool ngx_off 192.168.10.11:8443 http off
	pool hap_on 192.168.10.11:$HAP_PORT http on
	pool hap_off 192.168.10.11:$HAP_PORT http off
	pool tcp_local 192.168.10.11:9000 tcp on
	pool tls_on 192.168.10.11:9443 https on
	pool tls_off 192.168.10.11:9443 https off
} >"$DROP/40-pools.ini"

check "privlinkd -t accepts the dialect drop" "$PRIVLINKD" -t -c "$DROP"
start_privlinkd "$DROP" || prelude_fail "privlinkd starts with the dialect drop"
ok "privlinkd ready with five services in four dialects"
check "the status shows each service's dialect, each endpoint's ids, each pool's probe_proxy_protocol" wait_status '(
svc["aws"]["proxy_protocol_tlv"] == "aws" and svc["aws"]["proxy_protocol_unique_id"] and
svc["aws"]["proxy_protocol_crc32c"] and svc["azure"]["proxy_protocol_tlv"] == "azure" and
not svc["azure"]["proxy_protocol_crc32c"] and svc["none"]["proxy_protocol_tlv"] == "none" and
ep["aws-pe"]["endpoint_id"] == "'$AWS_ID'" and ep["aws2-pe"]["endpoint_id"] == "vpce-00000000000000abc" and
ep["gcp-pe"]["psc_connection_id"] == "0x1122334455667788" and ep["gcp2-pe"]["psc_connection_id"] == "0x0000000000000007" and
{p["name"]: p["probe_proxy_protocol"] for p in s["pools"]} == {"ngx_on": True, "ngx_off": False,
"hap_on": True, "hap_off": False, "tcp_local": True, "tls_on": True, "tls_off": False,
"service:aws": False, "service:gcp": False,
"service:none": False, "service:azure": False, "service:hap": False})'

# The backend side on tshark's capture, for its dissector's view.
in_prov tshark -i p0 -f "tcp port 9000" -w "$TOPO_DIR/backend.pcapng" >"$TOPO_DIR/tshark.out" 2>&1 &
TSHARK_PID=$!
at_exit 'kill $TSHARK_PID 2>/dev/null; wait $TSHARK_PID 2>/dev/null'
for _ in $(seq 100); do grep -q "Capturing on" "$TOPO_DIR/tshark.out" && break; sleep 0.1; done

# conn IP PORT: one SINK connection from the consumer's port PORT through
# IP; its backend record on stdout ({} if none within 10 s).  By port:
# the TCP probe's LOCAL connections land in the same log.
conn() {
	local out i
	out=$(in_cons python3 "$ROOT/tests/lib/ppv2_client.py" sink "$1" 443 1000 1 "$2" 2>&1)
	json_ok "$out" || echo "# client: $out" >&2
	for i in $(seq 100); do
		grep -m 1 "\"sport\": $2," "$PPV2_LOG" && return 0
		sleep 0.1
	done
	echo '{}'
}

rec=$(conn 10.0.0.10 40301)
check_eq "aws: TLV 0xEA subtype 0x01 carries endpoint_id $AWS_ID, no Azure TLV" \
	"$(json "$rec" 'r.get("aws_vpce_id"), r.get("link_id"), r.get("error")')" "('$AWS_ID', None, None)"
check_eq "aws: the addresses are the consumer's and the endpoint's" \
	"$(json "$rec" 'r.get("src"), r.get("sport"), r.get("dst"), r.get("dport")')" "('10.0.0.7', 40301, '10.0.0.10', 443)"
check "aws: the CRC32c TLV matches the backend's own computation" json_true "$rec" 'r.get("crc32c") == "ok"'
check "aws: TLVs in order 0x03 (CRC32c), 0xEA, 0x05 (unique id)" \
	json_true "$rec" '[t["type"] for t in r["tlvs"]] == [0x03, 0xEA, 0x05]'
uid1=$(json "$rec" 'r.get("unique_id")')
check "aws: the unique id is 32 hex digits ($uid1)" json_true "$rec" \
	'len(r.get("unique_id", "")) == 32 and all(c in "0123456789abcdef" for c in r["unique_id"])'
rec=$(conn 10.0.0.15 40302)
check_eq "aws: an endpoint without endpoint_id sends vpce- and 17 hex digits of its link id" \
	"$(json "$rec" 'r.get("aws_vpce_id"), r.get("error")')" "('vpce-00000000000000abc', None)"
uid2=$(json "$rec" 'r.get("unique_id")')
check "the next connection's unique id differs, same boot prefix ($uid2)" \
	test "$uid1" != "$uid2" -a "${uid1:0:16}" = "${uid2:0:16}"

rec=$(conn 10.0.0.11 40303)
check_eq "gcp: TLV 0xE0 carries psc_connection_id 0x1122334455667788 (8 bytes, network order)" \
	"$(json "$rec" 'hex(r.get("gcp_psc_id", 0)), r.get("crc32c"), r.get("error")')" "('0x1122334455667788', 'ok', None)"
rec=$(conn 10.0.0.16 40304)
check_eq "gcp: without psc_connection_id, the link id zero-extended" \
	"$(json "$rec" '[t for t in r.get("tlvs", []) if t["type"] == 0xE0]')" "[{'type': 224, 'value': '0000000000000007'}]"

rec=$(conn 10.0.0.12 40305)
check_eq "none: no TLV at all, header length 12" \
	"$(json "$rec" 'r.get("tlvs"), r.get("length"), r.get("error")')" "([], 12, None)"
rec=$(conn 10.0.0.13 40306)
check_eq "azure (the default): TLV 0xEE link id, then the unique id" \
	"$(json "$rec" 'r.get("link_id"), [t["type"] for t in r.get("tlvs", [])]')" "(16909060, [238, 5])"

# The provider-side frontend of service aws: the same dialect, but no
# endpoint, so no vendor TLV.
out=$(in_prov python3 "$ROOT/tests/lib/ppv2_client.py" sink 192.168.10.50 443 1000 1 40320 2>&1)
check "a provider-side client through the frontend 192.168.10.50:443" json_ok "$out"
rec=$(for _ in $(seq 100); do grep -m 1 '"sport": 40320,' "$PPV2_LOG" && break; sleep 0.1; done)
check_eq "frontend: CRC32c (checked) and unique id, no vendor TLV" \
	"$(json "${rec:-{\}}" '[t["type"] for t in r.get("tlvs", [])], r.get("crc32c"), len(r.get("unique_id", "")), r.get("src")')" \
	"([3, 5], 'ok', 32, '192.168.10.11')"

# tshark's dissector (Wireshark 4.0) knows CRC32C and AWS by name, not the
# unique id or GCP (0xE0, "Unknown type"); it also stops short of the
# last 16 bytes of the TLVs (it ends them at the length field's value
# from the frame's start), which is why privlinkd puts the CRC32c first.
# SIGTERM: a background job of a script ignores SIGINT.
tsk() { tshark -r "$TOPO_DIR/backend.pcapng" -o tcp.try_heuristic_first:TRUE "$@" 2>/dev/null; }
# dumpcap writes in blocks: the last header (az-pe's) is in the file once
# tshark reads it back.
for _ in $(seq 50); do
	[ -n "$(tsk -Y 'proxy.dst.ipv4 == 10.0.0.13' -T fields -e frame.number)" ] && break
	sleep 0.2
done
kill -TERM $TSHARK_PID 2>/dev/null; wait $TSHARK_PID 2>/dev/null
dissect=$(tsk -Y 'proxy.v2.magic && proxy.v2.cmd == 1' -V)
check "tshark finds the 6 PROXY headers of the consumers' connections" \
	test "$(grep -c '^PROXY Protocol' <<<"$dissect")" -ge 6
check "tshark names TLV 0xEA as AWS" grep -q 'Type: AWS (0xea)' <<<"$dissect"
check "tshark names TLV 0x03 as CRC32C" grep -q 'Type: CRC32C (0x03)' <<<"$dissect"
aws_tlvs=$(tsk -Y 'proxy.dst.ipv4 == 10.0.0.10' -T fields -e proxy.v2.tlv.type -e proxy.v2.tlv.value)
check_eq "tshark: the aws-pe header's TLVs are CRC32C, AWS, unique id" "${aws_tlvs%%$'\t'*}" "0x03,0xea,0x05"
check_eq "tshark: the AWS TLV's value is subtype 0x01 and the endpoint id" \
	"$(cut -f2 <<<"$aws_tlvs" | cut -d, -f2)" "01$(printf %s "$AWS_ID" | od -An -tx1 | tr -d ' \n')"
check "tshark: the LOCAL header of the TCP probe, command 0, family UNSPEC" \
	test -n "$(tsk -Y 'proxy.v2.cmd == 0 && proxy.v2.addr_family_protocol == 0' -T fields -e frame.number)"

# HAProxy: it recomputes the CRC32c (a bad one is refused, below) and
# exposes the unique id as fc_pp_unique_id.
body=$(in_cons curl -sS --max-time 10 --local-port 40310 http://10.0.0.14:443/ 2>&1)
check "HAProxy accepts privlinkd's header (CRC32c checked) and sees the consumer: $body" \
	grep -Eq '^uid=[0-9a-f]{32} src=10\.0\.0\.7:40310$' <<<"$body"
check "HAProxy's fc_pp_unique_id has this boot's prefix" test "${body:4:16}" = "${uid1:0:16}"
out=$(in_prov python3 "$ROOT/tests/lib/ppv2_crc_client.py" 192.168.10.11 $HAP_PORT good t-good)
check "HAProxy answers a Python-made header with a good CRC32c" json_true "$out" \
	'r["reply"] == "HTTP/1.1 200 OK" and r["body"] == "uid=t-good src=10.9.8.7:4321"'
out=$(in_prov python3 "$ROOT/tests/lib/ppv2_crc_client.py" 192.168.10.11 $HAP_PORT bad t-bad)
check "HAProxy refuses the same header with one CRC32c bit flipped: $out" json_true "$out" 'r["reply"] == ""'
check "HAProxy logs it as an invalid PROXY header" \
	grep -q "Received an invalid PROXY protocol header" "$TOPO_DIR/haproxy/haproxy.log"

# Probes: LOCAL first with probe_proxy_protocol = on, nothing with off.
probe_of() {	# probe_of POOL: "state|last_probe" of its only backend
	privlinkd_status | python3 -c '
import json, sys
p = {x["name"]: x for x in json.load(sys.stdin)["pools"]}[sys.argv[1]]
print("%s|%s" % (p["backends"][0]["state"], p["backends"][0]["last_probe"]))' "$1"
}
wait_probe() {	# wait_probe POOL STATE: until its backend is STATE and probed
	local i
	for i in $(seq 40); do
		case $(probe_of "$1") in "$2|"*"not probed"*) ;; "$2|"*) return 0 ;; esac
		sleep 0.25
	done
	return 1
}
wait_probe ngx_on up; s=$(probe_of ngx_on)
check_eq "nginx proxy_protocol: the HTTP probe with a LOCAL header is up" "$s" "up|HTTP 200"
wait_probe ngx_off down; s=$(probe_of ngx_off)
check "nginx proxy_protocol: the HTTP probe without it is down ($s)" test "${s%%|*}" = down
wait_probe hap_on up; s=$(probe_of hap_on)
check "HAProxy accept-proxy: the HTTP probe with a LOCAL header is up ($s)" test "$s" = "up|HTTP 200"
wait_probe hap_off down; s=$(probe_of hap_off)
check "HAProxy accept-proxy: the HTTP probe without it is down ($s)" test "${s%%|*}" = down
wait_probe tls_on up; s=$(probe_of tls_on)
check_eq "nginx ssl proxy_protocol: the HTTPS probe sends LOCAL before its TLS handshake: up" "$s" "up|HTTP 200"
wait_probe tls_off down; s=$(probe_of tls_off)
check "nginx ssl proxy_protocol: the HTTPS probe without it is down ($s)" test "${s%%|*}" = down
wait_probe tcp_local up; s=$(probe_of tcp_local)
check_eq "the TCP probe passes once its LOCAL header is acknowledged" "$s" \
	"up|TCP handshake completed, PROXY v2 LOCAL acknowledged"
for _ in $(seq 50); do grep -q '"command": "LOCAL"' "$PPV2_LOG" && break; sleep 0.1; done
rec=$(grep '"command": "LOCAL"' "$PPV2_LOG" | head -n 1)
check_eq "ppv2_backend.py reads the TCP probe's LOCAL header from the provider address" \
	"$(json "${rec:-{\}}" 'r.get("command"), r.get("family"), r.get("length"), r.get("peer", "").split(":")[0]')" \
	"('LOCAL', 0, 0, '192.168.10.201')"

# A reload that changes the dialect: the endpoint restarts (its
# connections reset, as for a change of proxy_protocol) and new
# connections carry the new TLV.
n=$(applied)
sed -i 's/^proxy_protocol_tlv = gcp$/proxy_protocol_tlv = azure/' "$DROP/20-services.ini"
kill -HUP "$PRIVLINKD_PID"
check "the reload that changes gcp to azure is applied" wait_applied "$n"
rec=$(conn 10.0.0.11 40307)
check_eq "after the reload, gcp-pe's connections carry the Azure TLV" \
	"$(json "$rec" 'r.get("link_id"), r.get("gcp_psc_id"), r.get("crc32c")')" "(3735928559, None, 'ok')"

# A restart: unique ids start from a new boot random.
check_no_sanitizer_report "$LOG" "first run: "
stop_privlinkd
check_eq "privlinkd stops cleanly (exit 0)" "$?" 0
start_privlinkd "$DROP" || prelude_fail "privlinkd starts again"
rec=$(conn 10.0.0.10 40308)
uid3=$(json "$rec" 'r.get("unique_id")')
check "after a restart the unique id's boot prefix differs ($uid1 -> $uid3)" \
	test "${#uid3}" = 32 -a "${uid3:0:16}" != "${uid1:0:16}"
check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_no_sanitizer_report "$LOG"
tap_done
