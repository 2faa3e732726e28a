#!/bin/bash
# A reload applied while a consumer's handshake is half-open (SYN
# answered, final ACK held back): when the handshake completes, the
# connection belongs to the endpoint it was made to, whatever rows the
# reload moved.  Endpoints are removed before it and inserted before it;
# each time the stream reaches its own service's backend with its own
# link id, and privlinkd (sanitized) neither crashes nor reports.
. "$(dirname "$0")/../lib/prelude.sh" san topo-off ppv2


# halfopen WHAT SEED CHANGE: a privlinkd on a copy of the demo drop, a
# half-open connection to raw-pe, the drop change (a shell command on
# $DROP), then the handshake completed.
halfopen() {
	local what=$1 seed=$2 change=$3 gate=$TOPO_DIR/gate.$2 out=$TOPO_DIR/halfopen.$2 n i pid lines
	DROP=$TOPO_DIR/drop.$seed
	mkdir -p "$DROP"
	cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
	start_privlinkd "$DROP" || { not_ok "$what: privlinkd (sanitized) starts"; return; }
	LOG=$TOPO_DIR/privlinkd.log
	lines=$(wc -l <"$PPV2_LOG")
	in_cons timeout 40 python3 "$ROOT/tests/lib/halfopen_client.py" c0 10.0.0.50 10.0.0.6 443 \
		"$gate" 20000 "$seed" >"$out" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q half-open "$out" && break; sleep 0.1; done
	check "$what: the handshake is half-open" grep -q half-open "$out"
	n=$(applied)
	eval "$change"
	check "$what: the change is applied" wait_applied "$n"
	touch "$gate"
	wait $pid
	check "$what: the stream reached raw-pe's backend intact" json_ok "$(tail -1 "$out")"
	check_eq "$what: with raw-pe's link id" \
		"$(json "$(ppv2_record "$lines")" 'r.get("link_id")')" 305419896
	out=$(in_cons timeout 20 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 100000 3 2>&1)
	check "$what: raw-pe carries data afterwards" json_ok "$out"
	stop_privlinkd
	check_eq "$what: SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
	check_no_sanitizer_report "$LOG" "$what: "
}

# web-pe sorts before raw-pe: removing it moves raw-pe's row.
halfopen "an endpoint before it removed" 1 \
	"sed -i '/^\[endpoint web-pe\]/,/^link_id = 0x01020304\$/d' \"\$DROP/30-endpoints.ini\"; \
	 sed -i '/^\[approval web-pe\]/,/^message = approved for the demo\$/d' \"\$DROP/40-approvals.ini\""
# An Approved endpoint of the other service in a file that sorts first.
halfopen "an endpoint of another service inserted before it" 2 \
	"printf '[endpoint aaa-pe]\nnic = consumer0\nip = 10.0.0.11\nservice = web\nlink_id = 11\n\n[approval aaa-pe]\nstate = Approved\n' >\"\$DROP/25-early.ini\""
tap_done
