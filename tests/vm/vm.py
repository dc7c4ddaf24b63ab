#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel matrix: boots Debian's cloud kernels under QEMU and runs fsbpf's
kernel-facing integration tests inside each, then prints one table.

    vm.py BUILD_DIR [KERNEL...]      KERNEL: 5.10 6.1 6.12 6.18 sid (default: all)

Kernels come from Debian's archive through a private apt configuration under
~/.cache/fsbpf-vm (the machine's own apt setup is never changed), using the
mirrors the machine's apt configuration already names, with only the suite
names swapped. Downloaded kernels are cached between runs.
"""
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CACHE = Path(os.environ.get("FSBPF_VM_CACHE", Path.home() / ".cache" / "fsbpf-vm"))
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from summary import CASE  # noqa: E402  (the gtest result line, defined once)

# Which suites carry each kernel series, and the package version prefix.
SERIES = {
    "5.10": (["bullseye", "bullseye-security"], "5.10."),
    "6.1": (["bookworm", "bookworm-security"], "6.1."),
    "6.12": (["bookworm", "bookworm-security"], "6.12."),
    "6.18": (["trixie-backports"], "6.18."),
    "sid": (["sid"], ""),
}

# What `fsbpf features` must find in each series' BTF: the idmapping argument
# of vfs_unlink and struct renamedata's idmap fields (absent before 5.12).
EXPECTED_FEATURES = {
    "5.10": {"vfs_unlink_first": "struct inode *", "renamedata": set()},
    "6.1": {"vfs_unlink_first": "struct user_namespace *",
            "renamedata": {"old_mnt_userns", "new_mnt_userns"}},
    "6.12": {"vfs_unlink_first": "struct mnt_idmap *",
             "renamedata": {"old_mnt_idmap", "new_mnt_idmap"}},
    "6.18": {"vfs_unlink_first": "struct mnt_idmap *", "renamedata": {"mnt_idmap"}},
    "sid": {"vfs_unlink_first": "struct mnt_idmap *", "renamedata": {"mnt_idmap"}},
}
IDMAP_FIELDS = {"old_mnt_userns", "new_mnt_userns", "old_mnt_idmap", "new_mnt_idmap", "mnt_idmap"}
# Attach types every kernel of the matrix offers; the point is to run the
# backends this machine's kernel cannot.
REQUIRED_ATTACH = ["fentry", "fexit", "kprobe", "kretprobe", "tp_btf", "raw_tp", "tracepoint"]

BOOT_TIMEOUT = int(os.environ.get("FSBPF_VM_TIMEOUT", "1500"))
GUEST_MEMORY_MB = 1024


def log(message):
    print(f"vm: {message}", file=sys.stderr, flush=True)


# ---- Debian's archive, through a private apt configuration ----------------


def configured_mirrors():
    """(main, security) archive URIs from this machine's apt sources."""
    entries = []
    for path in glob.glob("/etc/apt/sources.list.d/*.sources"):
        for stanza in Path(path).read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1) for line in stanza.splitlines()
                if ":" in line and not line.startswith("#"))
            fields = {k.strip(): v.split() for k, v in fields.items()}
            if "deb" in fields.get("Types", []) and fields.get("Enabled", ["yes"]) != ["no"]:
                entries += [(uri, suite) for uri in fields.get("URIs", [])
                            for suite in fields.get("Suites", [])]
    for path in ["/etc/apt/sources.list", *glob.glob("/etc/apt/sources.list.d/*.list")]:
        if os.path.exists(path):
            for line in Path(path).read_text().splitlines():
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], words[2]))
    debian = [(uri, suite) for uri, suite in entries
              if re.match(r"(bullseye|bookworm|trixie|forky|sid|stable|testing|unstable)", suite)]
    main = next((uri for uri, suite in debian if "-security" not in suite), None)
    security = next((uri for uri, suite in debian if suite.endswith("-security")), None)
    if not main:
        raise SystemExit("vm: no Debian mirror found in this machine's apt configuration")
    return main.rstrip("/"), (security or main + "-security").rstrip("/")


