# One measurement each, printed as one JSON line on stdout:
# {"mode": ..., "metric": ..., "value": ..., ...}.  Needs modes.sh (and
# mode_up done).  Durations come from BENCH_SECONDS.

BENCH_SECONDS=${BENCH_SECONDS:-5}
WRK_CONNS=${WRK_CONNS:-32}
BENCH_LOSS_SECONDS=${BENCH_LOSS_SECONDS:-10}
IDLE_OPEN_SECONDS=${BENCH_IDLE_OPEN_SECONDS:-180}
IDLE_BYTE=${BENCH_IDLE_BYTE:-0}

# Idle connections take one descriptor each in a client or a sink, two
# in HAProxy: the open files limit is raised as far as it goes (the hard
# limit, 20,000 here, cannot be raised in a container) and the idle
# connections are spread over processes (modes.sh: IDLE_PER_PROC).
bench_fd_limit() {
	ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" || return 1
}

# The point of the scale curve the next measurements are taken at: the
# idle connections held meanwhile, put in every JSON line.
BENCH_POINT=0

# New connections per second with PROXY v2 (not in kernel mode: the limit
# has no proxy to send it): wrk, one thread, Connection: close, so every
# request is a new TCP connection through the proxy.  wrk's latency is
# from writing the request to the end of the response (its own connect
# is not in it, the proxy's connect to the backend is).  The client runs in
# BENCH_CONS_NS (default ${P}-cons; vlans.sh: a VLAN's namespace).
measure_conns() {
	local mode=$1 out
	out=$(ip netns exec "${BENCH_CONS_NS:-$P-cons}" taskset -c $LOAD_CPU wrk -t1 -c"$WRK_CONNS" \
		-d"${BENCH_SECONDS}s" --latency -H 'Connection: close' "http://$WEB/" 2>&1) ||
		{ echo "$out" >&2; return 1; }
	python3 - "$mode" "$out" "$BENCH_POINT" <<-'PY'
	import json, re, sys
	mode, out = sys.argv[1], sys.argv[2]
	def ms(v, unit):
	    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
	rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
	lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
	err = re.search(r"Socket errors: (.*)", out)
	non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
	extra = {"errors": err.group(1) if err else "", "non_2xx": int(non2xx.group(1)) if non2xx else 0}
	point = int(sys.argv[3])
	print(json.dumps({"mode": mode, "metric": "conn_per_s", "point": point, "value": rps, **extra}))
	print(json.dumps({"mode": mode, "metric": "p50_ms", "point": point, "value": lat["50"]}))
	print(json.dumps({"mode": mode, "metric": "p99_ms", "point": point, "value": lat["99"]}))
	PY
}

# Bulk throughput consumer -> backend, PROXY v2 off: iperf3 with 1 or 8
# parallel streams; the figure is what the server received.
measure_bulk() {
	local mode=$1 streams=$2 out
	out=$(in_cons taskset -c $LOAD_CPU timeout -k 5 $((BENCH_SECONDS + 30)) iperf3 -c "$BULK_HOST" \
		-p "$BULK_PORT" -t "$BENCH_SECONDS" -P "$streams" -J 2>&1) || { echo "$out" >&2; return 1; }
	python3 - "$mode" "$streams" "$out" "$BENCH_POINT" <<-'PY'
	import json, sys
	mode, streams, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
	gbit = out["end"]["sum_received"]["bits_per_second"] / 1e9
	print(json.dumps({"mode": mode, "metric": f"bulk_{streams}_gbit", "point": int(sys.argv[4]),
	                  "value": round(gbit, 3)}))
	PY
}

# Bulk over the lossy consumer link (mode_up MODE loss): measure_loss MODE
# PERCENT up|down, one stream for BENCH_LOSS_SECONDS; up is consumer ->
# backend, down is backend -> consumer (iperf3 -R); the figure is what the
# receiver got, with the bridge's counters of frames seen and dropped.  A
# run that has not ended 60 s past its time is killed and fails.
measure_loss() {
	local mode=$1 pct=$2 dir=$3 out counts rev=""
	[ "$dir" = down ] && rev=-R
	loss_set "$pct" || return 1
	out=$(in_cons taskset -c $LOAD_CPU timeout -k 5 $((BENCH_LOSS_SECONDS + 60)) iperf3 -c "$BULK_HOST" \
		-p "$BULK_PORT" -t "$BENCH_LOSS_SECONDS" --connect-timeout 10000 $rev -J 2>&1)
	local rc=$?
	counts=$(loss_counts)
	python3 - "$mode" "$pct" "$dir" "$out" "$counts" "$rc" <<-'PY'
	import json, sys
	mode, pct, d, out, counts, rc = sys.argv[1:]
	counts = json.loads(counts)
	row = {"mode": mode, "metric": f"loss_{pct}_{d}_gbit", "loss_pct": float(pct), "direction": d, **counts}
	try:
	    r = json.loads(out)
	    row["value"] = round(r["end"]["sum_received"]["bits_per_second"] / 1e9, 4)
	    row["retransmits"] = r["end"].get("sum_sent", {}).get("retransmits")
	except (ValueError, KeyError):
	    row["error"] = f"iperf3 exit {rc}: " + out[-300:]
	print(json.dumps(row))
	sys.exit(0 if "value" in row else 1)
	PY
}

