#!/usr/bin/python3
"""Checks a privlinkd metrics document (Prometheus text format 0.0.4).

Usage: check_metrics.py METRICS_FILE [--status STATUS_JSON [--status-later]]
                        [--expect 'NAME{label="value",...}=VALUE']...

Run it with /usr/bin/python3 (Debian's python3-prometheus-client).
  - the document is strict UTF-8 and parses with prometheus_client's
    text_string_to_metric_families (any parse error fails);
  - every family has exactly one # HELP and one # TYPE line, before its
    samples, which are contiguous; counters end in _total, nothing else
    does; no series appears twice;
  - with --status, figures the JSON status (privlinkd -s FILE) holds too
    are the same in both: per endpoint and frontend accepted, live, bytes
    each way, refusals and endings by reason, approval state; per backend
    up, probe results, connections; the appliance's connections, events
    and bytes; per NIC rx/tx frames;
  - each --expect selects the one sample of NAME whose labels include
    those given (more labels may be on it) and compares its value;
  - when /usr/bin/promtool exists, `promtool check metrics` passes.
Prints each problem and exits 1 if there was any; else prints a summary.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

PROMTOOL = "/usr/bin/promtool"
problems = []


def problem(msg):
    problems.append(msg)


def check_lines(text):
    """HELP/TYPE per family, samples contiguous, names by type."""
    helps, types, seen_series, done = {}, {}, set(), set()
    current = None
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        m = re.match(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$", line)
        if m:
            kind, name, rest = m.groups()
            table = helps if kind == "HELP" else types
            if name in table:
                problem("line %d: a second # %s for %s" % (n, kind, name))
            table[name] = rest
            if kind == "HELP" and rest.strip() == "":
                problem("line %d: empty # HELP for %s" % (n, name))
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$", line)
        if not m:
            problem("line %d: not a sample: %r" % (n, line))
            continue
        name, labels = m.group(1), m.group(2) or ""
        if name not in helps or name not in types:
            problem("line %d: %s has no # HELP and # TYPE before it" % (n, name))
        if name != current:
            if name in done:
                problem("line %d: samples of %s are not contiguous" % (n, name))
            if current is not None:
                done.add(current)
            current = name
        if (name, labels) in seen_series:
            problem("line %d: series %s%s twice" % (n, name, labels))
        seen_series.add((name, labels))
    for name, t in types.items():
        if name not in helps:
            problem("%s: # TYPE without # HELP" % name)
        if t not in ("counter", "gauge"):
            problem("%s: type %s (privlinkd writes counters and gauges)" % (name, t))
        if (t == "counter") != name.endswith("_total"):
            problem("%s: a %s %s in _total" % (name, t, "must end" if t == "counter" else "must not end"))
    for name in helps:
        if name not in types:
            problem("%s: # HELP without # TYPE" % name)
    return types


def parse(text):
    """{(name, frozenset(labels)): value} from prometheus_client's parser."""
    samples = {}
    try:
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                samples[(s.name, frozenset(s.labels.items()))] = s.value
    except Exception as e:  # the parser raises ValueError and others
        problem("prometheus_client cannot parse the document: %s: %s" % (type(e).__name__, e))
    return samples


def select(samples, name, labels):
    """The values of NAME's samples whose labels include labels."""
    want = set(labels.items())
    return [v for (n, ls), v in samples.items() if n == name and want <= ls]


def one(samples, name, **labels):
    vals = select(samples, name, labels)
    if len(vals) != 1:
        problem("%s%s: %d samples match, want 1" % (name, labels, len(vals)))
        return None
    return vals[0]


def same(samples, what, name, labels, want):
    got = one(samples, name, **labels)
    if got is not None and got != want:
        problem("%s: metrics %s%s = %r, status %r" % (what, name, labels, got, want))


def not_more(samples, what, name, labels, bound):
    got = one(samples, name, **labels)
    if got is not None and got > bound:
        problem("%s: metrics %s%s = %r, more than the later status's %r" %
                (what, name, labels, got, bound))