class PrivateApt:
    """apt-get and apt-cache on a sources list of our own, under the cache."""

    def __init__(self, name, suites):
        self.root = CACHE / "apt" / name
        for sub in ["lists/partial", "archives/partial", "etc"]:
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        main, security = configured_mirrors()
        lines = [f"deb {security if s.endswith('-security') else main} {s} main" for s in suites]
        (self.root / "etc" / "sources.list").write_text("\n".join(lines) + "\n")

    def options(self):
        return [
            "-o", f"Dir::Etc::SourceList={self.root}/etc/sources.list",
            "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={self.root}/lists",
            "-o", f"Dir::Cache={self.root}",
            "-o", "Dir::Cache::archives=" + str(self.root / "archives"),
            "-o", "APT::Architecture=amd64",
            "-o", "APT::Sandbox::User=root",
            "-o", "Acquire::Languages=none",
            "-o", "Debug::NoLocking=1",
        ]

    def update(self):
        stamp = self.root / "updated"
        if stamp.exists() and time.time() - stamp.stat().st_mtime < 6 * 3600:
            return
        subprocess.run(["apt-get", *self.options(), "-qq", "update"], check=True)
        stamp.touch()

    def kernel_packages(self, prefix):
        """Cloud kernel image packages of a series, newest first."""
        out = subprocess.run(
            ["apt-cache", *self.options(), "search", "--names-only",
             r"^linux-image-[0-9].*-cloud-amd64(-unsigned)?$"],
            check=True, capture_output=True, text=True).stdout
        names = [line.split(" ")[0] for line in out.splitlines()]
        names = [n for n in names if n.startswith("linux-image-" + prefix)]
        return sorted(names, key=kernel_sort_key, reverse=True)

    def download(self, package, into):
        result = subprocess.run(["apt-get", *self.options(), "-qq", "download", package],
                                cwd=into, capture_output=True, text=True)
        return result.returncode == 0, result.stderr.strip()


def kernel_sort_key(package):
    numbers = [int(n) for n in re.findall(r"\d+", package.split("-cloud")[0])]
    return numbers, package.endswith("-unsigned")


@dataclass
class Kernel:
    series: str
    package: str
    vmlinuz: Path
    modules: Path  # the loop driver, for the ext4 image


def fetch_kernel(series):
    """The newest downloadable cloud kernel of a series, from the cache if there."""
    suites, prefix = SERIES[series]
    apt = PrivateApt(series, suites)
    try:
        apt.update()
    except subprocess.CalledProcessError:
        log(f"{series}: could not refresh the package index; trying the cache")
    store = CACHE / "kernels"
    store.mkdir(parents=True, exist_ok=True)
    failures = []
    for package in apt.kernel_packages(prefix):
        kernel_dir = store / package
        if (kernel_dir / "vmlinuz").exists():
            return Kernel(series, package, kernel_dir / "vmlinuz", kernel_dir / "loop.ko")
        with tempfile.TemporaryDirectory(dir=store) as tmp:
            ok, why = apt.download(package, tmp)
            if not ok:
                # Indexes can list packages whose files are gone: try the next older one.
                failures.append(f"{package}: {why.splitlines()[-1] if why else 'failed'}")
                continue
            debs = [next(Path(tmp).glob("*.deb"))]
            # Newer kernels split the image: vmlinuz and modules come in its dependencies.
            for part in split_image_parts(debs[0]):
                ok, why = apt.download(part, tmp)
                if not ok:
                    failures.append(f"{part}: {why.splitlines()[-1] if why else 'failed'}")
                    break
            else:
                unpack_kernel(list(Path(tmp).glob("*.deb")), Path(tmp) / "unpacked")
                shutil.move(str(Path(tmp) / "unpacked"), kernel_dir)
            if not kernel_dir.exists():
                continue
        log(f"{series}: fetched {package}")
        return Kernel(series, package, kernel_dir / "vmlinuz", kernel_dir / "loop.ko")
    raise RuntimeError(f"no {series} cloud kernel could be downloaded: " +
                       ("; ".join(failures) or "none listed"))


def split_image_parts(image_deb):
    """linux-binary-* and linux-modules-* packages an image package depends on."""
    depends = subprocess.run(["dpkg-deb", "-f", str(image_deb), "Depends"],
                             capture_output=True, text=True, check=True).stdout
    names = [dep.strip().split(" ")[0] for dep in depends.split(",")]
    return [n for n in names if n.startswith(("linux-binary-", "linux-modules-"))]


