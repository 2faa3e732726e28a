#!/bin/bash
# A consumer link that loses frames at random (a bridge, iptables'
# statistic match: this kernel has no netem): downloads and uploads
# through the appliance arrive intact, the appliance's own sending repairs
# losses from the consumer's SACKs (netstack/ns_tcp_sack.c) and the
# consumer's from the appliance's, and nothing trips the sanitizers.
# Speed over loss is a benchmark figure (make bench), not asserted here.
. "$(dirname "$0")/../lib/prelude.sh" san loss_link.sh topo ppv2
at_exit loss_link_down
LOSS_PCT=3
BYTES=2000000

loss_link_up || { not_ok "the lossy consumer link is up (br_netfilter, iptables)"; exit 1; }
start_privlinkd "$ROOT/config/examples/demo" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
loss_set "$LOSS_PCT" || { not_ok "iptables drops $LOSS_PCT % each way"; exit 1; }

out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" source 10.0.0.6 443 "$BYTES" 7 2>&1)
check "$BYTES bytes backend->consumer over $LOSS_PCT % loss arrive intact" json_ok "$out"
out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 "$BYTES" 8 2>&1)
check "$BYTES bytes consumer->backend over $LOSS_PCT % loss arrive intact" json_ok "$out"
counts=$(loss_counts)
echo "# the bridge: $counts"
check "the link really lost frames both ways" json_true "$counts" \
	'r["dropped_up"] > 0 and r["dropped_down"] > 0'
status=$(privlinkd_status) || { not_ok "status written"; exit 1; }
check "the appliance sent lost segments again from the consumer's SACKs" \
	json_true "$status" 'r["tcp"]["sack_retransmits"] > 0 and r["tcp"]["sack_recoveries"] > 0'
loss_set 0
out=$(in_cons timeout 30 python3 "$ROOT/tests/lib/ppv2_client.py" both 10.0.0.6 443 1000000 9 2>&1)
check "with the loss gone, 1 MB each way at once arrives intact" json_ok "$out"
check "privlinkd is alive" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
