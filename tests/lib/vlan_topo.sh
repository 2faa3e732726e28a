# VLAN trunks for the integration tests: consumer networks as 802.1Q VLANs
# on one trunk veth, tagged by tests/tools/vlan_switch (this kernel has no
# 802.1Q of its own):
#
#   ${P}-v<VID>: c0 10.0.0.7/24 ── a<VID> ┐
#   (one namespace per VLAN, the SAME     ${P}-sw: vlan_switch tr VID=a<VID>...
#    address in all)                      └ tr ══ trunk ══ tr0 ${P}-appl
#
# Source it after topo.sh (it coexists with ${P}-cons/-prov of topo_up:
# ${P}-appl is shared, the provider side stays topo.sh's pv0/p0), then
# vlan_topo_up N [FIRST_VID]; vlan_topo_down runs from the EXIT trap
# (before topo_down).  in_vlan VID CMD... runs CMD in that VLAN's consumer;
# vlan_topo_offloads off turns the offloads off on the VLANs' veths.
#
# The pieces are usable alone (test_vlan_switch.sh puts two switches back
# to back): vlan_side_up SWNS CONSPREFIX ADDR VID... makes a switch
# namespace with one access veth per VID and a consumer namespace per VID;
# vlan_switch_start SWNS TRUNK starts its switch, vlan_switch_stats SWNS
# prints its counters, vlan_switch_stop SWNS stops it.

P=${PL_NS_PREFIX:-pl}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VLAN_SWITCH=${VLAN_SWITCH:-$ROOT/build/tools/vlan_switch}
VLAN_TOPO_DIR=""
VLAN_TOPO_NS=()			# every namespace made here, for vlan_topo_down
declare -A VLAN_SW_PID=()	# switch namespace -> its vlan_switch's pid
# Consumers never pick the ports the tests name (see topo.sh).
VLAN_FIXED_PORTS=${TOPO_FIXED_PORTS:-40000-41999}

in_vlan() { local vid=$1; shift; ip netns exec "$P-v$vid" "$@"; }
in_sw() { ip netns exec "$P-sw" "$@"; }

vlan_topo_dir() {
	if [ -z "$VLAN_TOPO_DIR" ]; then
		VLAN_TOPO_DIR=$(mktemp -d /tmp/privlink-vlan.XXXXXX) || return 1
		chmod 755 "$VLAN_TOPO_DIR"
	fi
}

# vlan_ns_kill NS...: kills every process in those namespaces with one
# pass over /proc (ip netns pids scans /proc once per namespace).
vlan_ns_kill() {
	local ns inodes="" pid
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] && inodes="$inodes $(stat -L -c %i "/run/netns/$ns")"
	done
	[ -n "$inodes" ] || return 0
	for pid in $(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null |
		awk -v want="$inodes" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) in_[ "net:[" w[i] "]" ] = 1 }
			$2 in in_ { sub("^/proc/", "", $1); sub("/ns$", "", $1); print $1 }'); do
		kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# vlan_ns_add NS...: new namespaces, lo up, IPv6 off (no stray router
# solicitations on a trunk or an access port), the tests' ports reserved.
vlan_ns_add() {
	local ns
	printf 'netns add %s\n' "$@" | ip -batch - || return 1
	VLAN_TOPO_NS+=("$@")
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.ip_local_reserved_ports="$VLAN_FIXED_PORTS" || return 1
		ip -n "$ns" link set lo up || return 1
	done
}

# vlan_side_up SWNS CONSPREFIX ADDR VID...: the switch namespace SWNS
# (made if missing) gets access veth a<VID> per VID, whose peer c0 sits in
# the new namespace CONSPREFIX<VID> with ADDR (e.g. 10.0.0.7/24), up.
# The switch's mapping file is $VLAN_TOPO_DIR/SWNS.map.
vlan_side_up() {
	local sw=$1 cons=$2 addr=$3 vid; shift 3
	vlan_topo_dir || return 1
	[ -e "/run/netns/$sw" ] || vlan_ns_add "$sw" || return 1
	vlan_ns_add $(printf "$cons%s " "$@") || return 1
	for vid in "$@"; do
		printf 'link add a%s type veth peer name c0 netns %s%s\nlink set a%s up\n' \
			"$vid" "$cons" "$vid" "$vid"
	done | ip -n "$sw" -batch - || return 1
	for vid in "$@"; do
		printf 'addr add %s dev c0\nlink set c0 up\n' "$addr" | ip -n "$cons$vid" -batch - || return 1
	done
	for vid in "$@"; do echo "$vid a$vid"; done >>"$VLAN_TOPO_DIR/$sw.map"
}

