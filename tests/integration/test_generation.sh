#!/bin/bash
# The status names the running drops: "generation" (1 at start, one up per
# applied reload), "config_digest" (SHA-256 over each drop file's name, a
# NUL and the SHA-256 of its bytes, in name order) and "last_reload".  A
# refused reload (errors, or a NIC's MAC not found) leaves generation and digest.
. "$(dirname "$0")/../lib/prelude.sh" topo drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
printf 'not a drop\n' >"$DROP/README"
# A power cut in the middle of an API batch left its whole journal
# (firmware/state/drop_store.c's format): approve pending-pe, delete README.
python3 - "$DROP" <<'PY'
import hashlib, struct, sys
d = sys.argv[1]
old = open(d + "/40-approvals.ini", "rb").read()
changes = [(b"40-approvals.ini", old + b"\n[approval pending-pe]\nstate = Approved\n"), (b"README", None)]
j = b"PLJRNL01" + struct.pack("<I", len(changes))
for name, data in changes:
    j += (b"W" if data is not None else b"D") + struct.pack("<H", len(name)) + name
    if data is not None:
        j += struct.pack("<I", len(data)) + data
open(d + "/.privlink-journal", "wb").write(j + hashlib.sha256(j).digest())
PY
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
check "at start, the interrupted batch is completed and logged" \
	grep -q "an interrupted batch of changes was completed" "$LOG"
check "its journal is gone, its delete done" sh -c "! test -e '$DROP/.privlink-journal' && ! test -e '$DROP/README'"
check "its write is served: pending-pe is Approved" wait_status 'ep["pending-pe"]["state"] == "Approved"'

# The digest computed apart from privlinkd, from the drop directory.
digest() {
	python3 - "$DROP" <<'PY'
import hashlib, os, sys
d = sys.argv[1]
h = hashlib.sha256()
for n in sorted(os.listdir(d), key=lambda s: s.encode()):
    if n.startswith(".") or not n.lower().endswith(".ini"):
        continue
    h.update(n.encode() + b"\0" + hashlib.sha256(open(os.path.join(d, n), "rb").read()).digest())
print(h.hexdigest())
PY
}
field() { python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$(privlinkd_status)" "$1"; }
refused() { grep -c "keeping the running configuration" "$LOG"; }
wait_count() {	# wait_count FUNC N: until FUNC prints more than N (10 s)
	local i
	for i in $(seq 100); do [ "$($1)" -gt "$2" ] && return 0; sleep 0.1; done
	return 1
}

d1=$(digest)
check_eq "at start: generation 1" "$(field 's["generation"]')" 1
check_eq "at start: config_digest is the digest of the drop files" "$(field 's["config_digest"]')" "$d1"
check_eq "at start: the last reload (the start) is ok, none applied or failed" \
	"$(field '(s["last_reload"]["ok"], s["last_reload"]["applied"], s["last_reload"]["failed"], s["last_reload"]["time"] > 1700000000)')" \
	"(True, 0, 0, True)"

n=$(applied)
printf '\n[approval pending-pe]\nstate = Rejected\n' >>"$DROP/40-approvals.ini"
check "a valid change is applied" wait_count applied "$n"
d2=$(digest)
check_eq "after it: generation 2" "$(field 's["generation"]')" 2
check_eq "after it: config_digest follows the files" "$(field 's["config_digest"]')" "$d2"
check "and differs from the first" test "$d1" != "$d2"
check_eq "after it: last reload ok, one applied" \
	"$(field '(s["last_reload"]["ok"], s["last_reload"]["applied"], s["last_reload"]["failed"])')" \
	"(True, 1, 0)"

n=$(refused)
printf '\n[nic consumer0]\n' >>"$DROP/40-approvals.ini"
check "a drop with errors is refused" wait_count refused "$n"
check_eq "after it: generation and digest stay" \
	"$(field '(s["generation"], s["config_digest"])')" "(2, '$d2')"
check_eq "after it: the last reload failed" \
	"$(field '(s["last_reload"]["ok"], s["last_reload"]["applied"], s["last_reload"]["failed"])')" \
	"(False, 1, 1)"

n=$(refused)
sed -i '/^\[nic consumer0\]$/d' "$DROP/40-approvals.ini"
sed -i 's#^interface = pe0$#mac = 02:de:ad:be:ef:01#' "$DROP/10-nics.ini"
check "a NIC named by a MAC no interface has is refused" wait_count refused "$n"
check "the log says the MAC is not found" grep -q "no interface has MAC 02:de:ad:be:ef:01" "$LOG"
check_eq "after it: generation and digest stay, two failed" \
	"$(field '(s["generation"], s["config_digest"], s["last_reload"]["ok"], s["last_reload"]["failed"])')" \
	"(2, '$d2', False, 2)"

n=$(applied)
sed -i 's#^mac = 02:de:ad:be:ef:01$#interface = pe0#' "$DROP/10-nics.ini"
check "the NICs put back, the drop is applied" wait_count applied "$n"
d3=$(digest)
check_eq "generation 3, the digest of the files, last reload ok" \
	"$(field '(s["generation"], s["config_digest"], s["last_reload"]["ok"])')" "(3, '$d3', True)"
n=$(applied)
kill -HUP "$PRIVLINKD_PID"
check "SIGHUP reloads the same drop" wait_count applied "$n"
check_eq "generation 4, the same digest" \
	"$(field '(s["generation"], s["config_digest"])')" "(4, '$d3')"
check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_eq "privlinkd stops cleanly" "$?" 0
tap_done
