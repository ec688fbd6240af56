#!/usr/bin/env python3
"""make demo: starts the local receiver (the capture harness) on loopback,
runs the C quickstart against it over HTTP and over gRPC, then the Python
OpenAI example (auto-instrumentation of the real openai SDK, answered by the
fake provider on loopback), and shows what the receiver got.
Usage: tools/demo.py QUICKSTART_BINARY (in BUILD/examples/c, next to BUILD/libsigil.so)"""
import os
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "conformance"))

from harness import Harness  # noqa: E402


class Prefixed:
    """Prints the receiver's lines with a marker so they stand out."""

    def __init__(self):
        self.lock = threading.Lock()

    def write(self, text):
        with self.lock:
            for line in text.splitlines(keepends=True):
                sys.stdout.write("  [receiver] " + line if line.strip() else line)
            sys.stdout.flush()

    def flush(self):
        sys.stdout.flush()


def run_python_example(h, example, build):
    """Runs a Python example against the receiver over HTTP; whether it succeeded."""
    if subprocess.run([sys.executable, "-c", "import openai"], capture_output=True).returncode != 0:
        print(f"=== {example}: skipped (the openai package is not installed: make deps)\n", flush=True)
        return True
    print(f"=== {example} -> {h.urls['http_base']}", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_", "OPENAI_"))}
    env.update(SIGIL_PROTOCOL="http", SIGIL_ENDPOINT=h.urls["http_base"], OTEL_EXPORTER_OTLP_ENDPOINT=h.urls["otlp"],
               OTEL_SERVICE_NAME="libsigil-demo", SIGIL_LIBRARY=os.path.join(build, "libsigil.so"),
               PYTHONPATH=os.path.join(ROOT, "bindings", "python"))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, example)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    for line in proc.stdout.splitlines():
        print("  [python] " + line, flush=True)
    if proc.returncode != 0:
        print(f"  {example} exited {proc.returncode}", flush=True)
    print(flush=True)
    return proc.returncode == 0


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    quickstart = sys.argv[1]
    failed = False
    with Harness(print_to=Prefixed()) as h:
        print(f"local receiver on 127.0.0.1: {h.ports}\n", flush=True)
        for protocol, endpoint in (("http", h.urls["http_base"]), ("grpc", h.urls["grpc"])):
            print(f"=== quickstart over {protocol} -> {endpoint}", flush=True)
            env = dict(os.environ, SIGIL_PROTOCOL=protocol, SIGIL_ENDPOINT=endpoint,
                       SIGIL_API_ENDPOINT=h.urls["api"], OTEL_EXPORTER_OTLP_ENDPOINT=h.urls["otlp"],
                       OTEL_SERVICE_NAME="libsigil-demo")
            proc = subprocess.run([quickstart], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=120)
            for line in proc.stdout.splitlines():
                print("  [quickstart] " + line, flush=True)
            if proc.returncode != 0:
                failed = True
                print(f"  quickstart exited {proc.returncode}", flush=True)
            print(flush=True)
        failed |= not run_python_example(h, os.path.join("examples", "python", "openai_chat.py"),
                                         os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(quickstart)))))
        counts = {k: len(v) for k, v in h.captures().items() if isinstance(v, list)}
        print(f"receiver totals: {counts}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
