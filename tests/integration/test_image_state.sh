#!/bin/bash
# The state disk in the appliance image under QEMU (TCG): what the
# management API changes, and the server key it generates, survive a
# reboot and a power cut.  The API is driven with curl and client
# certificates (tests/lib/mgmt.sh) from the provider namespace.
#   1. bios boot (boot disk vda), the demo's drop with [management] and
#      its CA files on a config drive (vdb), an empty 16 MiB raw disk
#      (vdc): formatted at first boot, labelled PRIVLINK-STATE, the boot
#      disk and config drive not; the generated key is committed to it;
#      an endpoint approved through the API;
#   2. kernel boot, a second empty disk before the state disk: left alone;
#      the same server certificate, the endpoint still Approved, its
#      approval file from the state disk (GET /v1/drops); then a sequence
#      of PUTs, QEMU killed (SIGKILL) in the middle of it;
#   3. the configuration served after the kill is a whole PUT: the last
#      one answered 200 or a later one, never a refused drop;
#   4. the newest slot torn on the host (as a power cut mid-write leaves
#      it): the PUT before it is served; the console's debug-state-put
#      commits through the state disk too.
# Needs `make image` (make test builds it).
. "$(dirname "$0")/../lib/prelude.sh" mgmt.sh qemu image=vmlinuz,initrd,privlink.qcow2
at_exit '[ -n "$putter" ] && kill $putter 2>/dev/null'
BOOT_LIMIT=180		# seconds to the ready line (TCG on a busy machine)
PAD_KB=128		# each PUT of the sequence: 128 KiB of drop file
SEQ_PUTS=12
putter=""

# pe_state: "STATE MESSAGE" of pending-pe, through the API.
pe_state() {
	local out
	out=$(mgmt_curl client /v1/status 2>/dev/null)
	json "$(mgmt_body "$out")" '[(e["state"], e["message"]) for e in r["endpoints"] if e["name"] == "pending-pe"][0]' 2>/dev/null
}
# wait_pe WANT: until pe_state is WANT (the first answers under TCG and
# a reload after a change may take a while); 1 after 60 s.
wait_pe() {
	local i
	for i in $(seq 30); do
		[ "$(pe_state)" = "$1" ] && return 0
		sleep 2
	done
	echo "# pending-pe: $(pe_state), not $1" >&2
	return 1
}
fingerprint() {
	sed -n 's/.*server certificate SHA256:\([0-9A-F:]*\).*/\1/p' "$VM_DIR/serial.log" | tr -d '\r' | head -1
}
# seq_put K: PUT approval-pending-pe.ini with state (K odd: Approved, even:
# Rejected), message "put K" and PAD_KB KiB of comments; the HTTP code.
seq_put() {
	local st=Approved f=$TOPO_DIR/put.ini
	[ $(($1 % 2)) = 0 ] && st=Rejected
	{ printf '[approval pending-pe]\nstate = %s\nmessage = put %d\n' $st "$1"
	  head -c $((PAD_KB * 1024)) /dev/zero | tr '\0' 'p' | fold -w 63 | sed 's/^/;/'; } >"$f"
	mgmt_code "$(mgmt_curl client -X PUT --data-binary @"$f" /v1/drops/approval-pending-pe.ini 2>/dev/null)"
}
want_of() { if [ $(($1 % 2)) = 0 ]; then echo "('Rejected', 'put $1')"; else echo "('Approved', 'put $1')"; fi; }
vm_failed_before=0
vm_console_if_failed() {
	if [ "$tap_failed" -gt "$vm_failed_before" ]; then
		echo "# console of this boot:"
		sed 's/^/#   /; s/\r$//' "$VM_DIR/serial.log"
	fi
	vm_failed_before=$tap_failed
}
# retry N CMD...: CMD until it succeeds, N tries 1 s apart.
retry() {
	local n=$1 i; shift
	for i in $(seq "$n"); do "$@" && return 0; [ "$i" -lt "$n" ] && sleep 1; done
	return 1
}
# boot_ready WHAT BOOT ARGS...: boots, waits for the ready line, trusts the
# certificate by the fingerprint on the console.
boot_ready() {
	local what=$1; shift
	if vm_start "$@" && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
		ok "[$what] boots to the ready line"
	else
		not_ok "[$what] boots to the ready line"
	fi
	fp=$(fingerprint)
	# (not through check: mgmt_trust sets MGMT_CACERT for mgmt_curl.)
	# A few tries: the first connection after a boot under TCG on a busy
	# machine may not be answered in time (seen once after the power cut).
	if retry 10 mgmt_trust "$fp"; then
		ok "[$what] the certificate served is the one whose fingerprint the console shows"
	else
		not_ok "[$what] the certificate served is the one whose fingerprint the console shows"
	fi
}

