#!/bin/bash
# Tenant A attacks from its consumer network, one attack after another; tenant
# B, on another consumer NIC with the same addresses and the same service,
# keeps working through each: its short connections complete and a 10 MB
# upload arrives sha256-identical every round.  privlinkd is the sanitized
# build: it never stops or reports.  A capture of the provider network shows
# nothing from the appliance but the proxied connections' TCP and ARP.
# The figures (B's success rate and latency under each attack) are make
# bench-tenants' (tests/bench/tenants.sh); here only outcomes are checked.
. "$(dirname "$0")/../lib/prelude.sh" san tenants=64M

for round in "synflood 20" "idle 20" "tiny 6" "ooo 6" "churn 6" "arpflood 6" "spoof 6"; do
	set -- $round
	tenants_round "$1" "$2"
	r=$(tail -1 "$TENANTS_RESULTS")
	check "$1: tenant A's attack ran" json_true "$r" '"unparsed" not in r["attack"]'
	check "$1: tenant B's 10 MB upload arrived intact" json_true "$r" 'r["probe"].get("big_ok")'
	check "$1: tenant B's connections completed (at most 10% failed)" json_true "$r" \
		'r["probe"].get("short_ok", 0) > 0 and r["probe"]["short_failed"] * 10 <= r["probe"]["short_ok"] + r["probe"]["short_failed"]'
	check "$1: privlinkd is alive" privlinkd_alive
	check "$1: both networks get answers again within 30 s after the attack" \
		json_true "$r" 'r["settle_s"] >= 0'
	echo "# $r"
done
tenants_capture_stop
check_eq "the provider network saw nothing from the appliance but proxied TCP and ARP" \
	"$(tenants_capture_foreign | head -5)" ""
check "the capture saw the proxied connections (it worked)" grep -q '"dport": 9000' "$TENANTS_CAPTURE"
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
