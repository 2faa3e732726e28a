#!/usr/bin/env python3
"""Turns the runs of tests/bench/bench.sh into one table and a JSON file.

Usage: report.py RUNS.jsonl OUT.json KEY=VALUE...
Each figure is the median of its runs; ratios are privlinkd's figure
divided by the other mode's (for latency and memory, lower is better).
Rows: the scale curve (each figure at each count of idle connections held
through the proxy), bulk at no idle connection, bulk over a lossy link,
memory per idle connection, binary size, and the VLAN rows (conn/s with
1 and with 200 VLANs configured, through the tests' user-space switch, the
untagged path beside them, and the time of privlinkd -t on 200 VLAN NICs
and 1,000 endpoints) under "vlans", and DNS queries a second answered by
privlinkd's responder and by NSD (dnsperf) under "dns".  build/bench.json keeps the
keys of the earlier harness under "figures" (point 0; memory at 10,000
idle or the nearest point), and adds "curve", "loss" and "idle"."""
import datetime
import json
import os
import platform
import statistics
import sys

runs_path, out_path = sys.argv[1], sys.argv[2]
info = dict(a.split("=", 1) for a in sys.argv[3:])
MODES = ["privlinkd", "haproxy", "haproxy-splice", "kernel"]
MODE_LABEL = {"privlinkd": "privlinkd", "haproxy": "HAProxy", "haproxy-splice": "HAProxy splice-auto",
              "kernel": "kernel"}
HIGHER = {"conn_per_s": True, "p50_ms": False, "p99_ms": False, "bulk_1_gbit": True, "bulk_8_gbit": True,
          "idle_bytes_per_conn": False}
UNIT = {"conn_per_s": "conn/s", "p50_ms": "ms", "p99_ms": "ms", "bulk_1_gbit": "Gbit/s",
        "bulk_8_gbit": "Gbit/s", "idle_bytes_per_conn": "bytes"}

runs, held, na, after, loss_counts = {}, {}, {}, {}, {}
vlan_runs, vlan_check = {}, []
dns_runs = {}
bad, short = [], []
with open(runs_path) as f:
    for line in f:
        r = json.loads(line)
        m, mode, point = r["metric"], r["mode"], r.get("point", 0)
        if m == "dns_qps":
            dns_runs.setdefault(mode, []).append(r)
            continue
        if m == "vlan_check_seconds":
            vlan_check.append(r)
            continue
        if m.startswith("vlan_"):
            if "value" not in r:
                bad.append(r)
            else:
                vlan_runs.setdefault((r["vlans"], m), []).append(r["value"])
            continue
        if m == "idle_na":
            na[(mode, point)] = r["reason"]
            continue
        if m == "idle_held":
            held.setdefault((mode, point), []).append(r)
            if r["value"] < r["asked"]:
                short.append(r)
            continue
        if m == "idle_after":
            after.setdefault((mode, point), []).append(r["value"])
            continue
        if m.startswith("loss_"):
            loss_counts.setdefault((mode, m), []).append(r)
        if "value" not in r:
            bad.append(r)
            continue
        runs.setdefault((m, point), {}).setdefault(mode, []).append(r["value"])


def figure(metric, point, higher=True, unit=""):
    fig = {"unit": unit, "higher_is_better": higher}
    for mode in MODES:
        vals = runs.get((metric, point), {}).get(mode)
        if vals:
            fig[mode] = {"median": round(statistics.median(vals), 3), "runs": vals}
    p = fig.get("privlinkd", {}).get("median")
    for ref in MODES[1:]:
        r = fig.get(ref, {}).get("median")
        if p is not None and r:
            fig["ratio_to_" + ref.replace("-", "_")] = round(p / r, 3)
    return fig


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


points = sorted({p for (_, p) in runs} | {p for (_, p) in held} | {p for (_, p) in na})
mem_points = sorted(p for (m, p) in runs if m == "idle_bytes_per_conn")
mem_ref = 10000 if 10000 in mem_points else (min(mem_points, key=lambda p: abs(p - 10000)) if mem_points else None)
doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"cpus": os.cpu_count(), "model": cpu_model(), "kernel": os.uname().release},
       "settings": info, "haproxy_version": info.get("haproxy_version", ""),
       "figures": {}, "curve": {}, "idle": {}, "loss": {}, "failed_runs": bad,
       "short_points": short}
