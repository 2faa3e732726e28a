# A lossy consumer link for the tests and the benchmarks (source after
# tests/lib/topo.sh and topo_up): loss_link_up replaces c0 ── pe0 by a
# bridge in ${P}-br that iptables may drop frames on; loss_link_down
# removes it (topo_down does not know it).
#
# This kernel has no sch_netem: loss is iptables' statistic match on
# bridged IPv4 (br_netfilter).

BRIDGE_NS=$P-br

# The consumer link through a bridge: c0 ── bc0 [${P}-br: br0] bp0 ── pe0,
# with br_netfilter passing bridged IPv4 to iptables' FORWARD chain, where
# chains loss_up (frames from the consumer) and loss_down (to it) drop at
# random (loss_set).  Segmentation offloads off on that path, so a
# dropped frame is one segment, not a 64 KiB super-frame.
loss_link_up() {
	local dev
	in_cons ip link del c0 || return 1
	ip netns add "$BRIDGE_NS" || return 1
	ip link add c0 netns "$P-cons" type veth peer name bc0 netns "$BRIDGE_NS" || return 1
	ip link add pe0 netns "$P-appl" type veth peer name bp0 netns "$BRIDGE_NS" || return 1
	in_cons ip addr add 10.0.0.7/24 dev c0
	in_appl sysctl -qw net.ipv6.conf.pe0.disable_ipv6=1
	ip netns exec "$BRIDGE_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$BRIDGE_NS" link add br0 type bridge || return 1
	ip -n "$BRIDGE_NS" link set bc0 master br0 && ip -n "$BRIDGE_NS" link set bp0 master br0 || return 1
	for dev in lo bc0 bp0 br0; do ip -n "$BRIDGE_NS" link set "$dev" up; done
	in_cons ip link set c0 up
	in_appl ip link set pe0 up
	[ -e /proc/sys/net/bridge ] || modprobe br_netfilter 2>/dev/null
	ip netns exec "$BRIDGE_NS" sysctl -qw net.bridge.bridge-nf-call-iptables=1 || {
		echo "loss_link: no br_netfilter" >&2; return 1; }
	ip netns exec "$BRIDGE_NS" iptables -N loss_up && ip netns exec "$BRIDGE_NS" iptables -N loss_down &&
		ip netns exec "$BRIDGE_NS" iptables -A FORWARD -m physdev --physdev-in bc0 -j loss_up &&
		ip netns exec "$BRIDGE_NS" iptables -A FORWARD -m physdev --physdev-in bp0 -j loss_down || return 1
	ip netns exec "$P-cons" ethtool -K c0 tso off gso off gro off >/dev/null 2>&1 &&
		ip netns exec "$P-appl" ethtool -K pe0 tso off gso off gro off >/dev/null 2>&1 &&
		ip netns exec "$BRIDGE_NS" ethtool -K bc0 tso off gso off gro off >/dev/null 2>&1 &&
		ip netns exec "$BRIDGE_NS" ethtool -K bp0 tso off gso off gro off >/dev/null 2>&1 ||
		{ echo "loss_link: ethtool -K on the lossy link failed" >&2; return 1; }
}

# loss_set PERCENT: each frame crossing the bridge, either way, is
# dropped with that probability; the counters start from zero.
loss_set() {
	local pct=$1 chain p
	p=$(awk -v p="$pct" 'BEGIN { printf "%.4f", p / 100 }')
	for chain in loss_up loss_down; do
		ip netns exec "$BRIDGE_NS" iptables -F "$chain" || return 1
		ip netns exec "$BRIDGE_NS" iptables -A "$chain" -m statistic --mode random \
			--probability "$p" -j DROP || return 1
	done
	ip netns exec "$BRIDGE_NS" iptables -Z || return 1
}

# loss_counts: one JSON object, frames seen and dropped each way.
loss_counts() {
	ip netns exec "$BRIDGE_NS" iptables -L -v -x -n | awk '
		/^Chain FORWARD/ { c = "fwd"; next }
		/^Chain loss_up/ { c = "up"; next }
		/^Chain loss_down/ { c = "down"; next }
		c == "fwd" && / loss_up / { seen_up = $1 }
		c == "fwd" && / loss_down / { seen_down = $1 }
		c == "up" && / DROP / { drop_up = $1 }
		c == "down" && / DROP / { drop_down = $1 }
		END { printf "{\"seen_up\": %d, \"dropped_up\": %d, \"seen_down\": %d, \"dropped_down\": %d}\n",
		      seen_up, drop_up, seen_down, drop_down }'
}

loss_link_down() {
	ip netns del "$BRIDGE_NS" 2>/dev/null
	return 0
}
