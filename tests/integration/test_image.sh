#!/bin/bash
# The appliance image under QEMU (TCG).  The image has no drop of its own:
# each boot gets the demo's drop (qemu/lib.sh vm_demo_drop) from its config
# drive or fw_cfg.  Boots:
#   A. the qcow2 disk under SeaBIOS, drops from a config drive: ping, curl
#      to a real nginx (PROXY v2 source), 10 MB each way sha256-identical,
#      the config drive's link id in the TLV, a Pending endpoint carries
#      nothing, the ACPI power button powers it off cleanly;
#   B. the qcow2 disk under OVMF (UEFI), drops from QEMU fw_cfg; ctrl-alt-del
#      stops it cleanly and powers it off;
#   C. kernel + initrd (qemu -kernel) with a bad drop on the config drive:
#      it stays up, prints file:line errors and serves nothing;
#   D, E. the config drive behind virtio-scsi and on IDE;
#   F. a drop file with a refused name on the config drive: the whole drop
#      is refused, nothing served;
#   G. no config drive, no fw_cfg: nothing served (no built-in drop).
# Before that, without a VM: the initramfs holds privlinkd and modules only
# (no drop), the fixed VHD and the qcow2 are what they claim.
# Needs `make image` (make test builds it).
. "$(dirname "$0")/../lib/prelude.sh" qemu image=vmlinuz,initrd,privlink.raw,privlink.qcow2,privlink.vhd
MB10=10485760
BOOT_LIMIT=180		# seconds to the ready line (TCG on a busy machine)

# An endpoints file like the example's, with raw-pe's link id set to $2.
endpoints_with_link_id() {
	sed "s/^link_id = 305419896$/link_id = $2/" "$ROOT/config/examples/demo/30-endpoints.ini" > "$1"
	grep -q "^link_id = $2$" "$1"
}

# --- the initramfs: privlinkd and modules; nothing else, no drop above
# all (the image serves only what its operator gives it).
list=$(zcat "$IMAGE_DIR/initrd" | cpio -t --quiet 2>&1)
others=$(printf '%s\n' "$list" | grep -vxE 'init|lib|lib/modules|lib/modules/[a-z0-9_]+\.ko|lib/modules/modules\.dep')
check_eq "initramfs holds only init, lib/modules/*.ko and modules.dep" "$others" ""
check_eq "initramfs holds no drop: no etc/privlink, no *.ini, no secret" \
	"$(printf '%s\n' "$list" | grep -E '^etc(/|$)|\.ini$')$(zcat "$IMAGE_DIR/initrd" | grep -ac '^secret = ')" "0"
check_eq "initramfs holds virtio_net, virtio_pci, virtio_blk, vfat, qemu_fw_cfg" \
	"$(printf '%s\n' "$list" | grep -cxE 'lib/modules/(virtio_net|virtio_pci|virtio_blk|vfat|qemu_fw_cfg)\.ko')" 5
tmp=$(mktemp -d "/tmp/$P-initrd.XXXXXX")
(cd "$tmp" && zcat "$IMAGE_DIR/initrd" | cpio -id --quiet init)
check "initramfs /init is privlinkd (a static binary that checks the example drop)" \
	bash -c "file '$tmp/init' | grep -q 'statically linked' && '$tmp/init' -t -c '$ROOT/config/examples/demo' | grep -qx 'configuration OK'"
rm -rf "$tmp"

# --- the kernel pin (image/kernel.lock): a .deb that does not match the
# lock is refused; a pinned ABI gone from the archive gives way, loudly, to
# the newest of the same series only.
ktmp=$(mktemp -d "/tmp/$P-kernel.XXXXXX")
sed 's/^sha256 .*/sha256   0000000000000000000000000000000000000000000000000000000000000000/' \
	"$ROOT/image/kernel.lock" > "$ktmp/tampered.lock"
