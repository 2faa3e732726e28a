#!/bin/bash
# Names (DNS) without a network: privlinkd -t -z exports each consumer
# NIC's zones, and they load in real authoritative servers' checkers
# (nsd-checkzone, kzonecheck); two overlapping consumer networks get the
# same name with each one's own endpoint; a bad drop is refused with its
# message; and the responder's answers (tests/tools/dns_answer, the same
# dns_answer() on the host) parse in dnspython as the RFCs say.
. "$(dirname "$0")/../lib/prelude.sh"
cd "$ROOT"
TOOL=$ROOT/build/tools/dns_answer
[ -x "$TOOL" ] || prelude_fail "build/tools/dns_answer is built (make test-tools)"
WORK=$(mktemp -d)
at_exit 'rm -rf "$WORK"'
DROP=$WORK/drop OUT=$WORK/zones
mkdir -p "$DROP" "$OUT"
cp config/examples/demo/*.ini "$DROP/"
# A second consumer network with the same subnet (overlapping) and zone
# given explicitly; a service with 40 endpoints; a wildcard name (in mixed
# case with a final dot: stored in lower case without it).
{
	printf '[nic consumer1]\ninterface = pe1\naddress = 10.0.0.5/24\nrole = consumer\n'
	printf 'dns = 10.0.0.53\ndns_zone = contoso.example\ndns_ttl = 1m\n\n'
	printf '[endpoint web-c1]\nnic = consumer1\nip = 10.0.0.21\nservice = web\nlink_id = 21\n\n'
	printf '[approval web-c1]\nstate = Approved\n\n'
	printf '[service big]\nfrontend_port = 80\nbackend = 192.168.10.11:8080\n'
	printf 'nat_ip = 192.168.10.201\nfqdn = big.contoso.example\n\n'
	printf '[service apps]\nfrontend_port = 81\nbackend = 192.168.10.11:8081\n'
	printf 'nat_ip = 192.168.10.201\nfqdn = *.APPS.Contoso.example.\n\n'
	printf '[endpoint apps-pe]\nnic = consumer0\nip = 10.0.0.7\nservice = apps\nlink_id = 7\n\n'
	printf '[approval apps-pe]\nstate = Approved\n\n'
	for i in $(seq 1 40); do
		printf '[endpoint big-%s]\nnic = consumer0\nip = 10.0.2.%s\nservice = big\nlink_id = %s\n' \
			"$i" "$((i + 1))" "$((1000 + i))"
		printf '[approval big-%s]\nstate = Approved\n\n' "$i"
	done
} >"$DROP/60-dns.ini"
sed -i 's#^address = 10.0.0.5/24#address = 10.0.0.5/16#' "$DROP/10-nics.ini"

out=$("$PRIVLINKD" -t -z "$OUT" -c "$DROP" 2>&1)
check_eq "privlinkd -t -z exits 0" "$?" 0
check_eq "privlinkd -t -z names each zone file, then configuration OK" \
	"$(printf '%s\n' "$out" | grep -E '^nic |^configuration')" \
	"nic consumer0: zone contoso.example: $OUT/consumer0.contoso.example.zone
nic consumer0: zone apps.contoso.example: $OUT/consumer0.apps.contoso.example.zone
nic consumer1: zone contoso.example: $OUT/consumer1.contoso.example.zone
configuration OK"

for f in "$OUT"/*.zone; do
	name=${f##*/}
	zone=${name#*.}
	zone=${zone%.zone}
	check "$name loads in nsd-checkzone" nsd-checkzone "$zone" "$f"
	if command -v kzonecheck >/dev/null; then
		check "$name loads in kzonecheck" kzonecheck -o "$zone" "$f"
	fi
done
z0=$OUT/consumer0.contoso.example.zone z1=$OUT/consumer1.contoso.example.zone
check_eq "consumer0: web is its own endpoint" "$(grep '^web\.' "$z0")" \
	"$(printf 'web.contoso.example.\tIN\tA\t10.0.0.5')"
check_eq "consumer1 (same subnet): web is its own endpoint" "$(grep '^web\.' "$z1")" \
	"$(printf 'web.contoso.example.\tIN\tA\t10.0.0.21')"
check_eq "consumer0: big has 40 addresses" "$(grep -c '^big\.' "$z0")" 40
check_eq "consumer0: the wildcard, in its parent zone apps.contoso.example (no dns_zone =)" \
	"$(grep '^\*\.' "$OUT/consumer0.apps.contoso.example.zone")" \
	"$(printf '*.apps.contoso.example.\tIN\tA\t10.0.0.7')"
check_eq "consumer0: raw's Pending and Rejected endpoints left out" \
	"$(grep -c '10.0.0.8$\|10.0.0.9$' "$z0")" 0
check_eq "consumer1: TTL 1m" "$(grep '^\$TTL' "$z1")" '$TTL 60'
check_eq "consumer1: no name of a service without an endpoint there" "$(grep -c '^big\.\|^raw\.' "$z1")" 0
serial=$(awk '$3 == "SOA" { print $6 }' "$z0")
now=$(date +%s)
if [ "$serial" -le "$now" ] && [ "$serial" -gt $((now - 60)) ]; then
	ok "the SOA serial is the time of the export"
else
	not_ok "the SOA serial is the time of the export" "serial $serial, now $now"
fi

rm -rf "$OUT"
"$PRIVLINKD" -t -z "$OUT" -c "$DROP" >/dev/null 2>"$WORK/err"
check_eq "a missing output directory: exit status 1" "$?" 1
check_eq "a missing output directory: named with the reason" "$(cat "$WORK/err")" \
	"privlinkd: $OUT/consumer0.contoso.example.zone: No such file or directory"

bad=tests/drops/bad/dns-zones
got=$("$PRIVLINKD" -t -z "$WORK" -c "$bad" 2>&1 >/dev/null | head -n 1)
check_eq "a bad drop: refused with its file:line message, no zone written" \
	"$got $(ls "$WORK"/*.zone 2>/dev/null | wc -l)" \
	"$bad/10-all.ini:25: [service web] fqdn: outside every dns_zone of [nic consumer0], where the service has an endpoint: it could never be answered 'web.fabrikam.example' 0"

# dnspython makes the queries and parses the answers.
checks=0
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "dnspython: ${line#PASS }"; checks=$((checks + 1)) ;;
	"FAIL "*) not_ok "dnspython: ${line#FAIL }" ;;
	*) not_ok "dnspython: unexpected output" "$line" ;;
	esac
done < <(/usr/bin/python3 tests/tools/dns_check.py "$TOOL" "$DROP" consumer0 2>&1)
[ "$checks" -ge 20 ] && ok "dnspython: all $checks checks ran" || not_ok "dnspython: only $checks checks passed"
tap_done
