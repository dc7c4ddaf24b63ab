#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Renders bench/results/*.json (fsbpf-compare's output, one per kernel) as
one Markdown report with pass/fail against the goals, and a PNG chart.

    report.py RESULTS_DIR     writes RESULTS_DIR/README.md and costs.png
"""
import json
import sys
from pathlib import Path

# Goals of the benchmark issue. The floor: what an empty tp_btf/sys_exit
# program alone costs getppid on the development machine (75 -> 93 ns).
SYSCALL_HOOK_FLOOR = 1.24
FILETOP_READ_MAX = 1.30
VFS_HOOK_GETPPID_MAX = 1.02
PEER_ADDED_COST_MAX = 0.5
FILETOP_MEMLOCK_MAX = 4 << 20
# A peer that reports less than this is not doing the same work: no cost comparison.
PEER_REPORTED_MIN = 0.99
# What a tool whose filter excludes every process may add, as a multiple of
# what the floor (an empty program on the same mechanism) adds.
FILTERED_OUT_MAX = 1.10
FLOOR_MIN_ADDED = 0.10  # workloads on which the floor adds less are noise here
FLOOR = "floor"  # empty programs on the hooks of the tool's own backend
# The performance issue's goals: a tool's added cost as a multiple of the
# floor's, syncsnoop against untraced and per event, and start-up.
FILETOP_FLOOR_MULTIPLE_MAX = 1.15
SYNCSNOOP_FSYNC_TMPFS_MAX = 2.0
SYNCSNOOP_FSYNC_TMPFS_GUEST_MAX = 4.0  # the fentry backend, in the guest
SYNCSNOOP_TRACER_NS_MAX = 1000
SYNCSNOOP_RATE_MIN_SHARE = 0.95  # of the 300,000 fsync/s asked for, for the round to count
EXEC_TO_READY_MAX_S = 0.2
FILTERED_OUT = "fsbpf auto, filtered out"


def configs(result, tool):
    for suite in result["suites"]:
        if suite["tool"] == tool:
            return {c["name"]: c for c in suite["configs"]}
    return {}


def ratio(config, workload):
    w = config.get("workloads", {}).get(workload)
    return w["median_ratio"] if w else None


def reported(config, workload):
    """The worst round's share of the workload's calls the tracer reported, if counted."""
    shares = config.get("workloads", {}).get(workload, {}).get("reported_share")
    return min(shares) if shares else None


def fmt(value, suffix="×"):
    return "—" if value is None else f"{value:.2f}{suffix}"


def vfs_hooks(result):
    attach = result.get("attach", {})
    return any(attach.get(a, {}).get("supported") for a in ("fentry", "kprobe"))


def filtered_out_multiple(filtered, floor, untraced):
    """What filtered adds over untraced, summed in ns over the workloads on
    which the floor adds at least FLOOR_MIN_ADDED, as a multiple of what the
    floor adds on them: one figure, not the noisiest workload's."""
    added = floor_added = 0.0
    for name, base in untraced["workloads"].items():
        mine = filtered.get("workloads", {}).get(name)
        empty = floor.get("workloads", {}).get(name)
        if mine and empty and empty["median_ratio"] >= 1 + FLOOR_MIN_ADDED:
            added += (mine["median_ratio"] - 1) * base["median_ns"]
            floor_added += (empty["median_ratio"] - 1) * base["median_ns"]
    return added / floor_added if floor_added > 0 else None


def filtered_out_rows(result):
    """A tool whose filter excludes every process adds what the floor adds."""
    rows = []
    for suite in result["suites"]:
        cs = configs(result, suite["tool"])
        floor, filtered = cs.get(FLOOR, {}), cs.get(FILTERED_OUT, {})
        if floor.get("attached") and filtered.get("attached"):
            m = filtered_out_multiple(filtered, floor, cs["untraced"])
            rows.append((f"{suite['tool']} filtered out (--cgroup) adds ≤ {FILTERED_OUT_MAX}× "
                         "what the floor adds", fmt(m), m is not None and m <= FILTERED_OUT_MAX))
    return rows


