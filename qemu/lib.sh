# Booting the appliance under QEMU (TCG: no KVM needed) with its two NICs
# on TAP devices in the consumer and provider namespaces of tests/lib/topo.sh:
#
#   ${P}-cons: c0 10.0.0.7/24 (tap) ── virtio-net 52:54:00:12:34:01 ┐
#                                                  the appliance VM (privlinkd is PID 1)
#   ${P}-prov: p0 192.168.10.11/24 (tap) ── virtio-net 52:54:00:12:34:02 ┘
#
# Source it (after tests/lib/topo.sh), then:
#   vm_net_up                        namespaces and taps (no VM yet)
#   vm_start BOOT [QEMU ARGS...]     BOOT: kernel (vmlinuz + initrd), bios or
#                                    uefi (build/image/privlink.qcow2); starts
#                                    paused, moves the taps into the
#                                    namespaces, then runs
#   vm_wait PATTERN SECONDS          waits for a console line; on failure
#                                    prints the serial log's tail
#   vm_console LINE                  types LINE on the serial console
#   vm_powerdown SECONDS [CMD]       the ACPI power button (or a monitor
#                                    command); waits for QEMU to exit
#   vm_down                          kills what is left (EXIT trap)
#   vm_demo_drop DIR [FILE...]       the demo's drop in DIR (the image has
#                                    none of its own): config/examples/demo
#                                    with qemu/drops/10-nics.ini (NICs by
#                                    MAC), then each FILE replacing the file
#                                    of its name
#   vm_config_drive IMG [FILE...]    a config drive of that drop
#   vm_fw_cfg DIR                    VM_FW_CFG: -fw_cfg arguments for DIR's
#                                    *.ini (opt/privlink/NAME.ini)
# VM_CONSUMER_TRUNK="NS NAME" (set before vm_start): the consumer NIC's tap
# goes into NS as NAME, up, without an address, instead of ${P}-cons c0:
# a VLAN trunk for a switch there (tests/lib/vlan_topo.sh).
# A QEMU process can be in one namespace only: the taps are created in the
# root namespace, QEMU opens them, and they are then moved.

IMAGE_DIR=${IMAGE_DIR:-$ROOT/build/image}
VM_MAC_CONSUMER=52:54:00:12:34:01
VM_MAC_PROVIDER=52:54:00:12:34:02
VM_PID=""
VM_DIR=""
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

vm_taps_del() {
	ip link del "$P-tc" 2>/dev/null
	ip link del "$P-tp" 2>/dev/null
	ip -n "$P-cons" link del c0 2>/dev/null
	ip -n "$P-prov" link del p0 2>/dev/null
	return 0
}

