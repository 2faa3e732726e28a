#!/bin/bash
# Makes sure the Debian packages a step needs are installed.
#
# Usage: deps/packages.sh GROUP...   (groups: build, test, bench)
# As root, missing packages are installed with apt-get; otherwise the exact
# command to run is printed and the script exits 1.
set -euo pipefail

build_pkgs="musl-tools gcc make dpkg-dev xz-utils bzip2 ca-certificates file"
# the appliance image (image/): depmod, cpio, disk tools, boot loaders
build_pkgs="$build_pkgs kmod cpio binutils fdisk dosfstools mtools syslinux syslinux-common systemd-boot-efi qemu-utils"
test_pkgs="iproute2 iputils-ping nginx-light openssl socat curl python3 ethtool procps valgrind clang libclang-rt-14-dev"
test_pkgs="$test_pkgs qemu-system-x86 ovmf"
# test_metrics: the metrics parser (/usr/bin/python3) and promtool check metrics
test_pkgs="$test_pkgs prometheus python3-prometheus-client"
# iptables (with br_netfilter) for the lossy consumer link of test_loss.
test_pkgs="$test_pkgs iptables"
# test_proxy_dialects: HAProxy (accept-proxy checks PROXY v2's CRC32c) and
# tshark (its PROXY v2 dissector) as independent receivers.
test_pkgs="$test_pkgs haproxy tshark"
# test_dns: real DNS clients against the responder (dig, kdig, drill).
test_pkgs="$test_pkgs bind9-dnsutils knot-dnsutils ldnsutils"
# test_dns_zone: the exported zones in real authoritative servers' checkers
# (nsd-checkzone, kzonecheck), the responder's messages in dnspython.
test_pkgs="$test_pkgs nsd knot-dnssecutils python3-dnspython"
# make bench: the load generators, HAProxy to compare with, perf for profiles,
# iptables and ethtool for the lossy link.
bench_pkgs="iproute2 nginx-light python3 curl procps util-linux binutils haproxy iperf3 wrk linux-perf"
bench_pkgs="$bench_pkgs iptables ethtool"
# the DNS row: dnsperf, and NSD to compare the responder with.
bench_pkgs="$bench_pkgs dnsperf nsd"

want=""
for group in "$@"; do
	case $group in
	build) want="$want $build_pkgs" ;;
	test) want="$want $test_pkgs" ;;
	bench) want="$want $bench_pkgs" ;;
	*) echo "packages: unknown group '$group'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "packages: missing Debian packages:$missing" >&2
	echo "packages: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "packages: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# nginx-light and haproxy would start system daemons; tests and benchmarks
# run their own.
apt-get install -y -qq --no-install-recommends $missing >&2
if [ -d /run/systemd/system ] || pidof nginx >/dev/null 2>&1; then
	systemctl disable --now nginx >/dev/null 2>&1 || pkill -x nginx || true
fi
# The system haproxy, nsd and knot only (the DNS servers would hold port
# 53), by their init scripts' pid files: others' stay.
for d in haproxy nsd knot; do
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$d" >/dev/null 2>&1 || true
	elif [ -x "/etc/init.d/$d" ]; then
		"/etc/init.d/$d" stop >/dev/null 2>&1 || true
	fi
done