PRIVLINK_KERNEL_LOCK=$ktmp/tampered.lock "$ROOT/image/kernel.sh" "$ktmp/out" >"$ktmp/log" 2>&1
rc=$?
check "kernel: a .deb whose sha256 differs from the lock is refused" \
	bash -c "[ $rc = 1 ] && grep -q 'does not match the lock' '$ktmp/log' && ! [ -e '$ktmp/out/kernel.env' ]"
sed 's/^package .*/package  linux-image-6.1.0-1-cloud-amd64/; s/^version .*/version  6.1.4-1/' \
	"$ROOT/image/kernel.lock" > "$ktmp/gone.lock"
PRIVLINK_KERNEL_LOCK=$ktmp/gone.lock "$ROOT/image/kernel.sh" "$ktmp/out" >"$ktmp/log" 2>&1
rc=$?
check "kernel: a pinned ABI gone from the archive: the newest 6.1 is used with a WARNING" \
	bash -c "[ $rc = 0 ] && grep -q 'WARNING: using linux-image-6\.1\.0-[0-9]*-cloud-amd64' '$ktmp/log' &&
		grep -q '^KVER=6\.1\.0-[0-9]*-cloud-amd64$' '$ktmp/out/kernel.env'"
[ $rc = 0 ] || sed 's/^/#   /' "$ktmp/log"
sed 's/^series .*/series   5.10/; s/^package .*/package  linux-image-5.10.0-1-cloud-amd64/' \
	"$ROOT/image/kernel.lock" > "$ktmp/series.lock"
PRIVLINK_KERNEL_LOCK=$ktmp/series.lock "$ROOT/image/kernel.sh" "$ktmp/out2" >"$ktmp/log" 2>&1
rc=$?
check "kernel: a kernel of another series is refused" \
	bash -c "[ $rc = 1 ] && grep -q 'not of the pinned series 5.10' '$ktmp/log'"
rm -rf "$ktmp"

# --- the disk formats.
info=$(qemu-img info -f vpc --output=json "$IMAGE_DIR/privlink.vhd")
check "the VHD is recognised as vpc with a virtual size that is a multiple of 1 MiB" \
	json_true "$info" 'r["format"] == "vpc" and r["virtual-size"] > 0 and r["virtual-size"] % 1048576 == 0'
check_eq "the VHD is fixed: raw disk + 512-byte footer 'conectix'" \
	"$(( $(stat -c %s "$IMAGE_DIR/privlink.vhd") - $(stat -c %s "$IMAGE_DIR/privlink.raw") )) $(tail -c 512 "$IMAGE_DIR/privlink.vhd" | head -c 8)" \
	"512 conectix"
info=$(qemu-img info --output=json "$IMAGE_DIR/privlink.qcow2")
check "the qcow2 is qcow2 of the raw disk's size" \
	json_true "$info" "r['format'] == 'qcow2' and r['virtual-size'] == $(stat -c %s "$IMAGE_DIR/privlink.raw")"

# After a boot with failures, its whole console goes into the output.
vm_failed_before=0
vm_console_if_failed() {
	if [ "$tap_failed" -gt "$vm_failed_before" ]; then
		echo "# console of this boot:"
		sed 's/^/#   /; s/\r$//' "$VM_DIR/serial.log"
	fi
	vm_failed_before=$tap_failed
}

# --- A: qcow2 under SeaBIOS, drops from a config drive.
vm_failed_before=$tap_failed
vm_net_up || { not_ok "namespaces for the VM"; exit 1; }
endpoints_with_link_id "$TOPO_DIR/30-endpoints.ini" 0x0c0d0001 || not_ok "config drive drop made"
vm_config_drive "$TOPO_DIR/config-drive.img" "$TOPO_DIR/30-endpoints.ini" ||
	not_ok "config drive made"
if vm_start bios -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on" &&
    vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[bios] the qcow2 boots under SeaBIOS to the ready line ($(echo "$(date +%s.%N) - $VM_STARTED" | bc | cut -c1-5) s)"
else
	not_ok "[bios] the qcow2 boots under SeaBIOS to the ready line"