def floor_multiples(tool_config, floor, untraced):
    """{workload: what the tool adds as a multiple of what the floor adds},
    over the workloads on which the floor adds at least FLOOR_MIN_ADDED."""
    multiples = {}
    for name in untraced["workloads"]:
        mine, empty = ratio(tool_config, name), ratio(floor, name)
        if mine is not None and empty is not None and empty >= 1 + FLOOR_MIN_ADDED:
            multiples[name] = (mine - 1) / (empty - 1)
    return multiples


def floor_rows(result):
    """filetop close to its floor on every workload."""
    cs = configs(result, "filetop")
    floor, auto = cs.get(FLOOR, {}), cs.get("fsbpf auto", {})
    if not (floor.get("attached") and auto.get("attached")):
        return []
    multiples = floor_multiples(auto, floor, cs["untraced"])
    if not multiples:
        return []
    worst = max(multiples, key=multiples.get)
    return [(f"filetop adds ≤ {FILETOP_FLOOR_MULTIPLE_MAX}× what the floor adds, every workload",
             f"worst {multiples[worst]:.2f}× ({worst})",
             multiples[worst] <= FILETOP_FLOOR_MULTIPLE_MAX)]


def syncsnoop_rows(result):
    """The fsync loop against untraced; here also the tracer's CPU, which
    TCG inflates tenfold in the guest."""
    auto = configs(result, "syncsnoop").get("fsbpf auto", {})
    w = auto.get("workloads", {}).get("pwrite+fsync tmpfs")
    if not (auto.get("attached") and w):
        return []
    guest = vfs_hooks(result)
    limit = SYNCSNOOP_FSYNC_TMPFS_GUEST_MAX if guest else SYNCSNOOP_FSYNC_TMPFS_MAX
    rows = [(f"syncsnoop pwrite+fsync tmpfs ≤ {limit}× untraced",
             fmt(w["median_ratio"]), w["median_ratio"] <= limit)]
    if guest:
        return rows
    cpu = w.get("median_tracer_cpu_ns")
    return rows + [(f"syncsnoop tracer CPU ≤ {SYNCSNOOP_TRACER_NS_MAX} ns per fsync",
                    "—" if cpu is None else f"{cpu:.0f} ns",
                    cpu is not None and cpu <= SYNCSNOOP_TRACER_NS_MAX)]


def syncsnoop_rate_rows(result):
    """Every fsync a row at 300,000/s for 10 s, default settings; n/a where
    the workload could not make that rate (the TCG guest)."""
    r = result.get("syncsnoop_rate")
    if not r:
        return []
    fast_enough = r["achieved_per_s"] >= SYNCSNOOP_RATE_MIN_SHARE * r["target_per_s"]
    complete = r["reported"] == r["calls"] and r["lost"] == 0
    return [(f"syncsnoop 0 lost at {r['target_per_s']:,} fsync/s, default settings",
             f"{r['reported']:,} of {r['calls']:,} rows, {r['lost']:,} lost at "
             f"{r['achieved_per_s']:,.0f}/s for {r['seconds']:.1f} s",
             complete if fast_enough else None)]


def start_up_rows(result):
    """Exec to ready: here at most EXEC_TO_READY_MAX_S; in the guest (vfs
    hooks, TCG) no slower than libbpf-tools' tool of the same name."""
    rows = []
    for suite in result["suites"]:
        tool, cs = suite["tool"], configs(result, suite["tool"])
        ready = cs.get("fsbpf auto", {}).get("exec_to_ready_s")
        if not ready:
            continue
        mine = min(ready)
        if not vfs_hooks(result):
            rows.append((f"{tool} exec to ready ≤ {EXEC_TO_READY_MAX_S} s", f"{mine:.2f} s",
                         mine <= EXEC_TO_READY_MAX_S))
            continue
        peer = cs.get("libbpf-tools", {})
        if peer.get("attached") and peer.get("exec_to_ready_s"):
            theirs = min(peer["exec_to_ready_s"])
            rows.append((f"{tool} exec to ready no slower than libbpf-tools ({theirs:.2f} s)",
                         f"{mine:.2f} s", mine <= theirs))
    return rows


