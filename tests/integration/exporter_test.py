#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fsbpf exporter, scraped by Debian's real Prometheus server and node_exporter.

Known workloads run under unique command names; once they end and another
scrape has passed, Prometheus' HTTP API must return their exact counts.
Root, loopback only, every wait bounded.

    exporter_test.py FSBPF_BINARY
"""
import warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
import base64
import crypt
import ctypes
import http.client
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

FSBPF = None
INTERVAL = 0.2  # the exporter's collections
SCRAPE = 1  # Prometheus' scrape interval, seconds
WAIT_SECONDS = 60

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15


def cgroup2_root():
    for root in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(root, "cgroup.procs")) and not os.path.exists(
                os.path.join(root, "tasks")):
            return root
    raise unittest.SkipTest("no cgroup2 file system is mounted")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def http_get(url, accept=None, context=None, auth=None):
    headers = {"Accept": accept} if accept else {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return response.headers.get("Content-Type"), response.read().decode()


def in_child(comm, work):
    """Runs work() in a forked child whose command name is comm."""
    pid = os.fork()
    if pid == 0:
        try:
            libc.prctl(PR_SET_NAME, comm.encode(), 0, 0, 0)
            work()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"workload {comm} failed"


def write_file(path, writes, size):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    block = b"x" * size
    for _ in range(writes):
        assert os.write(fd, block) == size
    os.close(fd)


def write_and_delete_as(directory, comms, files):
    """One thread writes files one after another, each deleted before the
    next is made (so that they share inode numbers), changing its command
    name between them."""
    for i in range(files):
        libc.prctl(PR_SET_NAME, comms[i % len(comms)].encode(), 0, 0, 0)
        path = os.path.join(directory, "reused")
        write_file(path, 1, 10)
        os.unlink(path)


def sync_file_ranges(path, calls):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"y")
    for _ in range(calls):
        assert libc.sync_file_range(fd, ctypes.c_long(0), ctypes.c_long(0), 2) == 0
    os.close(fd)


def create_and_remove(directory, files):
    for i in range(files):
        path = os.path.join(directory, f"f{i}")
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.unlink(path)


class Servers:
    """The exporter, Prometheus and node_exporter, all on loopback."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.textfile_dir = self.workdir / "textfile"
        self.textfile_dir.mkdir()
        self.exporter_port, self.prometheus_port, self.node_port = (free_port() for _ in range(3))
        self.processes = []
        self.exporter = None
        self.logs = []

    scheme, context, auth = "http", None, None

    def start_exporter(self, *extra, wrapper=()):
        self.exporter = subprocess.Popen(
            [*wrapper, FSBPF, "exporter", "--listen", f"127.0.0.1:{self.exporter_port}",
             "--interval", str(INTERVAL), "--textfile", str(self.textfile_dir), *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log("exporter.log"))
        wait_for("the exporter's /metrics", self.exporter_answers)

    def log(self, name):
        file = open(self.workdir / name, "ab")
        self.logs.append(file)
        return file

    def exporter_answers(self):
        try:
            _, text = http_get(self.exporter_url(), context=self.context, auth=self.auth)
        except OSError:
            return False
        return all(f'fsbpf_tool_up{{tool="{tool}"}} 1' in text
                   for tool in ("filetop", "filelife", "syncsnoop"))

    def exporter_url(self):
        return f"{self.scheme}://127.0.0.1:{self.exporter_port}/metrics"

    def start_scrapers(self, fsbpf_job=None):
        config = self.workdir / "prometheus.yml"
        config.write_text(json.dumps({
            "global": {"scrape_interval": f"{SCRAPE}s", "scrape_timeout": f"{SCRAPE}s"},
            "scrape_configs": [
                {"job_name": "fsbpf",
                 "static_configs": [{"targets": [f"127.0.0.1:{self.exporter_port}"]}],
                 **(fsbpf_job or {})},
                {"job_name": "node",
                 "static_configs": [{"targets": [f"127.0.0.1:{self.node_port}"]}]},
            ]}))
        log = self.log("scrapers.log")
        self.processes.append(subprocess.Popen(
            ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{self.node_port}",
             "--collector.disable-defaults", "--collector.textfile",
             f"--collector.textfile.directory={self.textfile_dir}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log))
        self.processes.append(subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.prometheus_port}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.workdir))
        wait_for("Prometheus scraping both targets",
                 lambda: self.query('count(up{job=~"fsbpf|node"} == 1)') == 2)

    def query(self, expression):
        """The value of an instant query's only series, or None when it has none."""
        url = (f"http://127.0.0.1:{self.prometheus_port}/api/v1/query?" +
               urllib.parse.urlencode({"query": expression}))
        try:
            _, text = http_get(url)
        except OSError:
            return None
        result = json.loads(text)["data"]["result"]
        assert len(result) <= 1, f"{expression}: {len(result)} series"
        return float(result[0]["value"][1]) if result else None

    def scraped_after(self, moment):
        """Waits until both jobs' last scrapes began after moment (Unix time)."""
        def done():
            for job in ("fsbpf", "node"):
                last = self.query(f'timestamp(up{{job="{job}"}})')
                if last is None or last < moment:
                    return False
            return True
        wait_for("a scrape after the workloads", done)

    def stop(self):
        for process in self.processes + [self.exporter]:
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for file in self.logs:
            file.close()


def program_ids():
    """The IDs of every BPF program in the kernel."""
    out = subprocess.run(["bpftool", "prog", "show", "--json"], capture_output=True,
                         check=True, text=True).stdout
    return {program["id"] for program in json.loads(out)}


class ExporterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fsbpf-exporter-")
        cls.servers = Servers(cls.tmp.name)
        cls.servers.start_exporter()
        cls.servers.start_scrapers()

    @classmethod
    def tearDownClass(cls):
        cls.servers.stop()
        cls.tmp.cleanup()

    def unique(self, what):
        return f"{what}{random.randrange(10**6):06d}"[:15]

    def test_exact_counts_through_prometheus(self):
        servers = self.servers
        writer, syncer, deleter = self.unique("w"), self.unique("s"), self.unique("d")
        writes, size, syncs, files = 37, 4096, 11, 23
        work = Path(self.tmp.name) / "work"
        work.mkdir(exist_ok=True)
        latency_before = servers.query(
            'fsbpf_syncsnoop_latency_seconds_count{job="fsbpf",call="sync_file_range"}')
        in_child(writer, lambda: write_file(work / "written", writes, size))
        in_child(syncer, lambda: sync_file_ranges(work / "synced", syncs))
        in_child(deleter, lambda: create_and_remove(work, files))
        reusers = [self.unique("r"), self.unique("q")]
        in_child(reusers[0], lambda: write_and_delete_as(work, reusers, 20))
        time.sleep(INTERVAL * 2)
        servers.scraped_after(time.time())

        for job in ("fsbpf", "node"):  # node: through --textfile and node_exporter
            with self.subTest(job=job):
                self.assertEqual(servers.query(
                    f'fsbpf_filetop_write_calls_total{{job="{job}",comm="{writer}",'
                    f'type="regular"}}'), writes)
                self.assertEqual(servers.query(
                    f'fsbpf_filetop_write_bytes_total{{job="{job}",comm="{writer}",'
                    f'type="regular"}}'), writes * size)
                self.assertEqual(servers.query(
                    f'fsbpf_syncsnoop_calls_total{{job="{job}",comm="{syncer}",'
                    f'call="sync_file_range"}}'), syncs)
                self.assertEqual(servers.query(
                    f'fsbpf_filelife_deaths_total{{job="{job}",comm="{deleter}"}}'), files)
                for reuser in reusers:
                    self.assertEqual(servers.query(
                        f'fsbpf_filetop_write_bytes_total{{job="{job}",comm="{reuser}",'
                        f'type="regular"}}'), 10 * 10)
        # Nothing else here calls sync_file_range: the histogram counts ours exactly.
        latency_after = servers.query(
            'fsbpf_syncsnoop_latency_seconds_count{job="fsbpf",call="sync_file_range"}')
        self.assertEqual(latency_after - (latency_before or 0), syncs)
        self.assertEqual(servers.query(
            'sum(fsbpf_events_unreported_total{job="fsbpf"})'), 0)

    def test_container_label(self):
        """Work done in a cgroup named as docker names a container's is
        counted under that container's short id, in each tool's metrics. The
        cgroup stays until the scrape, as a container outlives a collection
        interval: fsbpf names a cgroup when it reads its first record."""
        servers = self.servers
        writer, syncer, deleter = self.unique("w"), self.unique("s"), self.unique("d")
        work = Path(self.tmp.name) / "container"
        work.mkdir(exist_ok=True)
        container_id = "".join(random.choice("0123456789abcdef") for _ in range(64))
        cgroup = Path(cgroup2_root()) / f"fsbpf-exporter-{os.getpid()}" / (
            f"docker-{container_id}.scope")
        cgroup.mkdir(parents=True)
        try:
            def inside(work_fn):
                return lambda: (cgroup.joinpath("cgroup.procs").write_text("0"), work_fn())
            in_child(writer, inside(lambda: write_file(work / "written", 13, 100)))
            in_child(syncer, inside(lambda: sync_file_ranges(work / "synced", 5)))
            in_child(deleter, inside(lambda: create_and_remove(work, 7)))
            time.sleep(INTERVAL * 2)
            servers.scraped_after(time.time())
        finally:
            cgroup.rmdir()
            cgroup.parent.rmdir()
        short = container_id[:12]
        self.assertEqual(servers.query(
            f'fsbpf_filetop_write_calls_total{{job="fsbpf",comm="{writer}",'
            f'type="regular",container="{short}"}}'), 13 + 1)  # + its cgroup.procs write
        self.assertEqual(servers.query(
            f'fsbpf_syncsnoop_calls_total{{job="fsbpf",comm="{syncer}",'
            f'call="sync_file_range",container="{short}"}}'), 5)
        self.assertEqual(servers.query(
            f'fsbpf_filelife_deaths_total{{job="fsbpf",comm="{deleter}",'
            f'container="{short}"}}'), 7)

    def test_text_format_passes_promtool(self):
        content_type, text = http_get(self.servers.exporter_url())
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        check = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_openmetrics_when_asked(self):
        """promtool 2.42 lints the text format only; Prometheus itself asks for
        OpenMetrics first, so the exact counts above were read in it."""
        content_type, text = http_get(self.servers.exporter_url(),
                                      "application/openmetrics-text; version=1.0.0")
        self.assertTrue(content_type.startswith("application/openmetrics-text; version=1.0.0"))
        self.assertTrue(text.endswith("\n# EOF\n"))
        self.assertIn("# TYPE fsbpf_syncsnoop_calls counter\n", text)
        self.assertIn("# UNIT fsbpf_syncsnoop_latency_seconds seconds\n", text)
        self.assertEqual(text.count("# EOF"), 1)

    def test_landing_page_links_metrics(self):
        _, page = http_get(f"http://127.0.0.1:{self.servers.exporter_port}/")
        self.assertIn('href="/metrics"', page)


class LifecycleTest(unittest.TestCase):
    def test_kill_9_leaves_nothing_attached_and_a_restart_serves(self):
        with tempfile.TemporaryDirectory(prefix="fsbpf-exporter-") as workdir:
            servers = Servers(workdir)
            try:
                before = program_ids()
                servers.start_exporter()
                loaded = program_ids() - before
                self.assertNotEqual(loaded, set())
                servers.exporter.send_signal(signal.SIGKILL)
                servers.exporter.wait(timeout=30)
                wait_for("the killed exporter's programs to go",
                         lambda: not loaded & program_ids())
                servers.start_exporter()
            finally:
                servers.stop()
            self.assertEqual(servers.exporter.returncode, 0)

    def test_cap_bpf_and_cap_perfmon_are_enough_for_every_tool(self):
        """What the systemd unit grants: root without the other capabilities."""
        with tempfile.TemporaryDirectory(prefix="fsbpf-exporter-") as workdir:
            servers = Servers(workdir)
            try:
                servers.start_exporter(wrapper=(
                    "setpriv", "--bounding-set=-all,+bpf,+perfmon", "--inh-caps=-all"))
            finally:
                servers.stop()
            self.assertEqual(servers.exporter.returncode, 0)

    def test_final_textfile_accounts_for_every_call(self):
        """After SIGTERM the textfile holds the last collection: per-comm calls
        plus lost events add up to the BPF histogram's count for each call."""
        with tempfile.TemporaryDirectory(prefix="fsbpf-exporter-") as workdir:
            servers = Servers(workdir)
            try:
                servers.start_exporter()
                in_child(self.unique(), lambda: sync_file_ranges(Path(workdir) / "s", 9))
            finally:
                servers.stop()
            text = (servers.textfile_dir / "fsbpf.prom").read_text()
            calls = sum(float(v) for v in re.findall(
                r'^fsbpf_syncsnoop_calls_total\{call="sync_file_range",comm="[^"]*"[^}]*\} (\S+)$',
                text, re.M))
            lost = float(re.search(
                r'^fsbpf_events_unreported_total\{tool="syncsnoop",reason="lost"\} (\S+)$',
                text, re.M).group(1))
            count = float(re.search(
                r'^fsbpf_syncsnoop_latency_seconds_count\{call="sync_file_range"\} (\S+)$',
                text, re.M).group(1))
            self.assertGreaterEqual(count, 9)
            self.assertEqual(calls + lost, count)

    def unique(self):
        return f"t{random.randrange(10**6):06d}"


class SecureTest(unittest.TestCase):
    """TLS and basic auth from an exporter-toolkit web config, scraped by Prometheus."""

    def test_prometheus_scrapes_over_tls_with_basic_auth(self):
        with tempfile.TemporaryDirectory(prefix="fsbpf-exporter-") as workdir:
            work = Path(workdir)
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", work / "key.pem", "-out", work / "cert.pem",
                            "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            password = "s3cret:with colon"
            hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024))
            (work / "web.yml").write_text(
                "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                f"basic_auth_users:\n  prom: '{hashed}'\n")
            servers = Servers(workdir)
            servers.scheme = "https"
            servers.context = ssl.create_default_context(cafile=work / "cert.pem")
            servers.auth = f"prom:{password}"
            try:
                servers.start_exporter("--web-config", str(work / "web.yml"))
                for auth in (None, "prom:wrong", f"nobody:{password}"):
                    with self.subTest(auth=auth):
                        with self.assertRaises(urllib.error.HTTPError) as refused:
                            http_get(servers.exporter_url(), context=servers.context,
                                     auth=auth)
                        self.assertEqual(refused.exception.code, 401)
                with self.assertRaises((urllib.error.URLError, http.client.HTTPException,
                                        ConnectionError)):
                    http_get(f"http://127.0.0.1:{servers.exporter_port}/metrics")
                servers.start_scrapers({
                    "scheme": "https",
                    "tls_config": {"ca_file": str(work / "cert.pem")},
                    "basic_auth": {"username": "prom", "password": password}})
                syncer = f"a{random.randrange(10**6):06d}"
                in_child(syncer, lambda: sync_file_ranges(work / "s", 7))
                time.sleep(INTERVAL * 2)
                servers.scraped_after(time.time())
                self.assertEqual(servers.query(
                    f'fsbpf_syncsnoop_calls_total{{job="fsbpf",comm="{syncer}"}}'), 7)
            finally:
                servers.stop()

    def test_a_setting_it_cannot_honour_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as config:
            config.write("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                         "  client_auth_type: RequireAndVerifyClientCert\n")
            config.flush()
            run = subprocess.run([FSBPF, "exporter", "--web-config", config.name],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("'client_auth_type' is not supported", run.stderr)


class UsageTest(unittest.TestCase):
    def test_bad_input_is_one_line_and_exit_2(self):
        for args, says in (
                (["--listen", "localhost:9864"], "--listen: 'localhost:9864' is not"),
                (["--listen", "127.0.0.1:70000"], "--listen: '127.0.0.1:70000' is not"),
                (["--listen", "none"], "--listen none needs --textfile"),
                (["--textfile", "/nonexistent"], "--textfile: /nonexistent: No such file"),
                (["--tools", "filetop,nosuch"], "--tools: no tool named 'nosuch'"),
                (["--interval", "0"], "--interval")):
            with self.subTest(args=args):
                run = subprocess.run([FSBPF, "exporter"] + args, capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(run.returncode, 2, run.stderr)
                self.assertEqual(run.stdout, "")
                self.assertEqual(len(run.stderr.splitlines()), 1, run.stderr)
                self.assertIn(says, run.stderr)

    def test_a_port_in_use_is_a_runtime_failure(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            run = subprocess.run([FSBPF, "exporter", "--listen", f"127.0.0.1:{port}",
                                  "--duration", "30"], capture_output=True, text=True,
                                 timeout=60)
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIn(f"cannot listen on 127.0.0.1:{port}", run.stderr)


if __name__ == "__main__":
    FSBPF = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