vm_down() {
	if [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; then
		kill -TERM "$VM_PID" 2>/dev/null
		for _ in $(seq 20); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$VM_PID" 2>/dev/null
		wait "$VM_PID" 2>/dev/null
	fi
	VM_PID=""
	vm_taps_del
	return 0
}

# vm_net_up: the consumer and provider namespaces (no appliance namespace:
# the appliance is the VM) and TOPO_DIR for logs.
vm_net_up() {
	vm_down
	topo_down
	TOPO_DIR=$(mktemp -d "/tmp/$P-vm.XXXXXX")
	chmod 755 "$TOPO_DIR"
	VM_DIR=$TOPO_DIR
	ip netns add "$P-cons" && ip netns add "$P-prov" || return 1
	for ns in cons prov; do ip -n "$P-$ns" link set lo up; done
}

# vm_console LINE: types LINE and a newline on the serial console (the
# console's output, echo included, goes to serial.log as always).
vm_console() {
	printf '%s\n' "$*" | timeout 5 socat -t 1 - "UNIX-CONNECT:$VM_DIR/serial.sock" >/dev/null 2>&1
}

vm_monitor() {
	printf '%s\n' "$*" | timeout 5 socat - "UNIX-CONNECT:$VM_DIR/monitor.sock" >/dev/null 2>&1
}

# vm_tap_into TAP NS NAME ADDR: moves an open tap into NS as NAME with ADDR.
vm_tap_into() {
	ip link set "$1" netns "$2" &&
		ip -n "$2" link set "$1" name "$3" &&
		ip -n "$2" addr add "$4" dev "$3" &&
		ip -n "$2" link set "$3" up
}

vm_start() {
	local boot=$1 i; shift
	local args=(-accel tcg -m 256M -smp 1 -display none -no-reboot -S
		-chardev "socket,id=ser0,path=$VM_DIR/serial.sock,server=on,wait=off,logfile=$VM_DIR/serial.log"
		-serial chardev:ser0
		-monitor "unix:$VM_DIR/monitor.sock,server=on,wait=off"
		-netdev "tap,id=nc,ifname=$P-tc,script=no,downscript=no"
		-device "virtio-net-pci,netdev=nc,mac=$VM_MAC_CONSUMER,romfile="
		-netdev "tap,id=np,ifname=$P-tp,script=no,downscript=no"
		-device "virtio-net-pci,netdev=np,mac=$VM_MAC_PROVIDER,romfile=")
	case $boot in
	kernel)
		args+=(-kernel "$IMAGE_DIR/vmlinuz" -initrd "$IMAGE_DIR/initrd"
			-append "console=ttyS0 quiet panic=1") ;;
	bios)
		args+=(-drive "file=$IMAGE_DIR/privlink.qcow2,format=qcow2,if=virtio,snapshot=on") ;;
	uefi)
		cp "$OVMF_VARS" "$VM_DIR/OVMF_VARS.fd"
		args+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,file=$VM_DIR/OVMF_VARS.fd"
			-drive "file=$IMAGE_DIR/privlink.qcow2,format=qcow2,if=virtio,snapshot=on") ;;
	*) echo "vm_start: boot kernel, bios or uefi, not '$boot'" >&2; return 2 ;;
	esac
	vm_taps_del
	ip tuntap add dev "$P-tc" mode tap && ip tuntap add dev "$P-tp" mode tap || return 1
	# Up, so that /sys/class/net/TAP/carrier can be read (below).
	ip link set "$P-tc" up && ip link set "$P-tp" up || return 1
	: > "$VM_DIR/serial.log"
	qemu-system-x86_64 "${args[@]}" "$@" > "$VM_DIR/qemu.log" 2>&1 &
	VM_PID=$!
	VM_STARTED=$(date +%s.%N)
	for i in $(seq 100); do
		[ -S "$VM_DIR/monitor.sock" ] && break
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.1
	done
	# QEMU makes its monitor before it opens the taps: a tap is moved only
	# once QEMU holds it (an up tap has carrier while a process is attached),
	# or QEMU would make a new one of the same name in the root namespace.
	for i in $(seq 100); do
		[ "$(cat "/sys/class/net/$P-tc/carrier" 2>/dev/null)" = 1 ] &&
			[ "$(cat "/sys/class/net/$P-tp/carrier" 2>/dev/null)" = 1 ] && break
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -S "$VM_DIR/monitor.sock" ] || [ "$(cat "/sys/class/net/$P-tc/carrier" 2>/dev/null)" != 1 ] ||
	    [ "$(cat "/sys/class/net/$P-tp/carrier" 2>/dev/null)" != 1 ]; then
		echo "# qemu did not start (or did not open its taps):" >&2
		sed 's/^/#   /' "$VM_DIR/qemu.log" >&2
		return 1
	fi
	if [ -n "${VM_CONSUMER_TRUNK:-}" ]; then
		set -- $VM_CONSUMER_TRUNK
		ip link set "$P-tc" netns "$1" && ip -n "$1" link set "$P-tc" name "$2" &&
			ip -n "$1" link set "$2" up || return 1
	else
		vm_tap_into "$P-tc" "$P-cons" c0 10.0.0.7/24 || return 1
	fi
	vm_tap_into "$P-tp" "$P-prov" p0 192.168.10.11/24 || return 1
	vm_monitor cont
}

vm_tail() {
	echo "# serial console (last 40 lines):" >&2
	tail -n 40 "$VM_DIR/serial.log" | sed 's/^/#   /' >&2
	[ -s "$VM_DIR/qemu.log" ] && sed 's/^/#   qemu: /' "$VM_DIR/qemu.log" >&2
	return 0
}

# vm_wait PATTERN SECONDS: a console line matching PATTERN (grep -E).
vm_wait() {
	local i
	for i in $(seq $(($2 * 5))); do
		grep -qE "$1" "$VM_DIR/serial.log" 2>/dev/null && return 0
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.2
	done
	grep -qE "$1" "$VM_DIR/serial.log" 2>/dev/null && return 0
	echo "# no console line matching '$1' within $2 s$(kill -0 "$VM_PID" 2>/dev/null || echo ' (qemu exited)')" >&2
	vm_tail
	return 1
}

# vm_powerdown SECONDS [MONITOR COMMAND]: presses the ACPI power button
# (or sends the monitor command, e.g. "sendkey ctrl-alt-delete"); 0 once
# QEMU exited.
vm_powerdown() {
	local i
	vm_monitor "${2:-system_powerdown}"
	for i in $(seq $(($1 * 5))); do
		kill -0 "$VM_PID" 2>/dev/null || { wait "$VM_PID" 2>/dev/null; VM_PID=""; return 0; }
		sleep 0.2
	done
	echo "# qemu still running $1 s after '${2:-system_powerdown}'" >&2
	vm_tail
	return 1
}

vm_demo_drop() {
	local dir=$1 f; shift
	mkdir -p "$dir" || return 1
	for f in "$ROOT"/config/examples/demo/*.ini "$ROOT"/qemu/drops/*.ini "$@"; do
		cp "$f" "$dir/" || return 1
	done
}

vm_config_drive() {
	local img=$1 dir; shift
	dir=$(mktemp -d "$VM_DIR/drop.XXXXXX") && vm_demo_drop "$dir" "$@" &&
		"$ROOT/image/config-drive.sh" "$img" "$dir"
}

vm_fw_cfg() {
	local f
	VM_FW_CFG=()
	for f in "$1"/*.ini; do
		VM_FW_CFG+=(-fw_cfg "name=opt/privlink/$(basename "$f"),file=$f")
	done
	[ ${#VM_FW_CFG[@]} -gt 0 ]
}