def unpack_kernel(debs, into):
    """Keeps vmlinuz and the loop driver (for the ext4 image) of the packages."""
    into.mkdir()
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(into / "root")], check=True)
    # /boot/vmlinuz-VERSION, or /usr/lib/modules/VERSION/vmlinuz in split packages.
    (vmlinuz,) = [*(into / "root" / "boot").glob("vmlinuz-*"),
                  *(into / "root").glob("usr/lib/modules/*/vmlinuz")]
    shutil.move(str(vmlinuz), into / "vmlinuz")
    loop = next((into / "root").glob("**/kernel/drivers/block/loop.ko*"), None)
    if loop:
        decompress_module(loop, into / "loop.ko")
    shutil.rmtree(into / "root")


def decompress_module(module, to):
    tools = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-dc"], ".gz": ["gzip", "-dc"]}
    command = tools.get(module.suffix)
    if command:
        with open(to, "wb") as out:
            subprocess.run([*command, str(module)], stdout=out, check=True)
    else:
        shutil.copy(module, to)


# ---- The guest: an initramfs with busybox, fsbpf and its tests ------------


INIT = r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/sbin:/usr/bin
mount -t sysfs sysfs /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /tmp
mkdir -p /mnt/ext4
if [ -f /lib/loop.ko ]; then insmod /lib/loop.ko 2>/dev/null; fi
losetup /dev/loop0 /ext4.img && mount -t ext4 /dev/loop0 /mnt/ext4
R=/dev/ttyS1
echo "FSBPF-VM-BEGIN $(uname -r)" > $R
grep -q " /mnt/ext4 ext4 " /proc/mounts && echo "EXT4 mounted" > $R
echo "FEATURES $(/fsbpf/fsbpf features --json)" > $R
@COMMAND@
FSBPF_BINARY=/fsbpf/fsbpf FSBPF_EXAMPLE_PLUGIN_PATH=/fsbpf/examples /fsbpf/integration_tests --gtest_filter='@FILTER@' > /tmp/gtest.log 2>&1
echo "GTEST-EXIT $?" > $R
sed 's/^/GTEST /' /tmp/gtest.log > $R
echo "FSBPF-VM-DONE" > $R
poweroff -f
"""


def shared_libraries(binary):
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    libs = re.findall(r"=> (/\S+)", out) + re.findall(r"^\s+(/\S+) \(", out, re.M)
    return [Path(lib) for lib in libs]


def copy_stripped(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    subprocess.run(["strip", "--strip-debug", str(target)], check=False, capture_output=True)
    os.chmod(target, 0o755)


def debug_command():
    command = os.environ.get("FSBPF_VM_COMMAND")
    return f"({command}) > $R 2>&1" if command else ""


def example_plugin(build_dir, out):
    """examples/plugin built out of tree against the installed SDK."""
    script = Path(__file__).resolve().parent.parent / "integration" / "example_plugin.sh"
    subprocess.run([str(script), str(build_dir), str(out)], check=True, stdout=subprocess.DEVNULL)
    return out / "fscalls.so"


def guest_tests(build_dir):
    """The gtest filter of what the guests run, and each tool's gtest suite
    prefix, as the build's list of tools made them (tests/integration/meson.build)."""
    return json.loads((build_dir / "tests" / "integration" / "guest_tests.json").read_text())


