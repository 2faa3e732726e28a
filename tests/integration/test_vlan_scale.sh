#!/bin/bash
# 1,000 endpoints over 200 consumer VLANs on one trunk (issue 16): five per
# VLAN (10.0.0.10-14, link id VID * 256 + last byte) behind
# tests/tools/vlan_switch, as in test_vlan.sh.  The drop validates
# (privlinkd -t, its time printed), privlinkd serves one endpoint of every
# VLAN and all five of three VLANs at once; a drop of 4,097 addresses is
# refused by privlinkd -t with file:line and the limit, and by a reload
# with the same message while the running 1,000 serve on; 4,096 pass
# privlinkd -t and a reload, and the new endpoints serve.  254 NICs pass
# privlinkd -t, 255 are refused.
. "$(dirname "$0")/../lib/prelude.sh" topo ppv2 drop vlan_topo.sh
at_exit vlan_topo_down
FIRST=100 LAST=299 NV=200
FIVE=10.0.0.10,10.0.0.11,10.0.0.12,10.0.0.13,10.0.0.14
NBYTES=16384
LIB=$ROOT/tests/lib
APPL_INI=$ROOT/config/examples/demo/00-appliance.ini
now_ms() { echo $(($(date +%s%N) / 1000000)); }

vlan_topo_up $NV $FIRST || { not_ok "VLANs $FIRST-$LAST up on the trunk tr0"; exit 1; }
python3 "$LIB/vlan_drop.py" "$DROP" $FIRST $NV --ips $FIVE --appliance "$APPL_INI" ||
	{ not_ok "the drop is written"; exit 1; }
check_eq "the drop holds 200 VLAN NICs and 1,000 endpoints" \
	"$(grep -c '^vlan = ' "$DROP/10-nics.ini") $(grep -c '^\[endpoint ' "$DROP/30-endpoints.ini")" "200 1000"
t0=$(now_ms)
out=$("$PRIVLINKD" -t -c "$DROP" 2>&1)
rc=$?
echo "# privlinkd -t: $(($(now_ms) - t0)) ms (200 VLAN NICs, 1,000 endpoints)"
check_eq "privlinkd -t: 1,000 endpoints on 200 VLANs are valid" "$rc $(tail -n 1 <<<"$out")" "0 configuration OK"

# 4,097 addresses: the 201 NICs' own, 19 endpoints on each VLAN
# (10.0.0.10-28, the running five among them, unchanged) and 96 more on
# VLAN 100; one fewer is 4,096, the most there may be.
BIG=$TOPO_DIR/big
extra=()
for i in $(seq 100 195); do extra+=(--extra "$FIRST:10.0.0.$i"); done
python3 "$LIB/vlan_drop.py" "$BIG" $FIRST $NV --ips "$(seq -s, -f '10.0.0.%g' 10 28)" "${extra[@]}" \
	--appliance "$APPL_INI" || { not_ok "the drop of 4,097 addresses is written"; exit 1; }
MAX=$TOPO_DIR/max
python3 "$LIB/vlan_drop.py" "$MAX" $FIRST $NV --ips "$(seq -s, -f '10.0.0.%g' 10 28)" "${extra[@]:0:190}" \
	--appliance "$APPL_INI" || { not_ok "the drop of 4,096 addresses is written"; exit 1; }
out=$("$PRIVLINKD" -t -c "$MAX" 2>&1)
check_eq "privlinkd -t: 4,096 addresses (201 NICs, 3,895 endpoints) are valid" "$?" 0
out=$("$PRIVLINKD" -t -c "$BIG" 2>&1)
rc=$?
ERR_RE="^$BIG/30-endpoints\.ini:[0-9]+: \[endpoint e$FIRST-195\] ip: .*more than 4096 addresses.*'10\.0\.0\.195'\$"
check_eq "privlinkd -t: 4,097 addresses are refused (exit 1, one error)" "$rc $(tail -n 1 <<<"$out")" \
	"1 privlinkd: $BIG: 1 error"
check "with file:line, the endpoint, the limit and the address" grep -Eq "$ERR_RE" <<<"$out"
printf '# %s\n' "$(head -n 1 <<<"$out")"

# NICs: 254 at most (VLANs and interfaces together); the 255th is refused.
python3 "$LIB/vlan_drop.py" "$TOPO_DIR/nics255" $FIRST 254 --appliance "$APPL_INI" &&
	python3 "$LIB/vlan_drop.py" "$TOPO_DIR/nics254" $FIRST 253 --appliance "$APPL_INI" ||
	not_ok "the drops of 254 and 255 NICs are written"
check "privlinkd -t: 254 NICs (253 VLANs and the provider NIC) are valid" "$PRIVLINKD" -t -c "$TOPO_DIR/nics254"
out=$("$PRIVLINKD" -t -c "$TOPO_DIR/nics255" 2>&1)
check "privlinkd -t: the 255th NIC is refused with file:line" \
	grep -Eq "^$TOPO_DIR/nics255/10-nics\.ini:[0-9]+: \[nic c353\]: too many \[nic\] sections \(at most 254\)\$" <<<"$out"

