#!/bin/bash
# Text from drops reaches the console and the status: an approval message
# with control bytes (ESC sequences, BEL, DEL, C1) and bytes >= 0x80 that
# are not UTF-8.  The log must carry no raw control byte or byte >= 0x7f
# (they show as \xNN), config errors quoting such a value neither, and the
# JSON status must stay valid UTF-8 and valid JSON.  A drop file whose name
# is refused refuses the whole drop on a reload (the running one stays).
. "$(dirname "$0")/../lib/prelude.sh" topo drop

# no_raw_bytes FILE: exits 0 when FILE holds no byte below 0x20 (bar
# newline) and none >= 0x7f; else prints the first such line.
no_raw_bytes() {
	python3 -c '
import re, sys
for n, line in enumerate(open(sys.argv[1], "rb").read().split(b"\n"), 1):
    if re.search(rb"[\x00-\x1f\x7f-\xff]", line):
        print("line %d: %r" % (n, line))
        sys.exit(1)' "$1"
}

# The message: ESC [2J (clear screen), ESC ] title BEL, DEL, C1 CSI (0x9b),
# a lone 0xff, a cut-off UTF-8 sequence (0xc3 then '('), an overlong '/'
# (0xc0 0xaf), a UTF-16 surrogate (0xed 0xa0 0x80), then a valid e-acute.
MSG=$(printf 'ok\033[2J\033]0;pwned\007 \177\233\377 \303( \300\257 \355\240\200 \303\251 end')

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-web.ini" <<'INI'
[service web]
backend = 192.168.10.11:8443
frontend_port = 443
nat_ip = 192.168.10.201

[endpoint web-pe]
nic = consumer0
ip = 10.0.0.101
service = web
link_id = 1
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }

printf '[approval web-pe]\nstate = Approved\nmessage = %s\n' "$MSG" >"$DROP/40-approve.ini"
kill -HUP "$PRIVLINKD_PID"
for i in $(seq 50); do grep -q 'web-pe: Pending -> Approved' "$TOPO_DIR/privlinkd.log" && break; sleep 0.2; done
check "the reload logs the approval with its message" \
	grep -qF 'endpoint web-pe: Pending -> Approved: ok\x1b[2J\x1b]0;pwned\x07 \x7f\x9b\xff \xc3( \xc0\xaf \xed\xa0\x80 \xc3\xa9 end' \
	"$TOPO_DIR/privlinkd.log"
check "the log holds no raw control byte and no byte >= 0x7f" no_raw_bytes "$TOPO_DIR/privlinkd.log"

st=$TOPO_DIR/status.raw
rm -f "$STATUS_JSON"
kill -USR1 "$PRIVLINKD_PID"
for i in $(seq 50); do [ -s "$STATUS_JSON" ] && break; sleep 0.1; done
cp "$STATUS_JSON" "$st"
check "the status is valid UTF-8 and valid JSON; the message keeps its valid parts" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
m = {e["name"]: e for e in s["endpoints"]}["web-pe"]["message"]
want = "ok\x1b[2J\x1b]0;pwned\x07 \x7f\ufffd\ufffd \ufffd( \ufffd\ufffd \ufffd\ufffd\ufffd \u00e9 end"
if m != want:
    print("message %r, want %r" % (m, want))
    sys.exit(1)' "$st"
check "the status file escapes control bytes (no raw ESC or BEL)" bash -c "! grep -qP '[\x00-\x09\x0b-\x1f]' '$st'"

# Drop file names: a rejection in a file whose name is refused (a space;
# another with an ESC sequence) refuses the whole reload: served without
# it, the drop would leave web-pe open.
printf '[approval web-pe]\nstate = Rejected\n' >"$DROP/50-reject web-pe.ini"
printf '[approval web-pe]\nstate = Rejected\n' >"$DROP/$(printf '51-\033[31mred.ini')"
n=$(grep -c 'keeping the running configuration' "$TOPO_DIR/privlinkd.log")
kill -HUP "$PRIVLINKD_PID"
for i in $(seq 50); do
	[ "$(grep -c 'keeping the running configuration' "$TOPO_DIR/privlinkd.log")" -gt "$n" ] && break
	sleep 0.2
done
check "a reload with refused drop file names keeps the running configuration" \
	grep -q 'keeping the running configuration' "$TOPO_DIR/privlinkd.log"
check "the refused names are reported as file: message, escaped" bash -c "
	grep -qF '$DROP/50-reject web-pe.ini: not a drop file name' '$TOPO_DIR/privlinkd.log' &&
	grep -qF '$DROP/51-\x1b[31mred.ini: not a drop file name' '$TOPO_DIR/privlinkd.log'"
check "web-pe stays Approved" wait_status 'ep["web-pe"]["state"] == "Approved"'
check "privlinkd -t refuses the drop with the refused names" bash -c "! '$PRIVLINKD' -t -c '$DROP' >/dev/null 2>&1"
check "the log holds no raw control byte and no byte >= 0x7f, still" no_raw_bytes "$TOPO_DIR/privlinkd.log"
check "privlinkd is still running" privlinkd_alive

# A config error quotes the bad value: escaped too.
BAD=$TOPO_DIR/bad
mkdir -p "$BAD"
cp "$DROP/00-appliance.ini" "$DROP/10-nics.ini" "$DROP/20-web.ini" "$BAD/"
printf '[approval web-pe]\nstate = %s\n' "$MSG" >"$BAD/40-approve.ini"
"$PRIVLINKD" -t -c "$BAD" >"$TOPO_DIR/check.out" 2>&1
check_eq "privlinkd -t refuses the bad state" "$?" 1
check "the error names the value escaped" grep -qF "40-approve.ini:2: [approval web-pe] state: state must be Approved, Pending or Rejected, not 'ok\x1b[2J" "$TOPO_DIR/check.out"
check "the error output holds no raw control byte and no byte >= 0x7f" no_raw_bytes "$TOPO_DIR/check.out"
tap_done