for metric in ("conn_per_s", "p50_ms", "p99_ms", "bulk_1_gbit", "bulk_8_gbit"):
    doc["figures"][metric] = figure(metric, 0, HIGHER[metric], UNIT[metric])
if mem_ref is not None:
    doc["figures"]["bytes_per_idle_conn"] = dict(figure("idle_bytes_per_conn", mem_ref, False, "bytes"),
                                                 point=mem_ref)
for point in points:
    doc["curve"][str(point)] = {m: figure(m, point, HIGHER[m], UNIT[m])
                                for m in ("conn_per_s", "p50_ms", "p99_ms", "bulk_1_gbit", "idle_bytes_per_conn")}
    for mode in MODES:
        if (mode, point) in na:
            doc["idle"].setdefault(str(point), {})[mode] = {"na": na[(mode, point)]}
        elif (mode, point) in held:
            rs = held[(mode, point)]
            doc["idle"].setdefault(str(point), {})[mode] = {
                "asked": rs[0]["asked"], "held": [r["value"] for r in rs],
                "at_backend": [r["at_backend"] for r in rs], "after": after.get((mode, point), []),
                "open_seconds": [r["open_seconds"] for r in rs], "timed_out": [r["timed_out"] for r in rs],
                "status": [r.get("status", {}) for r in rs]}
loss_metrics = sorted({m for (m, _) in runs if m.startswith("loss_")} |
                      {m for (_, m) in loss_counts}, key=lambda m: (float(m.split("_")[1]), m.split("_")[2] != "up"))
for m in loss_metrics:
    fig = figure(m, 0, True, "Gbit/s")
    for mode in MODES:
        rs = loss_counts.get((mode, m))
        if rs:
            fig.setdefault(mode, {})["frames"] = [{k: r.get(k) for k in ("seen_up", "dropped_up", "seen_down",
                                                                         "dropped_down", "retransmits", "error")}
                                                  for r in rs]
    doc["loss"][m] = fig
# VLAN rows: by count of VLANs configured (0: the untagged veth path).
doc["vlans"] = {"rows": {}, "check": {}}
for n in sorted({n for (n, _) in vlan_runs}):
    doc["vlans"]["rows"][str(n)] = {
        m[len("vlan_"):]: {"median": round(statistics.median(v), 3), "runs": v}
        for (k, m), v in sorted(vlan_runs.items()) if k == n}
if vlan_check:
    doc["vlans"]["check"] = {"nics": vlan_check[0]["nics"], "endpoints": vlan_check[0]["endpoints"],
                             "median_seconds": round(statistics.median(r["value"] for r in vlan_check), 4),
                             "runs": [r["value"] for r in vlan_check]}
# DNS: queries a second answered, by server.
doc["dns"] = {mode: {"median": round(statistics.median(r["value"] for r in rs), 1),
                     "runs": [r["value"] for r in rs], "lost": [r["lost"] for r in rs],
                     "cpu_pct": [r.get("cpu_pct") for r in rs]}
              for mode, rs in sorted(dns_runs.items())}
doc["binary"] = {"privlinkd_bytes": int(info["privlinkd_bytes"]),
                 "privlinkd_stripped_bytes": int(info["privlinkd_stripped_bytes"]),
                 "haproxy_bytes": int(info["haproxy_bytes"])}
