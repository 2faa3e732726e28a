#!/bin/bash
# Retransmissions that overlap data already received, on a jumbo-MTU
# consumer network: the relay takes the new part only, the stream
# arrives exactly once and intact, and the event loop goes on serving
# (an overlap wider than the first receive buffer once left the relay
# spinning on a zero-length buffer, every tenant frozen).
. "$(dirname "$0")/../lib/prelude.sh" san topo-off ppv2

in_cons ip link set c0 mtu 9000
in_appl ip link set pe0 mtu 9000
start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
raw() { in_cons timeout 30 python3 "$ROOT/tests/lib/overlap_retransmit.py" c0 10.0.0.50 10.0.0.6 443 "$@" 2>&1; }

# Inside the first receive buffer, then across three of them.
out=$(raw 1000 1400 1)
check "an overlap inside the first buffer: the stream arrives once, intact" json_ok "$out"
out=$(raw 3000 4500 2)
check "an overlap across several buffers (3000 of 4500 bytes again): the stream arrives once, intact" json_ok "$out"
check "the event loop still answers ping afterwards" in_cons ping -c 1 -W 2 -q 10.0.0.5
out=$(in_cons timeout 20 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000000 3 2>&1)
check "a new connection still carries data afterwards" json_ok "$out"
check "privlinkd is alive" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