def build_initramfs(build_dir, out, test_filter):
    """Packs busybox, fsbpf, its plugins, the integration tests, bpftool and
    every shared library they load into a cpio archive."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ["bin", "sbin", "proc", "sys", "dev", "tmp", "mnt", "lib", "usr/sbin"]:
            (root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy("/bin/busybox", root / "bin" / "busybox")
        elves = {build_dir / "fsbpf": root / "fsbpf" / "fsbpf",
                 build_dir / "tests" / "integration" / "integration_tests":
                     root / "fsbpf" / "integration_tests",
                 Path(shutil.which("bpftool") or "/usr/sbin/bpftool"): root / "usr/sbin/bpftool"}
        # FSBPF_VM_EXTRA: more programs for /fsbpf, e.g. the benchmark and the peers.
        for extra in os.environ.get("FSBPF_VM_EXTRA", "").split():
            elves[Path(extra)] = root / "fsbpf" / Path(extra).name
        for plugin in (build_dir / "plugins").glob("*.so"):
            elves[plugin] = root / "fsbpf" / "plugins" / plugin.name
        elves[example_plugin(build_dir, Path(tmp) / "examples")] = \
            root / "fsbpf" / "examples" / "fscalls.so"
        libraries = set()
        for source, target in elves.items():
            copy_stripped(source, target)
            libraries.update(shared_libraries(source))
        for lib in libraries:
            copy_stripped(lib.resolve(), root / lib.relative_to("/"))
        subprocess.run(["mkfs.ext4", "-q", "-F", str(root / "ext4.img"), "32M"], check=True,
                       capture_output=True)
        init = root / "init"
        # FSBPF_VM_COMMAND: a shell command to run in each guest first, to debug.
        init.write_text(INIT.replace("@FILTER@", os.environ.get("FSBPF_VM_TESTS", test_filter))
                        .replace("@COMMAND@", debug_command()))
        init.chmod(0o755)
        files = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        with open(out, "wb") as archive:
            subprocess.run(["busybox", "cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=root,
                           input=files, stdout=archive, check=True)


def initramfs_for(kernel, base, workdir):
    """The shared archive plus the kernel's own loop driver."""
    if not kernel.modules.exists():
        return base
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "lib").mkdir()
        shutil.copy(kernel.modules, Path(tmp) / "lib" / "loop.ko")
        extra = workdir / "modules.cpio"
        with open(extra, "wb") as archive:
            subprocess.run(["busybox", "cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=tmp,
                           input=b"lib\nlib/loop.ko\n", stdout=archive, check=True)
    combined = workdir / "initramfs.cpio"
    with open(combined, "wb") as out:
        for part in [base, extra]:
            out.write(Path(part).read_bytes())
    return combined


# ---- Booting and reading what the guest reported --------------------------


@dataclass
class Boot:
    kernel: Kernel
    release: str = ""
    finished: bool = False
    ext4: bool = False
    features: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)  # test name -> OK / FAILED / SKIPPED
    case_output: dict = field(default_factory=dict)
    console: str = ""
    seconds: float = 0


def boot(kernel, base_initramfs):
    workdir = CACHE / "runs" / kernel.series
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    console, results = workdir / "console.log", workdir / "results.log"
    command = [
        "timeout", "--kill-after=10", str(BOOT_TIMEOUT),
        "qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", str(GUEST_MEMORY_MB),
        "-nodefaults", "-display", "none", "-no-reboot",
        "-kernel", str(kernel.vmlinuz), "-initrd", str(initramfs_for(kernel, base_initramfs, workdir)),
        "-append", "console=ttyS0 panic=-1 rdinit=/init",
        "-serial", f"file:{console}", "-serial", f"file:{results}",
    ]
    start = time.monotonic()
    subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    result = parse_results(kernel, results.read_text(errors="replace") if results.exists() else "")
    result.console = console.read_text(errors="replace") if console.exists() else ""
    result.seconds = time.monotonic() - start
    return result




def parse_results(kernel, text):
    """Results the guest wrote to its second serial port (CRLF lines)."""
    result = Boot(kernel)
    current = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("FSBPF-VM-BEGIN "):
            result.release = line.split(" ", 1)[1]
        elif line == "FSBPF-VM-DONE":
            result.finished = True
        elif line == "EXT4 mounted":
            result.ext4 = True
        elif line.startswith("FEATURES "):
            try:
                result.features = json.loads(line[len("FEATURES "):])
            except json.JSONDecodeError:
                result.features = {}
        elif line.startswith("GTEST "):
            gtest = line[len("GTEST "):]
            if gtest.startswith("[ RUN      ]"):
                current = []
            current.append(gtest)
            match = CASE.match(gtest)
            if match:
                result.cases[match.group(2)] = match.group(1)
                result.case_output[match.group(2)] = "\n".join(current)
    return result


def feature_problems(series, features):
    """Differences between what fsbpf reported and what the series really has."""
    if not features:
        return ["fsbpf features printed no JSON"]
    problems = []
    expected = EXPECTED_FEATURES[series]
    params = features.get("signatures", {}).get("vfs_unlink", [])
    if not params or params[0] != expected["vfs_unlink_first"]:
        problems.append(f"vfs_unlink{tuple(params)}: expected first parameter "
                        f"{expected['vfs_unlink_first']}")
    idmaps = set(features.get("renamedata_fields", [])) & IDMAP_FIELDS
    if idmaps != expected["renamedata"]:
        problems.append(f"renamedata idmap fields {sorted(idmaps)}, expected "
                        f"{sorted(expected['renamedata'])}")
    for attach in REQUIRED_ATTACH:
        verdict = features.get("attach", {}).get(attach, {})
        if not verdict.get("supported"):
            problems.append(f"{attach} does not attach: {verdict.get('error', 'not reported')}")
    return problems


