#!/bin/bash
# The state disk in the appliance image under QEMU (TCG): management-API
# changes survive a reboot and a power cut.  The HTTPS API is not on this
# branch yet: changes go through the console's debug-state-put ([appliance]
# debug_commands = on), which commits an approval drop the way the API
# will (state_disk_persist: the state disk, then the drop directory).
#   1. bios boot (boot disk vda), the demo's drop on a config drive (vdb)
#      and an empty 16 MiB raw disk (vdc): formatted at first boot, labelled
#      PRIVLINK-STATE; the boot disk and config drive are not;
#      debug-state-put approves pending-pe, the reload applies it;
#   2. kernel boot, a second empty disk before the state disk: left alone;
#      pending-pe is still Approved, from the state disk; then a sequence
#      of large commits, QEMU killed (SIGKILL) in the middle of it;
#   3. the state after the kill is a whole commit: the last one the console
#      acknowledged or a later one, never a refused drop;
#   4. the newest slot torn on the host (as a power cut mid-write leaves
#      it): the previous commit is served.
# Needs `make image` (make test builds it).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/topo.sh"
. "$ROOT/qemu/lib.sh"
trap 'vm_down; topo_down' EXIT
BOOT_LIMIT=180		# seconds to the ready line (TCG on a busy machine)
PAD_KB=800		# each commit of the sequence: 800 KiB, many writes
SEQ_CMDS=8

for f in vmlinuz initrd privlink.qcow2; do
	[ -f "$IMAGE_DIR/$f" ] || { not_ok "build/image/$f exists (run make image)"; exit 1; }
done

# vm_status: the JSON status of a new 'status' console command.
vm_status() {
	local n i
	n=$(grep -c '^--- end ---' "$VM_DIR/serial.log")
	vm_console status
	for i in $(seq 150); do
		[ "$(grep -c '^--- end ---' "$VM_DIR/serial.log")" -gt "$n" ] && break
		sleep 0.2
	done
	tr -d '\r' <"$VM_DIR/serial.log" | awk -v n=$((n + 1)) '
		/^--- status ---$/ { k++; if (k == n) { on = 1; next } }
		/^--- end ---$/ { on = 0 }
		on { print }'
}
# ep_state: "STATE MESSAGE" of pending-pe in the status.
ep_state() {
	json "$(vm_status)" '[(e["state"], e["message"]) for e in r["endpoints"] if e["name"] == "pending-pe"][0]'
}
# disk_seq IMG: the sequence numbers in the headers of slots A and B.
disk_seqs() {
	python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
slot, a, b = struct.unpack_from("<QQQ", d, 24)
print(" ".join(str(struct.unpack_from("<Q", d, o + 16)[0]) if d[o:o + 8] == b"PLSTSLOT" else "-" for o in (a, b)))' "$1"
}
vm_failed_before=0
vm_console_if_failed() {
	if [ "$tap_failed" -gt "$vm_failed_before" ]; then
		echo "# console of this boot:"
		sed 's/^/#   /; s/\r$//' "$VM_DIR/serial.log"
	fi
	vm_failed_before=$tap_failed
}

vm_net_up || { not_ok "namespaces for the VM"; exit 1; }
mkdir -p "$TOPO_DIR/st"
{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf 'debug_commands = on\n'; } \
	>"$TOPO_DIR/st/00-appliance.ini"
vm_config_drive "$TOPO_DIR/config-drive.img" "$TOPO_DIR/st/00-appliance.ini" ||
	not_ok "config drive made"
STATE=$TOPO_DIR/state.raw
EXTRA=$TOPO_DIR/extra.raw
qemu-img create -q -f raw "$STATE" 16M && qemu-img create -q -f raw "$EXTRA" 16M ||
	not_ok "raw disks made"
