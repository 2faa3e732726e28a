#!/bin/bash
# The watchdog in the appliance image under QEMU (TCG): kernel + initrd, a
# config drive with [appliance] watchdog = 5s and debug_commands = on.
# It serves; 'debug-stall' on the serial console makes the event loop spin;
# the watchdog device (the kernel's softdog: Debian's cloud kernel drives
# neither QEMU's i6300esb nor its ICH9 TCO timer) resets the machine, which
# boots again by itself and serves again.  One extra boot.
# Needs `make image` (make test builds it).
. "$(dirname "$0")/../lib/prelude.sh" qemu image=vmlinuz,initrd
BOOT_LIMIT=180		# seconds to the ready line (TCG on a busy machine)

# vm_count PATTERN: console lines matching PATTERN so far.
vm_count() { grep -cE "$1" "$VM_DIR/serial.log" 2>/dev/null; }
# vm_wait_count PATTERN N SECONDS: until N console lines match PATTERN.
vm_wait_count() {
	local i
	for i in $(seq $(($3 * 5))); do
		[ "$(vm_count "$1")" -ge "$2" ] && return 0
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.2
	done
	[ "$(vm_count "$1")" -ge "$2" ] && return 0
	echo "# fewer than $2 console lines matching '$1' within $3 s" >&2
	vm_tail
	return 1
}
curl_ok() {	# PORT: a request through web-pe (10.0.0.5:443) gets nginx's answer
	local body i
	# The first answer after a boot may take a while under TCG.
	for i in $(seq 10); do
		body=$(in_cons curl -sS --max-time 10 --local-port "$1" http://10.0.0.5:443/ 2>&1)
		[ "$body" = "10.0.0.7:$1" ] && return 0
		sleep 1
	done
	echo "# curl: $body" >&2
	return 1
}

vm_net_up || { not_ok "namespaces for the VM"; exit 1; }
# The demo's drop (the image has none of its own), its appliance section
# with the watchdog's keys.
mkdir -p "$TOPO_DIR/wd"
{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf 'watchdog = 5s\ndebug_commands = on\n'; } \
	>"$TOPO_DIR/wd/00-appliance.ini"
vm_demo_drop "$TOPO_DIR/drive" "$TOPO_DIR/wd/00-appliance.ini" &&
	"$ROOT/image/config-drive.sh" "$TOPO_DIR/config-drive.img" "$TOPO_DIR/drive" ||
	not_ok "config drive made"
# -no-reboot (qemu/lib.sh) would end QEMU at the watchdog's reset: a
# later -action reboot=reset makes it a reset, as on a real hypervisor.
if vm_start kernel -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on" \
    -action reboot=reset && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "boots to the ready line ($(echo "$(date +%s.%N) - $VM_STARTED" | bc | cut -c1-5) s)"
else
	not_ok "boots to the ready line"
fi
check "no hardware watchdog driver bound: PID 1 loads softdog" \
	bash -c "! grep -q 'module softdog.ko: left out' '$VM_DIR/serial.log'"
check "privlinkd arms /dev/watchdog (softdog) with the drop's 5 s" \
	bash -c "grep -q 'watchdog: device /dev/watchdog (Software Watchdog)' '$VM_DIR/serial.log' &&
		grep -q 'watchdog: 5 s without an event loop round resets the machine' '$VM_DIR/serial.log'"
start_nginx || { not_ok "nginx starts"; exit 1; }
check "it serves: curl through web-pe" curl_ok 40311
# Idle for more than the period: the loop pets the device.
sleep 8
check "idle past the watchdog period, no reset (one boot so far)" \
	bash -c "[ \$(grep -c 'PID 1: starting the appliance' '$VM_DIR/serial.log') = 1 ]"

vm_console debug-stall
check "'debug-stall' on the console stalls the event loop" \
	vm_wait 'console debug-stall: debug: the event loop stalls now' 60
check "the watchdog says the loop stalled" \
	vm_wait 'watchdog: the event loop made no round for [1-4] s: the watchdog device resets the machine' 60
check "the machine boots again by itself (a second boot on the console)" \
	vm_wait_count 'PID 1: starting the appliance' 2 $BOOT_LIMIT
check "... reset by the watchdog device (softdog), not by privlinkd's own fallback" \
	bash -c "grep -q 'softdog: Initiating system reboot' '$VM_DIR/serial.log' &&
		! grep -q 'the device did not reset the machine' '$VM_DIR/serial.log'"
check "the second boot gets to the ready line" \
	vm_wait_count 'privlinkd: ready' 2 $BOOT_LIMIT
check "it serves again: curl through web-pe" curl_ok 40312
check "the power button powers it off" vm_powerdown 60
if [ "$tap_failed" -gt 0 ]; then
	echo "# console:"
	sed 's/^/#   /; s/\r$//' "$VM_DIR/serial.log"
fi
vm_down

tap_done