# ---- The table -------------------------------------------------------------


def group_of(case, tools):
    """(tool, backend) a test case belongs to, for the table. Cases of a
    tool's SuiteBackend suites are named after their backend, a file system
    name perhaps appended (tp_btf_ext4)."""
    suite = case.split("/")[1] if case.count("/") == 2 else case
    for tool, prefix in tools.items():
        if suite.startswith(prefix + "Backend."):
            return tool, re.sub(r"_(tmpfs|ext4)$", "", case.rsplit("/", 1)[1])
        if prefix in suite:
            return tool, "auto (filters, output, limits)"
    if "ExamplePlugin" in case:
        return "fscalls (SDK example)", case.rsplit("/", 1)[1]
    return "fsbpf", case.split(".")[0].lower()


@dataclass
class Row:
    kernel: str
    tool: str
    backend: str
    result: str  # pass, FAIL, or skip (a backend the tool says cannot work on that kernel)
    detail: str = ""


def rows_of(boot_result, tools):
    series = boot_result.kernel.series
    label = f"{series} ({boot_result.release or boot_result.kernel.package})"
    if not boot_result.finished:
        tail = "\n".join(boot_result.console.splitlines()[-40:])
        return [Row(label, "boot", "-", "FAIL",
                    f"the guest did not finish (panic, hang or boot failure); console:\n{tail}")]
    rows = []
    problems = feature_problems(series, boot_result.features)
    rows.append(Row(label, "fsbpf", "kernel facts", "FAIL" if problems else "pass",
                    "\n".join(problems)))
    rows.append(Row(label, "guest", "ext4 mount", "pass" if boot_result.ext4 else "FAIL",
                    "" if boot_result.ext4 else "the ext4 image was not mounted"))
    groups = {}
    for case, verdict in boot_result.cases.items():
        groups.setdefault(group_of(case, tools), []).append((case, verdict))
    if not groups:
        rows.append(Row(label, "tests", "-", "FAIL", "no test ran"))
    for (tool, backend), cases in sorted(groups.items()):
        verdicts = {v for _, v in cases}
        result = "FAIL" if "FAILED" in verdicts else "skip" if verdicts == {"SKIPPED"} else "pass"
        noted = [c for c, v in cases if v != "OK"]
        detail = "\n\n".join(boot_result.case_output.get(c, c) for c in noted)
        rows.append(Row(label, tool, backend, result, detail))
    return rows


def print_table(rows):
    widths = [max(len(getattr(r, k)) for r in rows + [Row("kernel", "tool", "backend", "")])
              for k in ("kernel", "tool", "backend")]
    header = ["kernel", "tool", "backend"]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  result")
    for row in rows:
        cells = [row.kernel, row.tool, row.backend]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + row.result)
    for row in rows:
        if row.result != "pass":
            print(f"\n--- {row.kernel} {row.tool} {row.backend}: {row.result} ---\n{row.detail}")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = Path(argv[1]).resolve()
    wanted = argv[2:] or list(SERIES)
    unknown = [k for k in wanted if k not in SERIES]
    if unknown:
        print(f"vm: unknown kernel {' '.join(unknown)}; choose from {' '.join(SERIES)}",
              file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    base = CACHE / "initramfs.cpio"
    guest = guest_tests(build_dir)
    build_initramfs(build_dir, base, guest["filter"])

    rows = []
    kernels = []
    for series in wanted:
        try:
            kernels.append(fetch_kernel(series))
        except (RuntimeError, subprocess.CalledProcessError) as error:
            rows.append(Row(series, "download", "-", "FAIL", str(error)))
    # Two guests at a time, one per core; the newest kernels, which take
    # longest (about twice 5.10's time), first, so that the last to finish
    # is a short one and no core waits long on it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        booted = dict(pool.map(lambda k: (k.series, boot(k, base)), kernels[::-1]))
    for kernel in kernels:
        result = booted[kernel.series]
        log(f"{kernel.series}: {kernel.package} ran in {result.seconds:.0f} s")
        rows += rows_of(result, guest["tools"])
    print_table(rows)
    results = [row.result for row in rows]
    failed = results.count("FAIL")
    print(f"vm: {results.count('skip')} skipped")
    print(f"vm: {results.count('pass')} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