proxy_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status"; }

idle_backend_count() {
	cat "$IDLE_COUNT".* 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}

# idle_hold MODE N: N idle connections through the proxy to the sinks,
# spread over client processes of at most IDLE_PER_PROC each, each from
# its own address (10.0.0.101 up); each sends a byte and waits for its
# echo when BENCH_IDLE_BYTE is 1.  Opening stops after BENCH_IDLE_OPEN_SECONDS,
# holding what is open.  Prints one JSON line: what was held, by the
# clients and at the sinks, and the proxy's RSS growth per held
# connection.  The clients hold until idle_release.
idle_hold() {
	local mode=$1 n=$2 procs i each extra before after fifo t status=""
	procs=$(( (n + IDLE_PER_PROC - 1) / IDLE_PER_PROC ))
	[ "$procs" -le "$IDLE_SINKS" ] || { echo "bench: $n idle: more than IDLE_SINKS processes" >&2; return 1; }
	before=$([ -n "$PROXY_PID" ] && proxy_rss_kib || echo 0)
	fifo=$TOPO_DIR/idle.fifo
	rm -f "$fifo" && mkfifo "$fifo"
	# The clients hold their connections until their stdin (the fifo)
	# closes; opened read-write first, so neither side blocks in open().
	exec 7<>"$fifo"
	each=$((n / procs)) extra=$((n % procs))
	for i in $(seq "$procs"); do
		in_cons taskset -c $LOAD_CPU python3 "$BENCH_DIR/idle_client.py" "$IDLE_HOST" "$IDLE_PORT" \
			"$((each + (i <= extra ? 1 : 0)))" "10.0.0.$((100 + i))" "$IDLE_OPEN_SECONDS" "$IDLE_BYTE" \
			<"$fifo" >"$TOPO_DIR/idle_client.$i.out" 2>&1 7>&- &
		disown $!	# bench_down kills them: no job notice
	done
	for t in $(seq $(( (IDLE_OPEN_SECONDS + 60) * 2 ))); do
		[ "$(cat "$TOPO_DIR"/idle_client.*.out 2>/dev/null | grep -c '^{')" -ge "$procs" ] && break
		sleep 0.5
	done
	# The sinks count every 0.2 s: wait for them to catch up (10 s at most).
	for t in $(seq 50); do
		[ "$(idle_backend_count)" -ge "$(cat "$TOPO_DIR"/idle_client.*.out | python3 -c '
import json, sys
print(sum(json.loads(l)["open"] for l in sys.stdin if l.startswith("{")))')" ] && break
		sleep 0.2
	done
	sleep 1
	after=$([ -n "$PROXY_PID" ] && proxy_rss_kib || echo 0)
	[ "$mode" = privlinkd ] && status=$(privlinkd_status 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(json.dumps({"live": s["connections"]["live"], "held_bytes": s["memory"]["held_bytes"]}))' 2>/dev/null)
	[ -n "$status" ] || status='{}'
	python3 - "$mode" "$n" "$procs" "$before" "$after" "$(idle_backend_count)" "$status" \
		"$BENCH_POINT" "$(cat "$TOPO_DIR"/idle_client.*.out)" <<-'PY'
	import json, sys
	mode, n, procs, before, after, backend, status, point, out = sys.argv[1:]
	clients = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
	# Held through the proxy: open at the client and accepted by a sink.
	client_open = sum(c["open"] for c in clients)
	held = min(client_open, int(backend))
	row = {"mode": mode, "metric": "idle_held", "point": int(point), "value": held, "asked": int(n),
	       "client_open": client_open,
	       "processes": int(procs), "answered": len(clients), "failed": sum(c["failed"] for c in clients),
	       "echoed": sum(c.get("echoed", 0) for c in clients),
	       "timed_out": any(c.get("timed_out") for c in clients) or len(clients) < int(procs),
	       "open_seconds": max([c["seconds"] for c in clients] or [0]), "at_backend": int(backend),
	       "status": json.loads(status)}
	print(json.dumps(row))
	if held and int(after):
	    growth = (int(after) - int(before)) * 1024
	    print(json.dumps({"mode": mode, "metric": "idle_bytes_per_conn", "point": int(point),
	                      "value": round(growth / held, 1), "held": held,
	                      "rss_before_kib": int(before), "rss_after_kib": int(after)}))
	PY
}

# idle_after MODE: the idle connections the sinks still hold, after the
# measurements at a point.  idle_release lets the clients go.
idle_after() {
	printf '{"mode": "%s", "metric": "idle_after", "point": %d, "value": %d}\n' \
		"$1" "$BENCH_POINT" "$(idle_backend_count)"
}

idle_release() { exec 7>&-; }
