#!/bin/bash
# A connection closed on both sides while the appliance's data to the
# consumer is still unacknowledged: lwIP goes on sending it after the
# relay has let the connection go and freed what it received, so what
# lwIP retransmits must be its own (a relay writing by reference must
# make its segments copies before it lets go).  A raw consumer takes the
# backend's answer and FIN without acknowledging them, then checks the
# retransmission against the backend's bytes.  At the sanitized daemon
# (ASan+UBSan): a segment still pointing into a freed pbuf is a report.
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2
# Within lwIP's initial congestion window (4380 bytes at an MSS of 1460):
# all of it leaves unacknowledged, in three segments, before the FIN.
NBYTES=4000

start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
raw() { in_cons timeout 40 python3 "$ROOT/tests/lib/close_retransmit.py" c0 10.0.0.50 10.0.0.6 443 "$@" 2>&1; }

for seed in 1 2; do
	out=$(raw $NBYTES $seed)
	check "[$seed] the backend's $NBYTES bytes and FIN arrive unacknowledged, intact ($out)" \
		json_true "$out" 'r.get("first_pass_intact") and not r.get("reset")'
	check "[$seed] after the close their retransmission is the backend's bytes" \
		json_true "$out" 'r.get("retransmission_intact")'
done
check "both connections ended closed, none reset" \
	wait_status 'ep["raw-pe"]["live_connections"] == 0 and ep["raw-pe"]["ended"]["closed"] == 2 and sum(ep["raw-pe"]["ended"].values()) == 2'
out=$(in_cons timeout 20 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000000 3 2>&1)
check "a new connection still carries data afterwards" json_ok "$out"
check "privlinkd is alive" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
