#!/bin/bash
# The DNS responder per VLAN (issue 17: "where 802.1Q NICs exist, the
# responder works per VLAN as per NIC"): three consumer VLANs (10, 11, 12)
# on the trunk tr0 behind tests/tools/vlan_switch, each a [nic] with the
# same address 10.0.0.5/24 and the same responder address 10.0.0.53 as the
# untagged consumer0 of the demo drop, each with its own endpoints of the
# service raw (raw.contoso.example).  Real clients (dig over UDP and TCP,
# getent through the VLAN namespace's resolv.conf) in each VLAN get their
# own VLAN's endpoints and nothing of the others'; the Pending VLAN's name
# does not resolve until a drop approves it.  privlinkd runs under ASan
# and UBSan.
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2 drop vlan_topo.sh dns_drop.sh
at_exit vlan_topo_down
DNS=10.0.0.53
DIG="dig @$DNS +time=2 +tries=1"

vlan_topo_up 3 10 || { not_ok "three VLANs (10, 11, 12) on the trunk tr0"; exit 1; }
cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
# vlan_nic VID STATE IP...: the NIC of VLAN VID on tr0 with its responder,
# and an endpoint of service raw at each IP, in STATE.
vlan_nic() {
	local vid=$1 state=$2 ip
	shift 2
	printf '[nic v%s]\ninterface = tr0\nvlan = %s\naddress = 10.0.0.5/24\nrole = consumer\ndns = %s\n\n' \
		"$vid" "$vid" "$DNS"
	for ip in "$@"; do
		printf '[endpoint v%s-%s]\nnic = v%s\nip = %s\nservice = raw\nlink_id = %s\n\n' \
			"$vid" "${ip##*.}" "$vid" "$ip" "$((vid * 256 + ${ip##*.}))"
		printf '[approval v%s-%s]\nstate = %s\n\n' "$vid" "${ip##*.}" "$state"
	done
}
vlan_nic 10 Approved 10.0.0.11 10.0.0.12 >"$DROP/50-v10.ini"
vlan_nic 11 Approved 10.0.0.21 >"$DROP/51-v11.ini"
vlan_nic 12 Pending 10.0.0.31 >"$DROP/52-v12.ini"
out=$("$PRIVLINKD" -t -c "$DROP" 2>&1)
check_eq "privlinkd -t: a responder on the untagged NIC and on three VLANs, one address" \
	"$(tail -n 1 <<<"$out")" "configuration OK"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
ok "privlinkd starts"

check_eq "VLAN 10: raw.contoso.example is its own two endpoints" \
	"$(a_of in_vlan 10 $DIG raw.contoso.example A)" "10.0.0.11 10.0.0.12"
check_eq "VLAN 11: the same name is its own endpoint" \
	"$(a_of in_vlan 11 $DIG raw.contoso.example A)" "10.0.0.21"
check_eq "VLAN 11 over TCP: the same" \
	"$(a_of in_vlan 11 $DIG +tcp raw.contoso.example A)" "10.0.0.21"
check_eq "the untagged consumer0 (same addresses): its own endpoint" \
	"$(a_of in_cons $DIG raw.contoso.example A)" "10.0.0.6"
check_eq "VLAN 10: web, a service with no endpoint on the VLAN, is NXDOMAIN (consumer0's is not seen)" \
	"$(status_of in_vlan 10 $DIG web.contoso.example A)" NXDOMAIN
check_eq "VLAN 12: its Pending endpoint's name does not resolve (NXDOMAIN)" \
	"$(status_of in_vlan 12 $DIG raw.contoso.example A)" NXDOMAIN

mkdir -p "/etc/netns/$P-v11"
at_exit "rm -rf /etc/netns/$P-v11"
echo "nameserver $DNS" >"/etc/netns/$P-v11/resolv.conf"
check_eq "VLAN 11: getent hosts through its resolv.conf" \
	"$(in_vlan 11 getent hosts raw.contoso.example | tr -s ' ')" "10.0.0.21 raw.contoso.example"

n=$(applied)
sed -i 's/^state = Pending/state = Approved/' "$DROP/52-v12.ini"
check "VLAN 12's approval is applied" wait_applied "$n"
check_eq "VLAN 12 approved: the name resolves to its endpoint, no restart" \
	"$(a_of in_vlan 12 $DIG raw.contoso.example A)" "10.0.0.31"
check_eq "VLAN 10 unchanged by VLAN 12's approval" \
	"$(a_of in_vlan 10 $DIG raw.contoso.example A)" "10.0.0.11 10.0.0.12"
check "VLAN 12: the endpoint the name gives answers ping" in_vlan 12 ping -c 1 -W 2 -q 10.0.0.31

check_eq "each VLAN's responder counted its own queries" \
	"$(privlinkd_status | python3 -c '
import json, sys
nic = {n["name"]: n for n in json.load(sys.stdin)["nics"]}
print([nic[v]["dns"]["queries_udp"] > 0 and nic[v]["dns"]["running"] for v in ("v10", "v11", "v12")])')" \
	"[True, True, True]"
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