cfg_sum=$(sha256sum <"$TOPO_DIR/config-drive.img")
STATE_DRIVE=(-drive "file=$STATE,format=raw,if=virtio")
CFG_DRIVE=(-drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on")

# --- 1: first boot, an empty state disk.
if vm_start bios "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}" && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[first boot] boots to the ready line with an empty disk attached"
else
	not_ok "[first boot] boots to the ready line with an empty disk attached"
fi
check "[first boot] the console says the empty disk /dev/vdc was formatted" \
	grep -q 'state disk: /dev/vdc was empty: formatted as PRIVLINK-STATE' "$VM_DIR/serial.log"
check "[first boot] only it: the boot disk and the config drive are not" \
	test "$(grep -c 'was empty: formatted' "$VM_DIR/serial.log")" = 1
check_eq "[first boot] the disk's sector 0 starts with the label" \
	"$(head -c 14 "$STATE")" "PRIVLINK-STATE"
check "[first boot] attached" grep -q 'state disk: /dev/vdc attached' "$VM_DIR/serial.log"
check_eq "[first boot] pending-pe is Pending" "$(ep_state)" "('Pending', '')"
vm_console debug-state-put pending-pe Approved
check "[first boot] debug-state-put commits state 1 to the state disk" \
	vm_wait 'debug-state-put: pending-pe Approved: state 1 committed' 60
check "[first boot] the reload applies it" vm_wait 'endpoint pending-pe: Pending -> Approved' 60
check_eq "[first boot] pending-pe is Approved" "$(ep_state)" "('Approved', 'debug-state-put 1')"
check "[first boot] the ACPI power button powers it off" vm_powerdown 60
vm_down
check_eq "[first boot] state 1 is in slot A, slot B unwritten" "$(disk_seqs "$STATE")" "1 -"
check_eq "[first boot] the config drive is unchanged" "$(sha256sum <"$TOPO_DIR/config-drive.img")" "$cfg_sum"
vm_console_if_failed

# --- 2: kernel boot; an empty disk before the state disk.
if vm_start kernel "${CFG_DRIVE[@]}" -drive "file=$EXTRA,format=raw,if=virtio" "${STATE_DRIVE[@]}" &&
    vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[reboot] boots to the ready line"
else
	not_ok "[reboot] boots to the ready line"
fi
check "[reboot] the labelled disk (/dev/vdc) is used, the empty /dev/vdb left alone" \
	bash -c "grep -q 'state disk: /dev/vdb is empty: left alone (/dev/vdc is labelled PRIVLINK-STATE)' '$VM_DIR/serial.log' &&
		grep -q 'state disk: /dev/vdc: state 1 from slot A' '$VM_DIR/serial.log' &&
		! grep -q 'formatted' '$VM_DIR/serial.log'"
check "[reboot] the approval drop comes from the state disk" \
	grep -q 'drop 90-debug-state-pending-pe.ini from the state disk' "$VM_DIR/serial.log"
check_eq "[reboot] pending-pe is still Approved" "$(ep_state)" "('Approved', 'debug-state-put 1')"
# A sequence of large commits, states 2..SEQ_CMDS+1 (even Rejected, odd
# Approved), typed at once; QEMU is killed once the console acknowledged
# the second, while the others are being written.
cmds=""
for s in $(seq 2 $((SEQ_CMDS + 1))); do
	st=Approved; [ $((s % 2)) = 0 ] && st=Rejected
	cmds+="debug-state-put pending-pe $st $PAD_KB"$'\n'
done
printf '%s' "$cmds" | timeout 5 socat -t 1 - "UNIX-CONNECT:$VM_DIR/serial.sock" >/dev/null 2>&1
vm_wait 'debug-state-put: pending-pe [A-Za-z]+: state 3 committed' 120 >/dev/null
kill -KILL "$VM_PID"
wait "$VM_PID" 2>/dev/null
VM_PID=""
acked=$(grep -Eo 'debug-state-put: pending-pe [A-Za-z]+: state [0-9]+ committed' "$VM_DIR/serial.log" |
	awk '{print $5}' | sort -n | tail -1)
check "[power cut] QEMU killed after the console acknowledged state ${acked:-none} of $((SEQ_CMDS + 1))" \
	test "${acked:-0}" -ge 3
echo "# slots after the kill: $(disk_seqs "$STATE")"
check "[reboot] the empty disk beside it is still all zero" cmp -s "$EXTRA" <(head -c 16M /dev/zero)
vm_down
vm_console_if_failed

# --- 3: after the power cut.
if vm_start kernel "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}" && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[after the cut] boots to the ready line (the drop is not refused)"
else
	not_ok "[after the cut] boots to the ready line (the drop is not refused)"
fi
n=$(grep -Eo 'state disk: /dev/vdb: state [0-9]+ from slot' "$VM_DIR/serial.log" | awk '{print $5}')
check "[after the cut] the state loaded ($n) is the last acknowledged ($acked) or later" \
	bash -c "[ -n '$n' ] && [ '$n' -ge '${acked:-99}' ] && [ '$n' -le $((SEQ_CMDS + 1)) ]"
want=Approved; [ $((${n:-0} % 2)) = 0 ] && want=Rejected
check_eq "[after the cut] pending-pe is that whole commit" "$(ep_state)" "('$want', 'debug-state-put ${n:-?}')"
check "[after the cut] the power button powers it off" vm_powerdown 60
vm_down
vm_console_if_failed

# --- 4: the newest slot torn on the host: its second half from before.
newest=$(python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
slot, a, b = struct.unpack_from("<QQQ", d, 24)
s = [(struct.unpack_from("<Q", d, o + 16)[0], o) for o in (a, b) if d[o:o + 8] == b"PLSTSLOT"]
seq, off = max(s)
plen = struct.unpack_from("<Q", d, off + 24)[0]
print(seq, off, off + 64 + plen // 2, plen - plen // 2)' "$STATE")
read -r tseq _ toff tlen <<<"$newest"
check "[torn] the newest slot holds state $n" test "${tseq:-}" = "${n:-x}"
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(bytes(int(sys.argv[3])))' "$STATE" "$toff" "$tlen"
if vm_start kernel "${CFG_DRIVE[@]}" "${STATE_DRIVE[@]}" && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[torn] boots to the ready line"
else
	not_ok "[torn] boots to the ready line"
fi
check "[torn] the console says the torn slot is ignored" \
	grep -qE 'state disk: /dev/vdb: slot [AB]: checksum mismatch .*: ignored' "$VM_DIR/serial.log"
p=$(( ${n:-2} - 1 ))
want=Approved; [ $((p % 2)) = 0 ] && want=Rejected
check "[torn] the previous commit ($p) is loaded" \
	grep -q "state disk: /dev/vdb: state $p from slot" "$VM_DIR/serial.log"
check_eq "[torn] pending-pe is as that commit left it" "$(ep_state)" "('$want', 'debug-state-put $p')"
check "[torn] the power button powers it off" vm_powerdown 60
vm_down
vm_console_if_failed

tap_done