fi
# The backends listen on the provider tap's address (there once QEMU runs);
# they keep listening across the later boots.
start_nginx || { not_ok "nginx starts"; exit 1; }
start_ppv2_backend || { not_ok "PROXY v2 backend starts"; exit 1; }
check "[bios] 30-endpoints.ini came from the config drive" \
	grep -qE 'drop 30-endpoints.ini from config drive /dev/vd' "$VM_DIR/serial.log"
check "[bios] NICs found by MAC" grep -q 'nic provider0: MAC 52:54:00:12:34:02 is eth' "$VM_DIR/serial.log"
# The first answer may take a while when TCG shares the machine: 30 s at most.
for i in $(seq 15); do in_cons ping -c 1 -W 2 -q 10.0.0.5 >/dev/null 2>&1 && break; done
if [ "$i" -lt 15 ] || in_cons ping -c 1 -W 2 -q 10.0.0.5 >/dev/null 2>&1; then
	ok "[bios] ping of the private endpoint 10.0.0.5"
else
	not_ok "[bios] ping of the private endpoint 10.0.0.5"
	{ in_cons ip -s link show c0; in_cons ip neigh; } 2>&1 | sed 's/^/#   /'
fi
body=$(in_cons curl -sS --max-time 20 --local-port 40123 http://10.0.0.5:443/ 2>&1)
check_eq "[bios] curl through 10.0.0.5:443 gets nginx's PROXY v2 source" "$body" "10.0.0.7:40123"
for _ in $(seq 20); do grep -q " 40123$" "$NGINX_LOG" && break; sleep 0.1; done
check_eq "[bios] nginx saw the NAT IP as peer, PROXY v2 source 10.0.0.7:40123" \
	"$(tail -n 1 "$NGINX_LOG" | awk '{print $1, $3, $4}')" "192.168.10.201 10.0.0.7 40123"
n=$(wc -l <"$PPV2_LOG")
out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 $MB10 1 40200 2>&1)
check "[bios] 10 MB consumer->backend arrives sha256-identical" json_true "$out" 'r["ok"]'
rec=$(ppv2_record "$n")
check_eq "[bios] PROXY v2: TCP4 10.0.0.7:40200 -> 10.0.0.6:443, link id from the config drive" \
	"$(json "$rec" 'r.get("src"), r.get("sport"), r.get("dst"), r.get("dport"), hex(r.get("link_id", 0))')" \
	"('10.0.0.7', 40200, '10.0.0.6', 443, '0xc0d0001')"
out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" source 10.0.0.6 443 $MB10 2 2>&1)
check "[bios] 10 MB backend->consumer arrives sha256-identical" json_true "$out" 'r["ok"]'
before="$(wc -l <"$PPV2_LOG") $(wc -l <"$NGINX_LOG")"
out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.8 443 5)
check "[bios] the Pending endpoint 10.0.0.8 refuses the consumer" json_true "$out" 'r["result"] == "refused"'
sleep 0.5
check_eq "[bios] no backend saw a connection for the Pending endpoint" \
	"$(wc -l <"$PPV2_LOG") $(wc -l <"$NGINX_LOG")" "$before"
# The console takes commands: status prints the JSON status.
vm_console status
vm_wait '^--- end ---' 30 >/dev/null 2>&1
st=$(sed -n '/^--- status ---/,/^--- end ---/p' "$VM_DIR/serial.log" | tr -d '\r' | sed '1d;$d')
check "[bios] 'status' on the console: endpoints, the config drive's link id, the connections so far ($(json "$st" 'r["connections"]["events"]["accepted"]' 2>/dev/null) accepted)" \
	json_true "$st" '{e["name"]: (e["state"], e["link_id"]) for e in r["endpoints"]} == {"web-pe": ("Approved", 0x01020304), "raw-pe": ("Approved", 0x0c0d0001), "pending-pe": ("Pending", 8), "rejected-pe": ("Rejected", 9)} and r["connections"]["events"]["accepted"] >= 3'
vm_console frobnicate
check "[bios] an unknown console command is named, with a hint" \
	vm_wait "unknown command 'frobnicate': try help" 30