vm_net_up || { not_ok "namespaces for the VM"; exit 1; }
MGMT=$TOPO_DIR/management
mkdir -p "$MGMT"
mgmt_setup "$MGMT" || { not_ok "test certificates"; exit 1; }
{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf 'debug_commands = on\n'; } \
	>"$MGMT/00-appliance.ini"
vm_config_drive "$TOPO_DIR/config-drive.img" "$MGMT"/*.ini "$MGMT"/*.pem || not_ok "config drive made"
STATE=$TOPO_DIR/state.raw
EXTRA=$TOPO_DIR/extra.raw
qemu-img create -q -f raw "$STATE" 16M && qemu-img create -q -f raw "$EXTRA" 16M ||
	not_ok "raw disks made"
cfg_sum=$(sha256sum <"$TOPO_DIR/config-drive.img")
STATE_DRIVE=(-drive "file=$STATE,format=raw,if=virtio")
CFG_DRIVE=(-drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on")

# --- 1: first boot, an empty state disk.
boot_ready "first boot" bios "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}"
fp1=$fp
check "[first boot] the console says the empty disk /dev/vdc was formatted" \
	grep -q 'state disk: /dev/vdc was empty: formatted as PRIVLINK-STATE' "$VM_DIR/serial.log"
check "[first boot] only it: the boot disk and the config drive are not" \
	test "$(grep -c 'was empty: formatted' "$VM_DIR/serial.log")" = 1
check_eq "[first boot] the disk's sector 0 starts with the label" "$(head -c 14 "$STATE")" "PRIVLINK-STATE"
check "[first boot] the PEM files came from the config drive" \
	grep -q 'drop clients.pem from config drive /dev/vdb' "$VM_DIR/serial.log"
check "[first boot] the generated server key and certificate are committed to the state disk" \
	grep -q 'state disk: state 1 committed to slot A (2 files and deletions' "$VM_DIR/serial.log"
check_eq "[first boot] pending-pe is Pending" "$(pe_state)" "('Pending', '')"
out=$(mgmt_curl client -X POST --data '{"state": "Approved", "message": "through the API"}' \
	/v1/endpoints/pending-pe/approval)
check_eq "[first boot] POST approval Approved: 200" "$(mgmt_code "$out")" 200
check "[first boot] ... committed to the state disk before it applies" \
	grep -q 'state disk: state 2 committed to slot B' "$VM_DIR/serial.log"
check "[first boot] pending-pe is Approved" wait_pe "('Approved', 'through the API')"
check "[first boot] the ACPI power button powers it off" vm_powerdown 60
vm_down
check_eq "[first boot] the config drive is unchanged" "$(sha256sum <"$TOPO_DIR/config-drive.img")" "$cfg_sum"
vm_console_if_failed

# --- 2: kernel boot; an empty disk before the state disk.
boot_ready reboot kernel "${CFG_DRIVE[@]}" -drive "file=$EXTRA,format=raw,if=virtio" "${STATE_DRIVE[@]}"
check_eq "[reboot] the server keeps its certificate (its key is on the state disk)" "$fp" "$fp1"
check "[reboot] the labelled disk (/dev/vdc) is used, the empty /dev/vdb left alone" \
	bash -c "grep -q 'state disk: /dev/vdb is empty: left alone (/dev/vdc is labelled PRIVLINK-STATE)' '$VM_DIR/serial.log' &&
		grep -q 'state disk: /dev/vdc: state 2 from slot B' '$VM_DIR/serial.log' &&
		! grep -q 'formatted' '$VM_DIR/serial.log'"
check "[reboot] pending-pe is still Approved" wait_pe "('Approved', 'through the API')"
out=$(mgmt_curl client /v1/drops)
check "[reboot] GET /v1/drops: approval-pending-pe.ini from the state disk, 30-endpoints.ini from the config drive" \
	json_true "$(mgmt_body "$out")" '(lambda d: d["approval-pending-pe.ini"] == "state-disk" and d["30-endpoints.ini"] == "config-drive")({f["name"]: f["source"] for f in r["drops"]})'
# A sequence of PUTs, each one commit; QEMU killed once two were answered.
: >"$TOPO_DIR/acked"
( for k in $(seq 1 $SEQ_PUTS); do
	[ -e "$TOPO_DIR/stop" ] && break
	echo "$k $(seq_put "$k")" >>"$TOPO_DIR/acked"
  done ) &
putter=$!
for _ in $(seq 300); do
	[ "$(grep -c ' 200$' "$TOPO_DIR/acked")" -ge 2 ] && break
	sleep 0.2
done
kill -KILL "$VM_PID"
# What was answered before the kill; PUT sent+1 was under way.
acked=$(awk '$2 == 200 { k = $1 } END { print k + 0 }' "$TOPO_DIR/acked")
sent=$(wc -l <"$TOPO_DIR/acked")
touch "$TOPO_DIR/stop"
wait "$VM_PID" 2>/dev/null
VM_PID=""
wait $putter 2>/dev/null	# the PUT under way times out (curl --max-time)
putter=""
check "[power cut] QEMU killed (SIGKILL) after PUT $acked of $SEQ_PUTS was answered 200" test "$acked" -ge 2
check "[reboot] the empty disk beside it is still all zero" cmp -s "$EXTRA" <(head -c 16M /dev/zero)
vm_down
vm_console_if_failed

# --- 3: after the power cut.
boot_ready "after the cut" kernel "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}"
for _ in $(seq 30); do st=$(pe_state); [ -n "$st" ] && break; sleep 1; done
k=$(printf '%s' "$st" | sed -n "s/.*'put \([0-9]*\)'.*/\1/p")
check "[after the cut] pending-pe is at PUT ${k:-?}: the last one answered ($acked) or the one under way ($((sent + 1)))" \
	bash -c "[ -n '$k' ] && [ '$k' -ge $acked ] && [ '$k' -le $((sent + 1)) ]"