def goals(result):
    """(goal, measured, pass) rows for one kernel."""
    rows = filtered_out_rows(result) + floor_rows(result) + syncsnoop_rows(result)
    rows += syncsnoop_rate_rows(result) + start_up_rows(result)
    filetop = configs(result, "filetop")
    auto = filetop.get("fsbpf auto", {})
    if auto.get("attached"):
        r = ratio(auto, "read 1B file")
        rows.append((f"filetop 1-byte read ≤ {FILETOP_READ_MAX}× untraced", fmt(r),
                     r is not None and r <= FILETOP_READ_MAX))
        mem = auto.get("memlock_10240_files_bytes")
        if mem is not None:
            rows.append(("filetop map memory at 10,240 files ≤ 4 MiB", f"{mem / 2**20:.1f} MiB",
                         mem <= FILETOP_MEMLOCK_MAX))
    limit = VFS_HOOK_GETPPID_MAX if vfs_hooks(result) else SYSCALL_HOOK_FLOOR
    for tool in ("filelife", "syncsnoop"):
        auto = configs(result, tool).get("fsbpf auto", {})
        if auto.get("attached"):
            r = ratio(auto, "getppid")
            rows.append((f"{tool} tax on getppid ≤ {limit}×", fmt(r), r is not None and r <= limit))
    for tool, workload in (("filetop", "read 1B file"), ("filelife", "create+unlink empty file")):
        cs = configs(result, tool)
        peer, ours = cs.get("libbpf-tools", {}), cs.get("fsbpf auto", {})
        seen = reported(peer, workload)
        if peer.get("attached") and seen is not None and seen < PEER_REPORTED_MIN:
            rows.append((f"{tool} added cost ≤ {PEER_ADDED_COST_MAX}× libbpf-tools' ({workload})",
                         f"no comparison: libbpf-tools reported {seen:.0%} of the calls", None))
        elif peer.get("attached") and ours.get("attached"):
            mine, theirs = ratio(ours, workload) - 1, ratio(peer, workload) - 1
            share = mine / theirs if theirs > 0 else None
            rows.append((f"{tool} added cost ≤ {PEER_ADDED_COST_MAX}× libbpf-tools' ({workload})",
                         fmt(share), share is not None and share <= PEER_ADDED_COST_MAX))
        elif "libbpf-tools" in cs:
            rows.append((f"libbpf-tools {tool} attaches", "no: " +
                         peer.get("error", "").strip().splitlines()[-1:][0] if peer.get("error") else "no",
                         None))
    return rows