# vlan_switch_start SWNS TRUNK: runs vlan_switch in SWNS on TRUNK with
# SWNS's mappings and waits (10 s at most) for its ready line.
vlan_switch_start() {
	local sw=$1 trunk=$2 i
	if [ ! -x "$VLAN_SWITCH" ]; then
		echo "# $VLAN_SWITCH is not built (make test-tools)" >&2
		return 1
	fi
	ip -n "$sw" link set "$trunk" up || return 1
	# ip netns exec execs the switch in place: $! is the switch itself.
	ip netns exec "$sw" "$VLAN_SWITCH" -s "$VLAN_TOPO_DIR/$sw.json" -f "$VLAN_TOPO_DIR/$sw.map" \
		"$trunk" >"$VLAN_TOPO_DIR/$sw.log" 2>&1 &
	VLAN_SW_PID[$sw]=$!
	for i in $(seq 100); do
		grep -qs 'vlan_switch: ready' "$VLAN_TOPO_DIR/$sw.log" && return 0
		kill -0 "${VLAN_SW_PID[$sw]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "# vlan_switch in $sw did not become ready:" >&2
	sed 's/^/#   /' "$VLAN_TOPO_DIR/$sw.log" >&2
	return 1
}

# vlan_switch_stats SWNS: asks SWNS's switch for its counters (SIGUSR1)
# and prints the JSON.
vlan_switch_stats() {
	local sw=$1 f=$VLAN_TOPO_DIR/$1.json i
	rm -f "$f"
	kill -USR1 "${VLAN_SW_PID[$sw]}" 2>/dev/null || return 1
	for i in $(seq 50); do
		[ -s "$f" ] && { cat "$f"; return 0; }
		sleep 0.1
	done
	return 1
}

# vlan_switch_stop SWNS: SIGTERM and wait; returns the switch's exit
# status (137 if it had to be killed 5 s later).
vlan_switch_stop() {
	local sw=$1 pid=${VLAN_SW_PID[$1]:-} rc i
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	unset "VLAN_SW_PID[$sw]"
	return $rc
}

# vlan_topo_consumers N [FIRST_VID]: N consumer VLANs FIRST_VID.. (default
# 100) behind the switch namespace ${P}-sw, no trunk yet and the switch not
# started; each consumer's c0 has VLAN_TOPO_ADDR (default 10.0.0.7/24).
# VLAN_TOPO_VIDS lists the VIDs.  For a trunk of one's own (a VM's tap
# moved into ${P}-sw): then vlan_switch_start "$P-sw" TRUNK.
vlan_topo_consumers() {
	local n=$1 first=${2:-100}
	VLAN_TOPO_VIDS=$(seq "$first" $((first + n - 1)))
	if [ "$n" -lt 1 ] || [ $((first + n - 1)) -gt 4094 ] || [ "$first" -lt 1 ]; then
		echo "# vlan_topo: VIDs $first-$((first + n - 1)) not in 1-4094" >&2
		return 1
	fi
	vlan_side_up "$P-sw" "$P-v" "${VLAN_TOPO_ADDR:-10.0.0.7/24}" $VLAN_TOPO_VIDS
}

# vlan_topo_up N [FIRST_VID]: vlan_topo_consumers, and the trunk tr0 of
# ${P}-appl (made if topo_up has not) to the switch's tr; starts the switch.
vlan_topo_up() {
	if [ ! -e "/run/netns/$P-appl" ]; then
		vlan_ns_add "$P-appl" || return 1
	fi
	vlan_topo_consumers "$@" || return 1
	ip link add tr0 netns "$P-appl" type veth peer name tr netns "$P-sw" || return 1
	# The appliance's NICs carry no kernel address and no IPv6 at all.
	ip netns exec "$P-appl" sysctl -qw net.ipv6.conf.tr0.disable_ipv6=1 || return 1
	ip -n "$P-appl" link set tr0 up || return 1
	vlan_switch_start "$P-sw" tr
}

# vlan_topo_offloads on|off: like topo_offloads; "off" turns the offloads
# off on every consumer's c0, the switch's ports and the trunk's tr0, so no
# partial checksum or GSO super-frame reaches privlinkd through the trunk.
vlan_topo_offloads() {
	local mode=$1 vid
	[ "$mode" = on ] && return 0
	{
		echo "$P-appl tr0"
		echo "$P-sw tr"
		for vid in $VLAN_TOPO_VIDS; do echo "$P-v$vid c0"; echo "$P-sw a$vid"; done
	} | while read -r ns dev; do
		ip netns exec "$ns" ethtool -K "$dev" rx off tx off tso off gso off gro off lro off \
			>/dev/null 2>&1 || { echo "vlan_topo: ethtool -K $dev in $ns failed" >&2; return 1; }
	done
}

# vlan_topo_down: stops the switches, deletes every namespace made here.
vlan_topo_down() {
	local sw
	for sw in "${!VLAN_SW_PID[@]}"; do vlan_switch_stop "$sw" >/dev/null 2>&1; done
	if [ ${#VLAN_TOPO_NS[@]} -gt 0 ]; then
		vlan_ns_kill "${VLAN_TOPO_NS[@]}"
		printf 'netns del %s\n' "${VLAN_TOPO_NS[@]}" | ip -force -batch - 2>/dev/null
	fi
	VLAN_TOPO_NS=()
	[ -n "$VLAN_TOPO_DIR" ] && rm -rf "$VLAN_TOPO_DIR"
	VLAN_TOPO_DIR=""
	return 0
}
