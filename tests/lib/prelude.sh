# The start-up block every integration test shares.  A test's first line
# after its header comment:
#
#   . "$(dirname "$0")/../lib/prelude.sh" [WORD...]
#
# Always: set -u; tap.sh and topo.sh (ROOT, P, PRIVLINKD, in_*, start_*);
# an EXIT trap that runs the commands given to at_exit (the last given
# first), then topo_down if a topology was made (TOPO_DIR set: topo_up,
# qemu/lib.sh's vm_net_up).  A test adds its own clean-up with at_exit CMD,
# never with a trap of its own (it would replace this one).
#
# The WORDs, done in this order whatever order they come in:
#   san           the daemon is build/privlinkd-san (or $PRIVLINKD_SAN)
#   NAME.sh       sources tests/lib/NAME.sh (mgmt.sh, loss_link.sh, ...)
#   qemu          sources qemu/lib.sh, vm_down at exit
#   image=F,F...  the files of build/image the test needs ("run make image")
#   topo|topo-off the topology up, offloads on or off (topo_up); with it
#                 LOG is privlinkd's log
#   cons2         the second consumer network (topo_add_consumer2)
#   nginx         start_nginx
#   ppv2          start_ppv2_backend
#   drop          DROP: an empty drop directory, $TOPO_DIR/drop
#   tenants=LIMIT tests/lib/tenants.sh's two tenants and the sanitized
#                 daemon (tenants_up LIMIT), instead of topo
# A step that fails is one "not ok" and the end of the test (exit 1).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

PRELUDE_AT_EXIT=()
# at_exit CMD: CMD (a shell string) runs when the test exits, before
# earlier ones and before the topology goes down.
at_exit() { PRELUDE_AT_EXIT+=("$1"); }
prelude_exit() {
	local i
	for ((i = ${#PRELUDE_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${PRELUDE_AT_EXIT[$i]}"
	done
	[ -n "${TOPO_DIR:-}" ] && topo_down
	return 0
}
trap prelude_exit EXIT

# prelude_fail WHAT: the step WHAT failed; the test stops here.
prelude_fail() { not_ok "$1"; exit 1; }

prelude_words=" $* "
prelude_has() { case $prelude_words in *" $1 "*) return 0 ;; esac; return 1; }
# prelude_value KEY: the value of KEY=VALUE among the words ("" if none).
prelude_value() {
	local w
	for w in $prelude_words; do
		case $w in "$1="*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}

prelude_has san && PRIVLINKD=${PRIVLINKD_SAN:-$ROOT/build/privlinkd-san}
# Sourced here, not in a function: their variables stay global.
for prelude_w in $prelude_words; do
	case $prelude_w in *.sh) . "$ROOT/tests/lib/$prelude_w" ;; esac
done
prelude_value tenants >/dev/null && . "$ROOT/tests/lib/tenants.sh"
if prelude_has qemu; then
	. "$ROOT/qemu/lib.sh"
	at_exit vm_down
fi
if prelude_value image >/dev/null; then
	for prelude_f in $(prelude_value image | tr , ' '); do
		[ -f "$IMAGE_DIR/$prelude_f" ] || prelude_fail "build/image/$prelude_f exists (run make image)"
	done
fi

if prelude_has topo || prelude_has topo-off || prelude_value tenants >/dev/null; then
	[ "$(id -u)" = 0 ] || prelude_fail "runs as root (network namespaces)"
fi
if prelude_has topo || prelude_has topo-off; then
	topo_up "$(prelude_has topo-off && echo off || echo on)" || prelude_fail "topology up"
	LOG=$TOPO_DIR/privlinkd.log
	prelude_has cons2 && { topo_add_consumer2 || prelude_fail "second consumer network up"; }
	prelude_has nginx && { start_nginx || prelude_fail "nginx starts"; }
	prelude_has ppv2 && { start_ppv2_backend || prelude_fail "PROXY v2 backend starts"; }
	if prelude_has drop; then
		DROP=$TOPO_DIR/drop
		mkdir -p "$DROP"
	fi
fi
if prelude_value tenants >/dev/null; then
	PRIVLINKD=${PRIVLINKD_SAN:-$ROOT/build/privlinkd-san}
	tenants_up "$(prelude_value tenants)" || prelude_fail "two tenants, privlinkd (sanitized) up"
	LOG=$TOPO_DIR/privlinkd.log
fi
unset prelude_w prelude_f
