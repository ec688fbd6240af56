#!/usr/bin/env python3
"""kill -9 mid-stream, then restart: how many generations whose end had returned are lost, per
spool mode, in three cases (backend down, backend healthy, two processes sharing one spool); and
the throughput of end() per mode, side by side in one run.

    python3 bench/wal_crash_bench.py [--build-dir build] [--records 8000] [--threads 4]

Each case runs tests/programs/wal_recorder (built as build/tests/sigil_wal_recorder), which prints
every id whose sigil_generation_end returned SIGIL_OK; the bench kills it with SIGKILL once
--kill-at of them have (default 99%), restarts it in replay mode on the same spool against the
healthy capture harness (conformance/harness, in this process, on loopback), and counts the unique
generation ids that arrived. Lost = ended ids that never arrived; duplicates = arrivals beyond the
first. The figures in docs/reliability.md come from this script.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "conformance"))

from harness.harness import Harness  # noqa: E402


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    def __init__(self, exe: Path, endpoint: str, spool: Path, mode: str, n: int, threads: int, prefix: str):
        self.proc = subprocess.Popen([str(exe), endpoint, str(spool), mode, str(n), str(threads), prefix],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.ended: list[str] = []
        self.done: tuple[int, float] | None = None

    def read_until(self, count: int) -> None:
        assert self.proc.stdout is not None
        while self.done is None and len(self.ended) < count:
            line = self.proc.stdout.readline()
            if not line:
                return
            line = line.strip()
            if line.startswith("done "):
                _, n, secs = line.split()
                self.done = (int(n), float(secs))
            else:
                self.ended.append(line)

    def kill_nine(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.read_until(1 << 60)  # lines already in the pipe: those ends had returned


def received(h: Harness) -> Counter:
    return Counter(g["id"] for cap in h.captures("http_exports") for g in cap["generations"])


def replay(exe: Path, h: Harness, spool: Path) -> None:
    out = subprocess.run([str(exe), h.urls["http_base"], str(spool), "write_ahead", "0"],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        print(f"  replayer: exit {out.returncode}: {out.stderr.strip()[-300:]}", file=sys.stderr)


def crash_case(exe: Path, h: Harness, case: str, mode: str, n: int, threads: int, kill_at: float) -> dict:
    root = Path(tempfile.mkdtemp(prefix="sigil-walbench-"))
    spool = root / "spool"
    h.reset()
    try:
        if case == "down":
            endpoint = f"http://127.0.0.1:{closed_port()}"
        else:
            endpoint = h.urls["http_base"]
            h.stall("http", 20)  # requests in flight at the kill, as with a real network
        if case == "shared":
            a = Recorder(exe, endpoint, spool, mode, n // 2, max(1, threads // 2), f"{case}-{mode}-a")
            b = Recorder(exe, endpoint, spool, mode, n // 2, max(1, threads // 2), f"{case}-{mode}-b")
            a.read_until(int(n // 2 * kill_at))
            a.kill_nine()
            b.read_until(1 << 60)
            b.kill_nine()
            ended = a.ended + b.ended
        else:
            r = Recorder(exe, endpoint, spool, mode, n, threads, f"{case}-{mode}")
            r.read_until(int(n * kill_at))
            r.kill_nine()
            ended = r.ended
        h.stall("http", 0)
        replay(exe, h, spool)
        got = received(h)
        lost = sum(1 for i in ended if got[i] == 0)
        dups = sum(c - 1 for c in got.values() if c > 1)
        return {"case": case, "mode": mode, "ended": len(ended), "lost": lost, "duplicates": dups}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def throughput(exe: Path, h: Harness, mode: str, n: int, threads: int, sync: str) -> float:
    root = Path(tempfile.mkdtemp(prefix="sigil-walbench-"))
    h.reset()
    try:
        r = Recorder(exe, h.urls["http_base"], root / "spool", f"{mode}:{sync}", n, threads, f"tp-{mode}")
        r.read_until(1 << 60)
        r.kill_nine()
        return r.done[0] / r.done[1] if r.done else float("nan")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=str(REPO / "build"))
    ap.add_argument("--records", type=int, default=8000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--kill-at", type=float, default=0.99, help="fraction of ended records before the kill")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()
    exe = Path(args.build_dir) / "tests" / "sigil_wal_recorder"
    if not exe.exists():
        print(f"{exe} is missing: build with -DSIGIL_INTEGRATION_TESTS=ON", file=sys.stderr)
        return 2
    with Harness() as h:
        print(f"kill -9 after {args.kill_at:.0%} of {args.records} ends ({args.threads} recording threads), "
              "then restart on the same spool against a healthy backend")
        print(f"{'case':8} {'mode':12} {'ended':>6} {'lost':>6} {'duplicates':>10}")
        for case in ("down", "healthy", "shared"):
            for mode in ("fallback", "write_ahead"):
                r = crash_case(exe, h, case, mode, args.records, args.threads, args.kill_at)
                print(f"{r['case']:8} {r['mode']:12} {r['ended']:>6} {r['lost']:>6} {r['duplicates']:>10}",
                      flush=True)
        if not args.skip_throughput:
            print(f"\nend() throughput, healthy backend, {args.records} records (records/s)")
            print(f"{'threads':>7} {'fallback':>10} {'wal none':>10} {'wal batch':>10}")
            for threads in (1, args.threads, 16):
                row = [throughput(exe, h, "fallback", args.records, threads, "batch"),
                       throughput(exe, h, "write_ahead", args.records, threads, "none"),
                       throughput(exe, h, "write_ahead", args.records, threads, "batch")]
                print(f"{threads:>7} " + " ".join(f"{v:>10.0f}" for v in row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