check "[bios] the ACPI power button powers the appliance off" vm_powerdown 60
check "[bios] it stopped cleanly first" \
	grep -q 'privlinkd: stopped' "$VM_DIR/serial.log"
vm_down
vm_console_if_failed

# --- B: qcow2 under OVMF (UEFI), drops from fw_cfg.
endpoints_with_link_id "$TOPO_DIR/30-endpoints.ini" 0x0f0c0002 &&
	vm_demo_drop "$TOPO_DIR/fw_cfg" "$TOPO_DIR/30-endpoints.ini" && vm_fw_cfg "$TOPO_DIR/fw_cfg" ||
	not_ok "fw_cfg drop made"
if vm_start uefi "${VM_FW_CFG[@]}" &&
    vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "[uefi] the qcow2 boots under OVMF to the ready line ($(echo "$(date +%s.%N) - $VM_STARTED" | bc | cut -c1-5) s)"
else
	not_ok "[uefi] the qcow2 boots under OVMF to the ready line"
fi
check "[uefi] all five drop files came from fw_cfg" \
	test "$(grep -cE 'drop [0-9]+-[a-z]+\.ini from fw_cfg' "$VM_DIR/serial.log")" = 5
body=$(in_cons curl -sS --max-time 20 --local-port 40124 http://10.0.0.5:443/ 2>&1)
check_eq "[uefi] curl through 10.0.0.5:443 gets nginx's PROXY v2 source" "$body" "10.0.0.7:40124"
n=$(wc -l <"$PPV2_LOG")
out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 $MB10 3 40201 2>&1)
check "[uefi] 10 MB consumer->backend arrives sha256-identical" json_true "$out" 'r["ok"]'
rec=$(ppv2_record "$n")
check_eq "[uefi] PROXY v2 link id from fw_cfg" "$(json "$rec" 'hex(r.get("link_id", 0))')" "0xf0c0002"
check "[uefi] ctrl-alt-del powers the appliance off" vm_powerdown 60 "sendkey ctrl-alt-delete"
check "[uefi] ... after a clean stop on SIGINT (the kernel's ctrl-alt-del signal to PID 1)" \
	bash -c "grep -q 'signal 2: shutting down' '$VM_DIR/serial.log' && grep -q 'privlinkd: stopped' '$VM_DIR/serial.log'"
vm_down
vm_console_if_failed

# --- C: kernel + initrd, a bad drop on the config drive.
mkdir -p "$TOPO_DIR/bad"
endpoints_with_link_id "$TOPO_DIR/bad/30-endpoints.ini" banana || not_ok "bad drop made"
line=$(grep -n '^link_id = banana$' "$TOPO_DIR/bad/30-endpoints.ini" | cut -d: -f1)
vm_config_drive "$TOPO_DIR/bad-drive.img" "$TOPO_DIR/bad/30-endpoints.ini" || not_ok "bad config drive made"
vm_start kernel -drive "file=$TOPO_DIR/bad-drive.img,format=raw,if=virtio,readonly=on" &&
	vm_wait 'privlinkd: warning: not serving' $BOOT_LIMIT
check "[bad drop] the console names the error as file:line: message" \
	grep -qF "/run/privlink/drops/30-endpoints.ini:$line: [endpoint raw-pe] link_id: bad link id" "$VM_DIR/serial.log"
check "[bad drop] the console says it serves nothing" grep -q 'not serving' "$VM_DIR/serial.log"
check "[bad drop] no ready line" bash -c "! grep -q 'privlinkd: ready' '$VM_DIR/serial.log'"
out=$(in_cons ping -c 2 -W 2 -q 10.0.0.5 2>&1)
check "[bad drop] the endpoint 10.0.0.5 of the drop's good files does not answer" test $? -ne 0
out=$(in_cons python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.5 443 3)
check "[bad drop] no connection to 10.0.0.5:443" json_true "$out" 'r["result"] != "connected"'
check "[bad drop] the appliance stays up (no panic, QEMU running)" \
	bash -c "kill -0 $VM_PID && ! grep -q 'Kernel panic' '$VM_DIR/serial.log'"