def table(result):
    lines = [f"### {result['kernel']}", "",
             f"{result['rounds']} rounds at scale {result['scale']}, median ratio to the untraced "
             "run of the same round (min in parentheses); map memory from /proc/PID/fdinfo.", ""]
    for suite in result["suites"]:
        names = [c["name"] for c in suite["configs"] if c["name"] != "untraced"]
        untraced = next(c for c in suite["configs"] if c["name"] == "untraced")
        lines.append(f"**{suite['tool']}**")
        lines.append("")
        lines.append("| workload | untraced ns | " + " | ".join(names) + " |")
        lines.append("| --- | --- |" + " --- |" * len(names))
        for workload, w in untraced["workloads"].items():
            cells = []
            for c in suite["configs"]:
                if c["name"] == "untraced":
                    continue
                cw = c.get("workloads", {}).get(workload)
                cells.append(f"{cw['median_ratio']:.2f}× ({cw['min_ratio']:.2f})" if cw
                             else "cannot attach")
            lines.append(f"| {workload} | {w['median_ns']:.0f} | " + " | ".join(cells) + " |")
        lines += ["", "CPU time of the tracer itself per call (median ns; it shares the "
                  "machine's CPUs with the workload):", "",
                  "| workload | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
        for workload in untraced["workloads"]:
            cells = []
            for c in suite["configs"]:
                if c["name"] == "untraced":
                    continue
                cpu = c.get("workloads", {}).get(workload, {}).get("median_tracer_cpu_ns")
                cells.append("—" if cpu is None else f"{cpu:.0f}")
            lines.append(f"| {workload} | " + " | ".join(cells) + " |")
        for workload in untraced["workloads"]:
            shares = [f"{c['name']} {min(c['workloads'][workload]['reported_share']):.0%}"
                      for c in suite["configs"]
                      if c.get("workloads", {}).get(workload, {}).get("reported_share")]
            if shares:
                lines += ["", f"{workload}, calls each tracer reported (worst round): "
                          + ", ".join(shares)]
        mem = [f"{c['name']}: {c['memlock_bytes'] / 2**20:.2f} MiB" for c in suite["configs"]
               if c.get("memlock_bytes") is not None]
        ready = [f"{c['name']}: {min(c['exec_to_ready_s']):.2f} s" for c in suite["configs"]
                 if c.get("exec_to_ready_s")]
        tracked = [f"{c['name']}: {c['memlock_10240_files_bytes'] / 2**20:.2f} MiB"
                   for c in suite["configs"] if c.get("memlock_10240_files_bytes") is not None]
        lines += ["", "map memory at start: " + ", ".join(mem), "",
                  "map memory with 10,240 files tracked: " + ", ".join(tracked), "",
                  "exec to ready (min): " + ", ".join(ready), ""]
    rates = result.get("filelife_rates", [])
    if rates:
        lines += ["**filelife create+unlink rate**", "",
                  "| target/s | achieved/s | created | reported | lost | complete | accounted |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in rates:
            lines.append(f"| {r['target_per_s'] or 'max'} | {r['achieved_per_s']:.0f} | {r['created']} | "
                         f"{r['reported']} | {r['lost']} | {'yes' if r['complete'] else 'no'} | "
                         f"{'yes' if r.get('accounted') else 'NO'} |")
        lines.append("")
    lines += ["**goals**", "", "| goal | measured | result |", "| --- | --- | --- |"]
    for goal, measured, ok in goals(result):
        lines.append(f"| {goal} | {measured} | {'pass' if ok else 'n/a' if ok is None else 'FAIL'} |")
    lines.append("")
    return lines


def bars_of(result):
    bars = []
    for suite in result["suites"]:
        for c in suite["configs"]:
            if c["name"] == "untraced" or not c.get("attached"):
                continue
            for workload in ("read 1B file", "create+unlink empty file", "pwrite+fsync tmpfs",
                             "getppid"):
                r = ratio(c, workload)
                if r is not None:
                    bars.append((f"{suite['tool']} {c['name']}: {workload}", r))
    return bars


def chart(results, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    charts = [(result["kernel"], bars_of(result)) for result in results]
    heights = [max(2.0, 0.28 * len(bars)) for _, bars in charts]
    fig, axes = plt.subplots(len(charts), 1, figsize=(11, sum(heights) + 1), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (kernel, bars) in zip(axes[:, 0], charts):
        ax.barh([b[0] for b in bars], [b[1] for b in bars], color="#4a7ab0")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_title(f"cost relative to untraced (median ratio), {kernel}")
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return True


def main(argv):
    directory = Path(argv[1])
    results = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
    lines = ["# fsbpf benchmarks", "", "Written by `./run bench`; see the README's Benchmarks section.", ""]
    for result in results:
        lines += table(result)
    if chart(results, directory / "costs.png"):
        lines += ["![costs](costs.png)", ""]
    (directory / "README.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv)