with open(out_path, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")


def num(m):
    return f"{m:,.0f}" if abs(m) >= 100 else f"{m:.2f}" if abs(m) >= 0.1 else f"{m:.3f}"


def cell(fig, mode):
    m = fig.get(mode, {}).get("median")
    return "-" if m is None else num(m)


def ratio(fig, ref):
    r = fig.get("ratio_to_" + ref.replace("-", "_"))
    return "-" if r is None else f"{r:.2f}x"


def held_note(point):
    notes = []
    for mode in ("privlinkd", "haproxy"):
        if (mode, point) in na:
            notes.append(f"{MODE_LABEL[mode]} {na[(mode, point)]}")
        elif (mode, point) in held:
            rs = held[(mode, point)]
            h = min(r["value"] for r in rs)
            if h != point:
                why = " (fd limit)" if mode == "haproxy" and rs[0]["asked"] < point else ""
                notes.append(f"{MODE_LABEL[mode]} held {h:,}{why}")
    return "; ".join(notes)


def pct(d, s):
    return f"{100.0 * d / s:.2f} %" if s else "-"


rows = [("figure", "unit", "privlinkd", "HAProxy", "vs HAProxy", "HAProxy splice-auto", "vs splice",
         "kernel", "vs kernel", "notes")]


def row(label, fig, note=""):
    rows.append((label, fig["unit"], cell(fig, "privlinkd"), cell(fig, "haproxy"), ratio(fig, "haproxy"),
                 cell(fig, "haproxy-splice"), ratio(fig, "haproxy-splice"), cell(fig, "kernel"),
                 ratio(fig, "kernel"), note))


def rule(title):
    rows.append((f"**{title}**",) + ("",) * (len(rows[0]) - 1))


rule("scale curve: idle connections held through the proxy")
for metric, label in (("conn_per_s", "new connections/s (PROXY v2)"), ("p50_ms", "latency p50"),
                      ("p99_ms", "latency p99"), ("bulk_1_gbit", "throughput, 1 stream"),
                      ("idle_bytes_per_conn", "memory per idle connection")):
    for point in points:
        if metric == "idle_bytes_per_conn" and point == 0:
            continue
        fig = doc["curve"][str(point)][metric]
        if len(fig) <= 2 and not held_note(point):
            continue
        row(f"{label}, {point:,} idle", fig,
            held_note(point) if metric in ("conn_per_s", "idle_bytes_per_conn") else "")
top = max(points) if points else 0
for metric, label in (("conn_per_s", "conn/s"), ("p99_ms", "p99")):
    a, b = doc["curve"].get(str(top), {}).get(metric, {}), doc["figures"][metric]
    cells = []
    for mode in ("privlinkd", "haproxy"):
        x, y = a.get(mode, {}).get("median"), b.get(mode, {}).get("median")
        cells.append(f"{x / y:.2f}x" if x is not None and y else "-")
    if top:
        rows.append((f"{label} at {top:,} idle / at 0", "ratio", cells[0], cells[1], "", "", "", "", "", ""))
if len(doc["figures"]["bulk_1_gbit"]) > 2 or len(doc["figures"]["bulk_8_gbit"]) > 2:
    rule("bulk, no idle connection")
    row("throughput, 1 stream", doc["figures"]["bulk_1_gbit"])
    row("throughput, 8 streams", doc["figures"]["bulk_8_gbit"])
if loss_metrics:
    rule(f"bulk over a lossy consumer link, 1 stream, {info.get('loss_seconds', '?')} s")
for m in loss_metrics:
    fig = doc["loss"][m]
    _, p, d, _ = m.split("_")
    notes = []
    for mode in MODES:
        for fr in fig.get(mode, {}).get("frames", []):
            notes.append(f"{MODE_LABEL[mode]} dropped {pct(fr['dropped_up'], fr['seen_up'])} up, "
                         f"{pct(fr['dropped_down'], fr['seen_down'])} down"
                         + (" (FAILED)" if fr.get("error") else ""))
    row(f"{p} % loss, {'upload' if d == 'up' else 'download (-R)'}", fig, "; ".join(notes))
vr = doc["vlans"]["rows"]
if vr or vlan_check:
    rule("VLANs: privlinkd's new connections/s (PROXY v2) through the user-space switch")
for n, fig in vr.items():
    n = int(n)
    cps = fig.get("conn_per_s", {}).get("median")
    lost = fig.get("switch", {}).get("runs")
    what = ("untagged veth path (no switch)" if n == 0 else
            f"{n} VLAN{'s' if n != 1 else ''} configured, load in one")
    notes = [] if n == 0 else ["switch in the path" + (f", lost {sum(lost):,} frames" if lost else "")]
    ref = vr.get("0", {}).get("conn_per_s", {}).get("median")
    if n and ref and cps is not None:
        notes.append(f"{cps / ref:.2f}x the untagged path")
    cpu = fig.get("cpu_us_per_conn", {}).get("median")
    if cpu is not None:
        notes.append(f"privlinkd CPU {cpu:.1f} us a connection")
    p50, p99 = fig.get("p50_ms", {}).get("median"), fig.get("p99_ms", {}).get("median")
    if p50 is not None and p99 is not None:
        notes.append(f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    rows.append((what, "conn/s", "-" if cps is None else num(cps), "-", "-", "-", "-", "-", "-", "; ".join(notes)))
c = doc["vlans"]["check"]
if c:
    rows.append((f"privlinkd -t, {c['nics']} VLAN NICs, {c['endpoints']:,} endpoints", "s",
                 f"{c['median_seconds']:.3f}", "-", "-", "-", "-", "-", "-",
                 f"median of {len(c['runs'])}"))
d = doc["dns"]
if d:
    rule(f"DNS: queries/s answered (dnsperf, {info.get('dns_clients', '?')} clients, "
         f"{info.get('dns_outstanding', '?')} outstanding, {info.get('dns_seconds', '?')} s)")
    p, n = d.get("privlinkd", {}).get("median"), d.get("nsd", {}).get("median")
    notes = [f"NSD (server-count 1) {num(n)}, privlinkd {p / n:.2f}x" if p is not None and n else "no NSD figure"]
    for mode, v in sorted(d.items()):
        c = [x for x in v.get("cpu_pct", []) if x is not None]
        if c:
            notes.append(f"{'NSD' if mode == 'nsd' else mode} CPU {statistics.median(c):.0f} %")
    lost = sum(sum(v.get("lost", [])) for v in d.values())
    notes.append(f"{lost:,} queries lost" if lost else "none lost")
    rows.append(("A of a name, one answer; rate limit off", "queries/s", "-" if p is None else num(p),
                 "-", "-", "-", "-", "-", "-", "; ".join(notes)))
b = doc["binary"]
rows.append(("binary size (stripped)", "KiB", f"{b['privlinkd_stripped_bytes'] / 1024:,.0f}",
             f"{b['haproxy_bytes'] / 1024:,.0f}", f"{b['privlinkd_stripped_bytes'] / b['haproxy_bytes']:.2f}x",
             "", "", "-", "-", "HAProxy dynamic, without its libraries"))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
m = doc["machine"]
print(f"{doc['date']}; {m['cpus']} CPUs ({m['model']}), Linux {m['kernel']}; {doc['haproxy_version']}")
for n, r in enumerate(rows):
    print("| " + " | ".join(c.ljust(widths[i]) if i in (0, 1, 9) else c.rjust(widths[i])
                            for i, c in enumerate(r)) + " |")
    if n == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
print(f"HAProxy: nbthread 1, mode tcp (the curve and conn/s); HAProxy splice-auto: the same with "
      f"`option splice-auto`, `maxpipes {info.get('haproxy_maxpipes', '?')}` (bulk and loss rows). "
      f"HAProxy holds at most {info.get('haproxy_idle_max', '?')} idle connections "
      f"(2 descriptors each, {info.get('fd_limit', '?')} open files).")
print(f"medians of {info.get('runs', '?')} runs of {info.get('seconds', '?')} s "
      f"({info.get('large_runs', '?')} at points above 10,000 idle; "
      f"{info.get('loss_runs', '?')} for loss rows); idle connections "
      f"{'with a byte each way' if info.get('idle_byte') == '1' else 'established only'}, opened within "
      f"{info.get('idle_open_seconds', '?')} s; {info.get('minutes', '?')} min; written to {out_path}")
for r in short:
    print(f"{MODE_LABEL[r['mode']]} at {r['point']:,} idle: {r['value']:,} of {r['asked']:,} held "
          f"({r['failed']:,} failed{', opening cut at the time limit' if r['timed_out'] else ''}; "
          f"{r['at_backend']:,} at the backend)")
if bad:
    print(f"{len(bad)} failed run(s): see failed_runs in {out_path}")
    sys.exit(1)