check "[bad drop] the power button still powers it off" vm_powerdown 60
vm_down
vm_console_if_failed

# --- D, E: the config drive as a SCSI disk behind virtio-scsi (Proxmox's
# default controller; sd_mod, as behind Hyper-V's storvsc) and on QEMU's
# IDE controller (ata_piix).  PROXY v2 carries the drive's link id.
drive_on() {	# TAG LINK_ID QEMU-ARGS...
	local tag=$1 link=$2 n out rec; shift 2
	endpoints_with_link_id "$TOPO_DIR/30-endpoints.ini" "$link" &&
		vm_config_drive "$TOPO_DIR/config-drive.img" "$TOPO_DIR/30-endpoints.ini" ||
		not_ok "[$tag] config drive made"
	if vm_start kernel "$@" && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
		ok "[$tag] boots to the ready line"
	else
		not_ok "[$tag] boots to the ready line"
	fi
	check "[$tag] 30-endpoints.ini came from the config drive on a SCSI disk (/dev/sd*)" \
		grep -qE 'drop 30-endpoints.ini from config drive /dev/sd' "$VM_DIR/serial.log"
	n=$(wc -l <"$PPV2_LOG")
	out=$(in_cons timeout 120 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 100000 4 2>&1)
	check "[$tag] 100 kB consumer->backend arrives sha256-identical" json_true "$out" 'r["ok"]'
	rec=$(ppv2_record "$n")
	check_eq "[$tag] PROXY v2 link id from the config drive" "$(json "$rec" 'hex(r.get("link_id", 0))')" "$link"
	check "[$tag] the power button powers it off" vm_powerdown 60
	vm_down
	vm_console_if_failed
}
drive_on virtio-scsi 0x5c510001 -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=none,id=cfg,readonly=on" \
	-device virtio-scsi-pci,id=vscsi -device scsi-hd,drive=cfg,bus=vscsi.0
# QEMU's IDE takes no read-only drive: snapshot=on keeps the image intact.
drive_on ide 0x1de00001 -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=ide,snapshot=on"

# not_served TAG: the console says why and that it serves nothing; no ready
# line; the demo's endpoint does not answer; the power button still works.
not_served() {
	check "[$1] the console says it serves nothing" grep -q 'not serving' "$VM_DIR/serial.log"
	check "[$1] no ready line" bash -c "! grep -q 'privlinkd: ready' '$VM_DIR/serial.log'"
	in_cons ping -c 2 -W 2 -q 10.0.0.5 >/dev/null 2>&1
	check "[$1] the endpoint 10.0.0.5 does not answer" test $? -ne 0
	check "[$1] the power button still powers it off" vm_powerdown 60
	vm_down
	vm_console_if_failed
}

# --- F: kernel + initrd, the demo's drop on the config drive with one file
# of a refused name (a rejection): the whole drop is refused.
printf '[approval web-pe]\nstate = Rejected\n' >"$TOPO_DIR/50-reject web-pe.ini"
vm_config_drive "$TOPO_DIR/refused-drive.img" "$TOPO_DIR/50-reject web-pe.ini" ||
	not_ok "[refused name] config drive made"
vm_start kernel -drive "file=$TOPO_DIR/refused-drive.img,format=raw,if=virtio,readonly=on" &&
	vm_wait 'privlinkd: warning: not serving' $BOOT_LIMIT
check "[refused name] the console names the file: message" \
	grep -qE "drops: config drive /dev/vd[a-z]+: 50-reject web-pe.ini: not a drop file name" "$VM_DIR/serial.log"
check "[refused name] the whole drop is refused" grep -q 'the whole drop is refused' "$VM_DIR/serial.log"
not_served "refused name"

# --- G: kernel + initrd, no config drive and no fw_cfg: the image has no
# drop of its own, so it serves nothing.
vm_start kernel && vm_wait 'privlinkd: warning: not serving' $BOOT_LIMIT
check "[no drop] the console says there is no drop and where one goes" \
	grep -q 'drops: none (the image has none of its own)' "$VM_DIR/serial.log"
not_served "no drop"

tap_done
