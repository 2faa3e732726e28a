#!/usr/bin/env python3
"""Turns the runs of tests/bench/bench.sh into one table and a JSON file.

Usage: report.py RUNS.jsonl OUT.json KEY=VALUE...
Each figure is the median of its runs; ratios are privlinkd's figure
divided by HAProxy's and by the kernel limit's (for latency and memory,
lower is better)."""
import datetime
import json
import os
import statistics
import sys

runs_path, out_path = sys.argv[1], sys.argv[2]
info = dict(a.split("=", 1) for a in sys.argv[3:])
MODES = ["privlinkd", "haproxy", "kernel"]
FIGURES = [  # metric, label, unit, higher is better
    ("conn_per_s", "new connections/s (PROXY v2)", "conn/s", True),
    ("p50_ms", "  latency p50", "ms", False),
    ("p99_ms", "  latency p99", "ms", False),
    ("bulk_1_gbit", "throughput, 1 stream", "Gbit/s", True),
    ("bulk_8_gbit", "throughput, 8 streams", "Gbit/s", True),
    ("bytes_per_idle_conn", "memory per idle connection", "bytes", False),
]

runs = {}
bad = []
with open(runs_path) as f:
    for line in f:
        r = json.loads(line)
        if "value" not in r:
            bad.append(r)
            continue
        runs.setdefault(r["metric"], {}).setdefault(r["mode"], []).append(r["value"])

doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release},
       "settings": {k: info[k] for k in ("runs", "idle_runs", "seconds", "wrk_conns", "idle_conns") if k in info},
       "haproxy_version": info.get("haproxy_version", ""),
       "figures": {}, "failed_runs": bad}
for metric, label, unit, higher in FIGURES:
    fig = {"unit": unit, "higher_is_better": higher}
    for mode in MODES:
        vals = runs.get(metric, {}).get(mode)
        if vals:
            fig[mode] = {"median": round(statistics.median(vals), 3), "runs": vals}
    p = fig.get("privlinkd", {}).get("median")
    for ref in ("haproxy", "kernel"):
        r = fig.get(ref, {}).get("median")
        if p is not None and r:
            fig[f"ratio_to_{ref}"] = round(p / r, 3)
    doc["figures"][metric] = fig
doc["binary"] = {"privlinkd_bytes": int(info["privlinkd_bytes"]),
                 "privlinkd_stripped_bytes": int(info["privlinkd_stripped_bytes"]),
                 "haproxy_bytes": int(info["haproxy_bytes"])}
with open(out_path, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")


def cell(fig, mode):
    m = fig.get(mode, {}).get("median")
    if m is None:
        return "-"
    return f"{m:,.0f}" if m >= 100 else f"{m:.2f}"


def ratio(fig, ref):
    r = fig.get(f"ratio_to_{ref}")
    return "-" if r is None else f"{r:.2f}x"


rows = [("figure", "unit", "privlinkd", "HAProxy", "kernel", "vs HAProxy", "vs kernel")]
for metric, label, unit, _ in FIGURES:
    fig = doc["figures"][metric]
    rows.append((label, unit, cell(fig, "privlinkd"), cell(fig, "haproxy"), cell(fig, "kernel"),
                 ratio(fig, "haproxy"), ratio(fig, "kernel")))
b = doc["binary"]
rows.append(("binary size (stripped)", "KiB", f"{b['privlinkd_stripped_bytes'] / 1024:,.0f}",
             f"{b['haproxy_bytes'] / 1024:,.0f}", "-",
             f"{b['privlinkd_stripped_bytes'] / b['haproxy_bytes']:.2f}x", "-"))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for n, r in enumerate(rows):
    print("| " + " | ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(r)) + " |")
    if n == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
print(f"medians of {info.get('runs', '?')} runs ({info.get('idle_runs', '?')} for memory); "
      f"{info.get('seconds', '?')} s each; {os.cpu_count()} CPUs; written to {out_path}")
if bad:
    print(f"{len(bad)} failed run(s): see {out_path}")
    sys.exit(1)