def cross_check(samples, st, frames_later=False):
    """The figures the status holds too.  With frames_later, the status was
    taken after the metrics over the network being counted (the management
    API): its NIC frame counters may only be higher."""
    for e in st["endpoints"]:
        lab = {"endpoint": e["name"]}
        w = "endpoint %s" % e["name"]
        same(samples, w, "privlink_endpoint_connections_accepted_total", lab, e["accepted"])
        same(samples, w, "privlink_endpoint_connections", lab, e["live_connections"])
        same(samples, w, "privlink_endpoint_connections_max", lab, e["max_connections"])
        same(samples, w, "privlink_endpoint_from_consumer_bytes_total", lab, e["bytes_from_consumer"])
        same(samples, w, "privlink_endpoint_to_consumer_bytes_total", lab, e["bytes_to_consumer"])
        same(samples, w, "privlink_endpoint_listening", lab, int(e["listening"]))
        for state in ("Pending", "Approved", "Rejected", "Disconnected"):
            same(samples, w, "privlink_endpoint_state", dict(lab, state=state),
                 int(e["state"] == state))
        for reason, n in e["refused"].items():
            same(samples, w, "privlink_endpoint_connections_refused_total",
                 dict(lab, reason=reason), n)
        for reason, n in e["ended"].items():
            same(samples, w, "privlink_endpoint_connections_ended_total",
                 dict(lab, reason=reason), n)
    for s in st["services"]:
        lab = {"service": s["name"]}
        w = "service %s" % s["name"]
        same(samples, w, "privlink_service_connections", lab, s["live_connections"])
        same(samples, w, "privlink_service_no_healthy_backend_total", lab,
             s["refused_no_healthy_backend"])
        fe = s["frontend"]
        if fe is None:
            if select(samples, "privlink_frontend_connections", lab):
                problem("%s: no frontend, but frontend samples" % w)
            continue
        same(samples, w, "privlink_frontend_connections_accepted_total", lab, fe["accepted"])
        same(samples, w, "privlink_frontend_connections", lab, fe["live_connections"])
        same(samples, w, "privlink_frontend_from_consumer_bytes_total", lab, fe["bytes_from_consumer"])
        same(samples, w, "privlink_frontend_to_consumer_bytes_total", lab, fe["bytes_to_consumer"])
        for reason, n in fe["refused"].items():
            same(samples, w, "privlink_frontend_connections_refused_total",
                 dict(lab, reason=reason), n)
    for p in st["pools"]:
        for b in p["backends"]:
            lab = {"pool": p["name"], "backend": "%s:%d" % (b["address"], b["port"])}
            w = "pool %s backend %s" % (p["name"], lab["backend"])
            same(samples, w, "privlink_backend_up", lab, int(b["state"] == "up"))
            same(samples, w, "privlink_backend_probe_successes_total", lab, b["checks_ok"])
            same(samples, w, "privlink_backend_probe_failures_total", lab, b["checks_failed"])
            same(samples, w, "privlink_backend_went_down_total", lab, b["went_down"])
            same(samples, w, "privlink_backend_connections", lab, b["live_connections"])
            same(samples, w, "privlink_backend_connections_sent_total", lab, b["connections"])
    for n in st["nics"]:
        lab = {"nic": n["name"]}
        w = "nic %s" % n["name"]
        frames = not_more if frames_later else same
        frames(samples, w, "privlink_nic_rx_frames_total", lab, n["rx_frames"])
        frames(samples, w, "privlink_nic_tx_frames_total", lab, n["tx_frames"])
        same(samples, w, "privlink_nic_rx_dropped_total", dict(lab, reason="not_ours"),
             n["rx_dropped_not_ours"])
        d = n.get("dns")
        if d:
            for t in ("udp", "tcp"):
                same(samples, w, "privlink_dns_queries_total", dict(lab, transport=t), d["queries_" + t])
            for rc in ("noerror", "formerr", "servfail", "nxdomain", "notimp", "refused"):
                same(samples, w, "privlink_dns_answers_total", dict(lab, rcode=rc), d[rc])
            same(samples, w, "privlink_dns_truncated_total", lab, d["truncated"])
            same(samples, w, "privlink_dns_rate_limited_total", dict(lab, action="dropped"), d["rate_dropped"])
            same(samples, w, "privlink_dns_rate_limited_total", dict(lab, action="slipped"), d["rate_slipped"])
            for r in ("accepted", "refused", "idle_closed"):
                same(samples, w, "privlink_dns_tcp_connections_total", dict(lab, result=r), d["tcp_" + r])
    c = st["connections"]
    same(samples, "appliance", "privlink_connections", {}, c["live"])
    same(samples, "appliance", "privlink_connections_max", {}, c["max"])
    same(samples, "appliance", "privlink_connections_accepted_total", {}, c["events"]["accepted"])
    same(samples, "appliance", "privlink_from_consumer_bytes_total", {}, c["bytes_from_consumer"])
    same(samples, "appliance", "privlink_to_consumer_bytes_total", {}, c["bytes_to_consumer"])
    same(samples, "appliance", "privlink_memory_limit_bytes", {}, st["memory"]["limit_bytes"])
    # Events are refusals and endings together; no_memory may be both.
    for reason, n in c["events"].items():
        if reason == "accepted":
            continue
        got = sum(select(samples, "privlink_connections_refused_total", {"reason": reason}) +
                  select(samples, "privlink_connections_ended_total", {"reason": reason}))
        if got != n:
            problem("appliance: event %s: metrics refused+ended %r, status %r" % (reason, got, n))


def parse_expect(s):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?=(.+)$', s)
    if not m:
        raise SystemExit("check_metrics: bad --expect %r" % s)
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    return m.group(1), labels, float(m.group(3))


def promtool(raw):
    if not os.access(PROMTOOL, os.X_OK):
        return "promtool not installed: not run"
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=raw, capture_output=True, timeout=30)
    if r.returncode != 0:
        problem("promtool check metrics: exit %d: %s" % (r.returncode,
                (r.stdout + r.stderr).decode(errors="replace").strip()))
    return "promtool check metrics passed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("metrics")
    ap.add_argument("--status")
    ap.add_argument("--status-later", action="store_true",
                    help="the status was fetched after the metrics over the NICs counted")
    ap.add_argument("--expect", action="append", default=[])
    args = ap.parse_args()
    raw = open(args.metrics, "rb").read()
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        problem("not UTF-8: %s" % e)
        text = raw.decode("utf-8", "replace")
    types = check_lines(text)
    samples = parse(text)
    if args.status:
        cross_check(samples, json.load(open(args.status, "rb")), args.status_later)
    for e in args.expect:
        name, labels, want = parse_expect(e)
        got = one(samples, name, **labels)
        if got is not None and got != want:
            problem("--expect %s: got %r" % (e, got))
    note = promtool(raw)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("%d families, %d samples, %d expectations met; %s" %
          (len(types), len(samples), len(args.expect), note))


if __name__ == "__main__":
    main()