start_privlinkd "$DROP" || { not_ok "privlinkd starts with 1,000 endpoints"; exit 1; }
ok "privlinkd starts with 1,000 endpoints on 200 VLANs"
LOG=$TOPO_DIR/privlinkd.log
st() { privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"; }
check_eq "all 1,000 listen, Approved, on their VLAN's NIC" \
	"$(st 'sum(1 for e in s["endpoints"] if e["listening"] and e["state"] == "Approved" and e["nic"] == "c" + e["name"][1:4])')" 1000

JOBS=$TOPO_DIR/jobs
{
	# One endpoint of every VLAN, each VLAN another of its five ...
	for v in $(seq $FIRST $LAST); do echo "$P-v$v 10.0.0.$((10 + v % 5)) 443 $((40000 + v)) $v"; done
	# ... and all five of VLANs 100, 200 and 299.
	i=0
	for v in $FIRST 200 $LAST; do
		for k in 10 11 12 13 14; do
			echo "$P-v$v 10.0.0.$k 443 $((41000 + i)) $((1000 + i))"
			i=$((i + 1))
		done
	done
} >"$JOBS"
# served JOBS: the clients of JOBS at once, then the backend's records of
# them: each with its VLAN's link id and the job's source port.
served() {
	local jobs=$1 n res
	n=$(wc -l <"$PPV2_LOG")
	res=$(python3 "$LIB/vlan_clients.py" "$jobs" $NBYTES 2>&1 | tail -n 1)
	for i in $(seq 50); do [ "$(wc -l <"$PPV2_LOG")" -ge $((n + $(wc -l <"$jobs"))) ] && break; sleep 0.1; done
	python3 - "$jobs" "$PPV2_LOG" "$n" "$res" <<-'PY'
	import json, sys
	jobs = [l.split() for l in open(sys.argv[1]) if l.strip()]
	recs = [json.loads(l) for l in open(sys.argv[2])][int(sys.argv[3]):]
	want = sorted((int(j[0].rsplit("-v", 1)[1]) * 256 + int(j[1].rsplit(".", 1)[1]), int(j[3])) for j in jobs)
	got = sorted((r.get("link_id"), r.get("sport")) for r in recs
	             if r.get("src") == "10.0.0.7" and not r.get("error"))
	res = json.loads(sys.argv[4])
	print("clients ok %d of %d, backend records match: %s" % (res["ok"], len(jobs), got == want))
	if res["failed"]:
	    print(res["failed"][:3])
	PY
}
check_eq "215 connections at once (one endpoint of each VLAN, all five of 3): each link id and source right" \
	"$(served "$JOBS")" "clients ok 215 of 215, backend records match: True"

# The drop of 4,097 addresses given to the running privlinkd: refused with
# the same message, nothing applied, and the 1,000 serve on.
gen0=$(st 's["generation"]')
refused() { grep -c "keeping the running configuration" "$LOG"; }
r0=$(refused)
cp "$BIG/30-endpoints.ini" "$DROP/.30-endpoints.ini.new"
mv "$DROP/.30-endpoints.ini.new" "$DROP/30-endpoints.ini"
for i in $(seq 100); do [ "$(refused)" -gt "$r0" ] && break; sleep 0.1; done
check "the reload of 4,097 addresses is refused" test "$(refused)" -gt "$r0"
RELOAD_RE="${ERR_RE#^}"
RELOAD_RE="${RELOAD_RE//$BIG/$DROP}"
check "with the same file:line message in the log" grep -Eq "$RELOAD_RE" "$LOG"
check_eq "nothing applied: the generation stays, last_reload failed, still 1,000 endpoints" \
	"$(st '(s["generation"], s["last_reload"]["ok"], s["last_reload"]["failed"], len(s["endpoints"]))')" \
	"($gen0, False, 1, 1000)"
# New source ports: the first round's are in TIME_WAIT on the consumers.
awk 'NR % 40 == 1 { $4 += 500; print }' "$JOBS" >"$TOPO_DIR/jobs2"
check_eq "after the refusal, a sample of the 1,000 still serves" \
	"$(served "$TOPO_DIR/jobs2")" "clients ok $(wc -l <"$TOPO_DIR/jobs2") of $(wc -l <"$TOPO_DIR/jobs2"), backend records match: True"

# The drop of 4,096 addresses is applied: the running 1,000 kept, 2,895
# more endpoints, the last of VLAN 100's and of VLAN 299's among them.
a0=$(applied)
cp "$MAX/30-endpoints.ini" "$DROP/.30-endpoints.ini.new"
mv "$DROP/.30-endpoints.ini.new" "$DROP/30-endpoints.ini"
for i in $(seq 100); do [ "$(applied)" -gt "$a0" ] && break; sleep 0.1; done
check "the reload to 4,096 addresses is applied, the 1,000 running endpoints kept" \
	grep -q "reload: configuration applied: 3895 endpoints, 1000 kept running" "$LOG"
check_eq "3,895 endpoints listen" "$(st 'sum(1 for e in s["endpoints"] if e["listening"])')" 3895
printf '%s\n' "$P-v$FIRST 10.0.0.194 443 41900 7" "$P-v$LAST 10.0.0.28 443 41901 8" \
	"$P-v200 10.0.0.19 443 41902 9" >"$TOPO_DIR/jobs3"
check_eq "new endpoints serve: VLAN $FIRST's 10.0.0.194, VLAN $LAST's 10.0.0.28, VLAN 200's 10.0.0.19" \
	"$(served "$TOPO_DIR/jobs3")" "clients ok 3 of 3, backend records match: True"

check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
