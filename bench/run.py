#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""./run bench [--quick]: fsbpf-compare on this kernel and inside the kernel
matrix's 6.12 guest (which has kprobes and fentry, so the peers attach),
the exporter's memory under churn here (bench/churn.py), then
bench/report.py over bench/results/.

    run.py BUILD_DIR [--quick] [--here | --guest]   (both by default)
"""
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
VM_KERNEL = "6.12"
PEERS = "/usr/sbin"


def compare_args(build, quick, guest):
    fsbpf = "/fsbpf/fsbpf" if guest else str(build / "fsbpf")
    args = ["--fsbpf", fsbpf, "--peers", "/fsbpf" if guest else PEERS,
            "--rounds", "3" if quick else "7"]
    # TCG runs system calls tens of times slower; its ext4 image is too small
    # for 10,240 files, so the guest works on its tmpfs.
    scale = (0.02 if quick else 0.1) if guest else (0.25 if quick else 1.0)
    args += ["--scale", str(scale), "--dir", "/tmp"]
    if not guest:
        # The floor here: an empty program on the tools' own mechanism, tp_btf.
        args += ["--hookcost", str(build / "bench" / "hookcost" / "hookcost")]
    if guest and quick:
        # The guest is there for the vfs hooks and the peers; the syscall
        # backends are measured on this kernel, and under TCG their 22
        # tracepoints take 20 s to attach.
        args += ["--backends", "auto,fentry,kprobe"]
    return args


def here(build, quick):
    out = subprocess.run([str(build / "bench" / "compare" / "fsbpf-compare")]
                         + compare_args(build, quick, False),
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    release = os.uname().release
    (RESULTS / f"{release}.json").write_text(out)
    print(f"bench: {release} done", file=sys.stderr)
    exporter_churn(build, quick, release)


def exporter_churn(build, quick, release):
    """The exporter's RSS and series as files and comms churn (bench/churn.py)."""
    files, comms = ("20000", "200") if quick else ("1000000", "10000")
    churn = subprocess.run([sys.executable, str(HERE / "churn.py"), str(build / "fsbpf"),
                            files, comms], stdout=subprocess.PIPE, text=True)
    # Not *.json at the top: report.py reads those as fsbpf-compare's.
    (RESULTS / "exporter").mkdir(exist_ok=True)
    (RESULTS / "exporter" / f"churn-{release}.json").write_text(churn.stdout)
    print(churn.stdout, file=sys.stderr)
    if churn.returncode != 0:
        raise SystemExit("bench: the exporter did not account for every file")


def in_guest(build, quick):
    compare = build / "bench" / "compare" / "fsbpf-compare"
    command = ("echo BENCH-BEGIN > /dev/ttyS1; /fsbpf/fsbpf-compare "
               + " ".join(compare_args(build, quick, True))
               + " > /tmp/bench.json 2>/tmp/bench.err; cat /tmp/bench.json /tmp/bench.err > /dev/ttyS1;"
               " echo BENCH-END > /dev/ttyS1")
    # One vCPU, as the matrix runs: a tracer's reader shares it with the
    # workload, so its work counts too. (Two vCPUs under TCG made getppid
    # vary by 15% between rounds with nothing attached to it.)
    env = dict(os.environ, FSBPF_VM_COMMAND=command, FSBPF_VM_TESTS="None.none",
               FSBPF_VM_EXTRA=f"{compare} {PEERS}/filetop {PEERS}/filelife")
    subprocess.run([sys.executable, str(HERE.parent / "tests" / "vm" / "vm.py"), str(build),
                    VM_KERNEL], env=env, capture_output=True, text=True)
    cache = Path(os.environ.get("FSBPF_VM_CACHE", Path.home() / ".cache" / "fsbpf-vm"))
    log = (cache / "runs" / VM_KERNEL / "results.log").read_text(errors="replace")
    match = re.search(r"BENCH-BEGIN\n(.*?)\n(?=BENCH-END)", log, re.S)
    text = match.group(1) if match else ""
    start, end = text.find("{"), text.rfind("}")
    if start < 0:
        print(f"bench: the {VM_KERNEL} guest gave no result:\n{log[-3000:]}", file=sys.stderr)
        return
    body = text[start:end + 1]
    release = re.search(r'"kernel": "([^"]+)"', body).group(1)
    (RESULTS / f"{release}.json").write_text(body)
    print(f"bench: {release} (guest) done", file=sys.stderr)


def main(argv):
    build = Path(argv[1]).resolve()
    quick = "--quick" in argv[2:]
    RESULTS.mkdir(exist_ok=True)
    if "--guest" not in argv[2:]:
        here(build, quick)
    if "--here" not in argv[2:]:
        in_guest(build, quick)
    subprocess.run([sys.executable, str(HERE / "report.py"), str(RESULTS)], check=True)


if __name__ == "__main__":
    main(sys.argv)
