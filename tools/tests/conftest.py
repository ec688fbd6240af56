"""The sigil command's tests: `tools/` on the path (as `python3 -m sigil_cli` runs it) and the
capture harness's run-time protobuf code for building real request bytes."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "conformance"))


import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

import pytest  # noqa: E402

BUILD = os.environ.get("SIGIL_BUILD_DIR", os.path.join(ROOT, "build"))
LIBRARY = os.environ.get("SIGIL_LIBRARY") or os.path.join(BUILD, "libsigil.so")


class ReceiverProcess:
    """`python3 -m sigil_cli receive` as a user runs it, its output collected line by line."""

    def __init__(self, *args, env=None, ports=True):
        self.lines = []
        self._done = False
        self._cond = threading.Condition()
        argv = [sys.executable, "-m", "sigil_cli", "receive", *args]
        if ports:
            argv += ["--grpc-port", "0", "--http-port", "0", "--otlp-port", "0"]
        full_env = dict(env if env is not None else os.environ)
        full_env["PYTHONPATH"] = os.pathsep.join(
            [os.path.join(ROOT, "tools")] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else []))
        full_env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        banner = self.wait_for(r"web page\s+(http://\S+)/", timeout=30)
        self.http = banner.group(1)
        grpc = re.search(r"gRPC ingest\s+\S+:(\d+)", "\n".join(self.lines))
        self.grpc_port = int(grpc.group(1)) if grpc else None
        otlp = self.wait_for(r"OTLP/HTTP\s+(http://\S+?)/v1/traces")
        self.otlp = otlp.group(1)

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def wait_for(self, pattern, timeout=30):
        """The first output line matching `pattern`, waiting for it to be printed."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self._done:
                    raise AssertionError(f"no line matching {pattern!r}; output:\n" + "\n".join(self.lines))
                self._cond.wait(left)

    def get(self, path):
        with urllib.request.urlopen(self.http + path, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path, body, content_type="application/json", base=None):
        request = urllib.request.Request((base or self.http) + path, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def await_counts(self, timeout=30, **at_least):
        """Polls the page's API until every count reaches its minimum; the counts."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.get("/api/local/revision")["counts"]
            if all(counts[k] >= v for k, v in at_least.items()):
                return counts
            if time.monotonic() > deadline:
                raise AssertionError(f"counts {counts}, wanted at least {at_least}")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def receiver(tmp_path):
    r = ReceiverProcess("--db", str(tmp_path / "receive.db"))
    yield r
    r.stop()


def clean_env(**extra):
    """The environment of a program with no SIGIL_* / OTEL_* configuration, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_"))}
    env.update(SIGIL_LIBRARY=LIBRARY, PYTHONPATH=os.path.join(ROOT, "bindings", "python"))
    env.update(extra)
    return env


def run_quickstart(env):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "quickstart.py")], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
    return proc.stdout


@pytest.fixture(scope="session")
def library():
    if not os.path.exists(LIBRARY):
        pytest.fail(f"{LIBRARY} is not built (make build)")
    return LIBRARY
