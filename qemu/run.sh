#!/bin/bash
# The main job (make run): boots the appliance disk image under QEMU (TCG,
# no KVM needed) with its two virtio NICs on taps in a consumer and a
# provider network namespace and the example drop on a config drive, starts
# a real nginx with proxy_protocol in the provider namespace, and sends a
# request from the consumer through the appliance.
#
# Usage: qemu/run.sh [bios|uefi|kernel]   (default bios: the qcow2 under SeaBIOS)
set -u
if [ "$(id -u)" != 0 ]; then
	echo "run: needs root for network namespaces and taps: run 'sudo make run'" >&2
	exit 1
fi
boot=${1:-bios}
. "$(dirname "$0")/../tests/lib/topo.sh"
PL_NS_PREFIX=${PL_NS_PREFIX:-plvm}
P=$PL_NS_PREFIX
. "$ROOT/qemu/lib.sh"
. "$ROOT/tests/lib/mgmt.sh"
. "$ROOT/tests/lib/demo_dns.sh"
trap 'vm_down; rm -rf "/etc/netns/$P-cons"; topo_down' EXIT
say() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/   /; s/\r$//'; }

vm_net_up || exit 1
MGMT=$TOPO_DIR/management
mkdir -p "$MGMT"
mgmt_setup "$MGMT" && demo_partner "$MGMT" || exit 1
say "config drive: the example drop (config/examples/demo, NICs by MAC from qemu/drops) with a DNS responder on consumer0 ($DEMO_DNS) and the name $DEMO_FQDN for the web service, the management API on $MGMT_ADDR with a test client CA, and a Pending endpoint partner-pe, on a FAT disk labelled PRIVLINK (the image has no drop of its own)"
vm_config_drive "$TOPO_DIR/config-drive.img" "$MGMT"/*.ini "$MGMT"/*.pem || exit 1
MTOOLS_SKIP_CHECK=1 mdir -b -i "$TOPO_DIR/config-drive.img" :: | indent

case $boot in
bios) what="build/image/privlink.qcow2 under SeaBIOS" ;;
uefi) what="build/image/privlink.qcow2 under OVMF (UEFI)" ;;
*) what="build/image/vmlinuz + initrd (qemu -kernel)" ;;
esac
say "booting $what (TCG), NICs 52:54:00:12:34:01 on $P-cons (client 10.0.0.7) and :02 on $P-prov"
vm_start "$boot" -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on" || exit 1
if ! vm_wait 'privlinkd: ready' 180; then
	say "run FAILED: the appliance did not become ready"
	exit 1
fi
say "serial console, $(echo "$(date +%s.%N) - $VM_STARTED" | bc | cut -c1-4) s after power-on:"
grep '^privlinkd' "$VM_DIR/serial.log" | indent

say "provider: nginx on 192.168.10.11:8443 with proxy_protocol"
start_nginx || { echo "run: nginx did not start" >&2; exit 1; }

say "consumer: ping 10.0.0.5 (answered by privlinkd's own stack in the VM)"
in_cons ping -c 2 -W 3 10.0.0.5 | indent

say "consumer: curl http://10.0.0.5:443/ from source port 40123 (nginx answers with the PROXY v2 source it was told)"
body=$(in_cons curl -sS --max-time 20 --local-port 40123 http://10.0.0.5:443/)
echo "   $body"

say "nginx's access log: TCP peer (the NAT IP), its port, then the PROXY v2 source address and port"
for _ in $(seq 20); do [ -s "$NGINX_LOG" ] && break; sleep 0.1; done
indent < "$NGINX_LOG"

demo_dns_resolve

say "consumer: curl http://10.0.0.8:443/ (endpoint pending-pe is Pending: refused, nothing reaches a backend)"
in_cons curl -sS --max-time 10 http://10.0.0.8:443/ 2>&1 | indent

say "consumer: curl http://10.0.0.12:443/ (partner-pe is Pending: refused)"
in_cons curl -sS --max-time 10 http://10.0.0.12:443/ 2>&1 | indent

demo_approve "$VM_DIR/serial.log" || { say "run FAILED: the approval through the API"; exit 1; }

say "typing 'status' on the appliance's serial console (endpoints and connection counters of its JSON status)"
vm_console status
vm_wait '^--- end ---' 30 >/dev/null 2>&1
sed -n '/^--- status ---/,/^--- end ---/p' "$VM_DIR/serial.log" | tr -d '\r' | sed '1d;$d' |
	python3 -c 'import json, sys
s = json.load(sys.stdin)
for e in s["endpoints"]:
    print("endpoint %-12s %-9s live %d" % (e["name"], e["state"], e["live_connections"]))
print("events: " + ", ".join("%s %d" % kv for kv in s["connections"]["events"].items() if kv[1]))' 2>&1 | indent

say "pressing the ACPI power button"
vm_powerdown 60
rc=$?
sed -n '/power button pressed/,$p' "$VM_DIR/serial.log" | indent

if [ "$body" = "10.0.0.7:40123" ] && [ "$named" = "10.0.0.7:40125" ] &&
    [ "$approved" = "10.0.0.7:40124" ] && [ $rc = 0 ]; then
	say "run OK: through the appliance VM, the backend saw the consumer 10.0.0.7:40123 via the NAT IP 192.168.10.201, and 10.0.0.7:40125 by the name $DEMO_FQDN"
else
	say "run FAILED: body '$body', by name '$named', after the approval '$approved', power-off status $rc"
	exit 1
fi