check_eq "[after the cut] ... and that PUT whole" "$st" "$(want_of "${k:-0}")"
n=$(grep -Eo 'state disk: /dev/vdb: state [0-9]+ from slot' "$VM_DIR/serial.log" | awk '{print $5}')
check "[after the cut] the power button powers it off" vm_powerdown 60
vm_down
vm_console_if_failed

# --- 4: the newest slot torn on the host: its second half from before.
read -r tseq toff tlen <<<"$(python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
slot, a, b = struct.unpack_from("<QQQ", d, 24)
s = [(struct.unpack_from("<Q", d, o + 16)[0], o) for o in (a, b) if d[o:o + 8] == b"PLSTSLOT"]
seq, off = max(s)
plen = struct.unpack_from("<Q", d, off + 24)[0]
print(seq, off + 64 + plen // 2, plen - plen // 2)' "$STATE")"
check "[torn] the newest slot holds the state loaded after the cut (${n:-?})" test "${tseq:-x}" = "${n:-y}"
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(bytes(int(sys.argv[3])))' "$STATE" "$toff" "$tlen"
boot_ready torn kernel "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}"
check "[torn] the console says the torn slot is ignored" \
	grep -qE 'state disk: /dev/vdb: slot [AB]: checksum mismatch .*: ignored' "$VM_DIR/serial.log"
check "[torn] the state before it ($((${n:-1} - 1))) is loaded" \
	grep -q "state disk: /dev/vdb: state $((${n:-1} - 1)) from slot" "$VM_DIR/serial.log"
check "[torn] pending-pe is at the PUT before (put $((${k:-1} - 1)))" wait_pe "$(want_of $((${k:-1} - 1)))"
vm_console debug-state-put pending-pe Approved
check "[torn] the console's debug-state-put commits through the state disk" \
	vm_wait "debug-state-put: pending-pe Approved: state ${n:-?} committed" 60
check "[torn] ... and it applies" wait_pe "('Approved', 'debug-state-put ${n:-?}')"
check "[torn] the power button powers it off" vm_powerdown 60
vm_down
vm_console_if_failed

tap_done
