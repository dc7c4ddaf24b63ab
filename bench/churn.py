#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The exporter's memory while comms and files churn: RSS and series before
and after COMMS distinct commands each create, write and delete FILES/COMMS
distinct files, and a scrape's time with all those series.

    churn.py FSBPF_BINARY [FILES [COMMS [MAX_SERIES]]]   (1000000 10000 1000)

Prints one JSON object. The accounting check: filelife's deaths (summed over
comms, "other" included) plus its unreported counters must cover every file.
"""
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

PORT = 19865
libc = ctypes.CDLL(None, use_errno=True)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"^VmRSS:\s+(\d+)", status.read(), re.M).group(1))


def scrape():
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=30) as response:
        text = response.read().decode()
    return text, time.monotonic() - start


def value(text, pattern):
    return sum(float(v) for v in re.findall(rf"^{pattern} (\S+)$", text, re.M))


def churn(directory, files, comms):
    """In a child: comm after comm, each creating and deleting its share of files."""
    pid = os.fork()
    if pid == 0:
        block = b"x"
        for c in range(comms):
            libc.prctl(15, f"churn{c:05d}".encode(), 0, 0, 0)
            for f in range(files // comms):
                path = os.path.join(directory, f"{c}-{f}")
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.write(fd, block)
                os.close(fd)
                os.unlink(path)
        os._exit(0)
    os.waitpid(pid, 0)


def main(argv):
    fsbpf = argv[1]
    files = int(argv[2]) if len(argv) > 2 else 1_000_000
    comms = int(argv[3]) if len(argv) > 3 else 10_000
    max_series = argv[4] if len(argv) > 4 else "1000"
    exporter = subprocess.Popen([fsbpf, "exporter", "--listen", f"127.0.0.1:{PORT}",
                                 "--max-series", max_series], stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if 'fsbpf_tool_up{tool="filelife"} 1' in scrape()[0]:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        before_text, _ = scrape()
        before = {"rss_kib": rss_kib(exporter.pid),
                  "series": value(before_text, "fsbpf_exporter_series")}
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir="/tmp") as directory:
            churn(directory, files, comms)
        seconds = time.monotonic() - started
        time.sleep(3)  # two collections
        text, scrape_seconds = scrape()
        deaths = value(text, r'fsbpf_filelife_deaths_total'
                             r'\{comm="(?:churn\d+|other)",container="[^"]*"\}')
        unreported = value(text, r'fsbpf_events_unreported_total\{tool="filelife",reason="[^"]+"\}')
        created = comms * (files // comms)
        out = {
            "files": created, "comms": comms, "max_series": int(max_series),
            "workload_seconds": round(seconds, 1),
            "before": before,
            "after": {"rss_kib": rss_kib(exporter.pid),
                      "series": value(text, "fsbpf_exporter_series"),
                      "folded_updates": value(text, r"fsbpf_exporter_folded_updates_total\{[^}]*\}"),
                      "scrape_ms": round(scrape_seconds * 1000, 1),
                      "render_ms": round(value(text, "fsbpf_exporter_scrape_duration_seconds")
                                         * 1000, 1),
                      "bytes": len(text)},
            "filelife_deaths": deaths, "filelife_unreported": unreported,
            "accounted": deaths + unreported >= created,
        }
        print(json.dumps(out, indent=1))
        return 0 if out["accounted"] else 1
    finally:
        exporter.terminate()
        exporter.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
