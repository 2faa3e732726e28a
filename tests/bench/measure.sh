# One measurement each, printed as one JSON line on stdout:
# {"mode": ..., "metric": ..., "value": ..., ...}.  Needs modes.sh (and
# mode_up done).  Durations come from BENCH_SECONDS.

BENCH_SECONDS=${BENCH_SECONDS:-5}
WRK_CONNS=${WRK_CONNS:-32}

# 10,000 idle connections take 10,000 descriptors in the client and twice
# that in HAProxy (both ends).  Where the hard limit cannot be raised (a
# container without CAP_SYS_RESOURCE), the largest count that fits is
# used instead, and said.
bench_fd_limit() {
	local hard
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || return 1
	hard=$(ulimit -n)
	if [ -z "${IDLE_CONNS:-}" ]; then
		IDLE_CONNS=10000
		if [ "$hard" != unlimited ] && [ $((2 * IDLE_CONNS + 300)) -gt "$hard" ]; then
			IDLE_CONNS=$(( (hard - 300) / 2 ))
			echo "bench: open files limited to $hard here: $IDLE_CONNS idle connections instead of 10000" >&2
		fi
	fi
}

# New connections per second with PROXY v2 (not in kernel mode: the limit
# has no proxy to send it): wrk, one thread, Connection: close, so every
# request is a new TCP connection through the proxy.  wrk's latency is
# from writing the request to the end of the response (its own connect
# is not in it, the proxy's connect to the backend is).
measure_conns() {
	local mode=$1 out
	out=$(in_cons taskset -c $LOAD_CPU wrk -t1 -c"$WRK_CONNS" -d"${BENCH_SECONDS}s" --latency \
		-H 'Connection: close' "http://$WEB/" 2>&1) || { echo "$out" >&2; return 1; }
	python3 - "$mode" "$out" <<-'PY'
	import json, re, sys
	mode, out = sys.argv[1], sys.argv[2]
	def ms(v, unit):
	    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
	rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
	lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
	err = re.search(r"Socket errors: (.*)", out)
	non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
	extra = {"errors": err.group(1) if err else "", "non_2xx": int(non2xx.group(1)) if non2xx else 0}
	print(json.dumps({"mode": mode, "metric": "conn_per_s", "value": rps, **extra}))
	print(json.dumps({"mode": mode, "metric": "p50_ms", "value": lat["50"]}))
	print(json.dumps({"mode": mode, "metric": "p99_ms", "value": lat["99"]}))
	PY
}

# Bulk throughput consumer -> backend, PROXY v2 off: iperf3 with 1 or 8
# parallel streams; the figure is what the server received.
measure_bulk() {
	local mode=$1 streams=$2 out
	out=$(in_cons taskset -c $LOAD_CPU iperf3 -c "$BULK_HOST" -p "$BULK_PORT" \
		-t "$BENCH_SECONDS" -P "$streams" -J 2>&1) || { echo "$out" >&2; return 1; }
	python3 - "$mode" "$streams" "$out" <<-'PY'
	import json, sys
	mode, streams, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
	gbit = out["end"]["sum_received"]["bits_per_second"] / 1e9
	print(json.dumps({"mode": mode, "metric": f"bulk_{streams}_gbit", "value": round(gbit, 3)}))
	PY
}

proxy_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status"; }

# Memory per idle proxied connection: the proxy's RSS growth with
# IDLE_CONNS connections open through it (all accepted by the backend),
# divided by IDLE_CONNS.  Kernel mode has no proxy process: not measured.
measure_idle() {
	local mode=$1 before after fifo line i n cpid
	before=$(proxy_rss_kib)
	fifo=$TOPO_DIR/idle.fifo
	rm -f "$fifo" && mkfifo "$fifo"
	# The client holds its connections until its stdin (the fifo) closes;
	# opened read-write first, so neither side blocks in open().
	exec 7<>"$fifo"
	in_cons taskset -c $LOAD_CPU python3 "$BENCH_DIR/idle_client.py" \
		"$IDLE_HOST" "$IDLE_PORT" "$IDLE_CONNS" <"$fifo" >"$TOPO_DIR/idle_client.out" 2>&1 7>&- &
	cpid=$!
	for i in $(seq 600); do
		[ -s "$TOPO_DIR/idle_client.out" ] && break
		sleep 0.1
	done
	line=$(head -n 1 "$TOPO_DIR/idle_client.out")
	for i in $(seq 100); do
		n=$(cat "$IDLE_COUNT" 2>/dev/null || echo 0)
		[ "$n" -ge "$IDLE_CONNS" ] && break
		sleep 0.1
	done
	sleep 1
	after=$(proxy_rss_kib)
	exec 7>&-
	wait "$cpid"
	# Let the proxy and the sink see every close before the next run.
	for i in $(seq 100); do
		[ "$(cat "$IDLE_COUNT" 2>/dev/null || echo 0)" -eq 0 ] && break
		sleep 0.1
	done
	python3 - "$mode" "$before" "$after" "$n" "$line" "$IDLE_CONNS" <<-'PY'
	import json, sys
	mode, before, after, backend, client, want = sys.argv[1:]
	client = json.loads(client) if client.startswith("{") else {"open": 0, "failed": int(want)}
	if client["open"] != int(want) or int(backend) < int(want):
	    print(json.dumps({"mode": mode, "metric": "idle_failed", "client": client, "backend": int(backend)}))
	    sys.exit(1)
	growth = (int(after) - int(before)) * 1024
	print(json.dumps({"mode": mode, "metric": "bytes_per_idle_conn", "value": round(growth / int(want), 1),
	                  "rss_before_kib": int(before), "rss_after_kib": int(after)}))
	PY
}
