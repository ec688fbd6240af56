#!/usr/bin/env python3
"""make demo: starts `sigil receive` (the local receiver with its web page), runs the C quickstart
against it over gRPC with no configuration at all (the library's defaults point at the receiver)
and over HTTP, then the Python OpenAI example (auto-instrumentation of the real openai SDK,
answered by a fake provider on loopback), and prints the web page's address.

The receiver listens on its default ports (4317, 8080, 4318) when they are free, else on free
ports given to the programs through SIGIL_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT. It keeps what it
received in BUILD/demo-receive.db; `--keep` leaves it running until Ctrl-C so the page stays up.
Usage: tools/demo.py QUICKSTART_BINARY [--keep]   (in BUILD/examples/c, next to BUILD/libsigil.so)"""
import os
import re
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from sigil_cli.receive import DEFAULT_PORTS, ports_free  # noqa: E402


class Receiver:
    """`sigil receive` in a child process; its lines are printed with a marker."""

    def __init__(self, db, defaults):
        argv = [sys.executable, "-m", "sigil_cli", "receive", "--db", db]
        if not defaults:
            argv += ["--grpc-port", "0", "--http-port", "0", "--otlp-port", "0"]
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.ready = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()
        if not self.ready.wait(60):
            self.stop()
            sys.exit("sigil receive did not start:\n" + "\n".join(self.lines))
        text = "\n".join(self.lines)
        self.grpc = "localhost:" + re.search(r"gRPC ingest\s+\S+:(\d+)", text).group(1)
        self.http = re.search(r"web page\s+(http://\S+)/", text).group(1)
        self.otlp = re.search(r"OTLP/HTTP\s+(http://\S+?)/v1/traces", text).group(1)

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            sys.stdout.write("  [sigil receive] " + line)
            sys.stdout.flush()
            if line.strip().startswith("web page"):
                self.ready.set()
        self.ready.set()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def run(label, argv, env):
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    for line in proc.stdout.splitlines():
        print(f"  [{label}] {line}", flush=True)
    if proc.returncode != 0:
        print(f"  {label} exited {proc.returncode}", flush=True)
    print(flush=True)
    return proc.returncode == 0


def main():
    args = [a for a in sys.argv[1:] if a != "--keep"]
    if len(args) != 1:
        sys.exit(__doc__)
    quickstart = os.path.abspath(args[0])
    build = os.path.dirname(os.path.dirname(os.path.dirname(quickstart)))
    defaults = ports_free("127.0.0.1", tuple(DEFAULT_PORTS.values()))
    receiver = Receiver(os.path.join(build, "demo-receive.db"), defaults)
    ok = True
    try:
        bare = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_", "OPENAI_"))}
        ports = {} if defaults else {"SIGIL_ENDPOINT": receiver.grpc, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.otlp,
                                     "SIGIL_API_ENDPOINT": receiver.http}
        print(f"\n=== C quickstart over gRPC, {'no configuration at all' if defaults else ports}", flush=True)
        ok &= run("quickstart", [quickstart], dict(bare, OTEL_SERVICE_NAME="libsigil-demo", **ports))
        http = dict(bare, SIGIL_PROTOCOL="http", SIGIL_ENDPOINT=receiver.http, SIGIL_API_ENDPOINT=receiver.http,
                    OTEL_EXPORTER_OTLP_ENDPOINT=receiver.otlp, OTEL_SERVICE_NAME="libsigil-demo")
        print(f"=== C quickstart over HTTP -> {receiver.http}", flush=True)
        ok &= run("quickstart", [quickstart], http)
        example = os.path.join(ROOT, "examples", "python", "openai_chat.py")
        if subprocess.run([sys.executable, "-c", "import openai"], capture_output=True).returncode != 0:
            print("=== examples/python/openai_chat.py: skipped (the openai package is not installed: make deps)")
        else:
            print(f"=== examples/python/openai_chat.py -> {receiver.http}", flush=True)
            ok &= run("python", [sys.executable, example], dict(
                http, SIGIL_LIBRARY=os.path.join(build, "libsigil.so"),
                PYTHONPATH=os.path.join(ROOT, "bindings", "python")))
        print(f"\nWeb page: {receiver.http}/   (data kept in {os.path.join(build, 'demo-receive.db')})", flush=True)
        if "--keep" in sys.argv:
            print("sigil receive keeps running; Ctrl-C stops it.", flush=True)
            receiver.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
