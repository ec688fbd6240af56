"""`make bench`: every workload, language and implementation side by side in one run.

    python3 bench/run.py --build-dir build [--quick] [--lang c,python,...] [--workload record,...]
                         [--go-reference-bin PATH]

Workloads: record, export, overload, internals, mapping (provider JSON mapped by the engine
against the reference Python OpenAI helper's mapper and a parse-only lower bound) and instrument
(an OpenAI chat call through the real openai client to the fake provider: the overhead of
sigil_sdk.instrument_openai() against the reference sigil-sdk-openai wrapper); `--workload mapping`
(or any subset) runs only those and leaves the other results of BENCHMARKS.md and latest.json as
they were.

Builds the benchmark programs, prepares its own environment under BUILD/bench-env (a venv with the
reference Python SDK from PyPI and the OpenTelemetry SDK, matplotlib for the chart; Go, Rust and
Node programs built against BUILD), starts the local sinks (bench/sink.py), runs each program per
bench/README.md and writes:

  bench/results/latest.json      rows {workload, language, impl, metric, value, unit}
  bench/results/record_cost.png  per-record caller cost by language
  BENCHMARKS.md                  the section between the "results" markers

The reference Go SDK (github.com/grafana/sigil/sdks/go) comes from the Go module proxy; where the
proxy does not serve it, its rows are missing and BENCHMARKS.md says why. --go-reference-bin runs
an already built reference program instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORKLOAD = BENCH / "workload.json"

REFERENCE_PY = ["sigil-sdk==0.9.3", "opentelemetry-sdk==1.45.2"]
# The reference's OpenAI provider helper (its mapper is the mapping workload's reference; it brings
# the `openai` package, whose pydantic objects it maps).
REFERENCE_PY_OPENAI = ["sigil-sdk-openai==0.9.3"]
TOOLS_PY = ["matplotlib==3.9.2"]

# Sizes. --quick divides the record/export counts by 10 and shortens the overload.
RECORD_N = {"c": 20000, "python": 10000, "go": 20000, "rust": 20000, "node": 20000}
RECORD_N_REFERENCE = {"python": 3000, "go": 20000}
EXPORT_N = 20000
EXPORT_N_REFERENCE = {"python": 5000, "go": 20000}
ROUNDS = 3                     # record: alternating rounds, median of the rounds' medians
# Mapping: per program and round; the fixtures are conformance/fixtures/providers/openai.chat/.
MAPPING_N = {("c", "libsigil"): 5000, ("c", "lower-bound"): 20000, ("python", "reference"): 1000}
MAPPING_FIXTURES = ROOT / "conformance" / "fixtures" / "providers" / "openai.chat"
MAPPING_FILES = {"request_file": "request_support.json", "response_file": "response_2kb.json",
                 "stream_file": "stream_40.jsonl"}
# Instrument: bare and recorded calls per program run (alternating in blocks of 10).
INSTRUMENT_N = 300
INSTRUMENT_ROUTES = ["/sync/=json:openai.chat/response_2kb.json", "/stream/=sse:openai.chat/stream_40.jsonl"]
OVERLOAD = {"rate": 1000, "duration_s": 15.0, "stall_s": 10.0, "stall_at_s": 2.0,
            "queue_bytes": 32 << 20}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


# --- environment -----------------------------------------------------------------------------

class Env:
    """Everything the programs need; unavailable programs are recorded with the reason."""

    def __init__(self, build: Path, args) -> None:
        self.build = build
        self.args = args
        self.dir = build / "bench-env"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.venv_python = self.dir / "venv" / "bin" / "python"
        self.unavailable: dict[tuple[str, str], str] = {}
        self.programs: dict[tuple[str, str], tuple[list[str], dict]] = {}
        self.mapping_programs: dict[tuple[str, str], tuple[list[str], dict]] = {}
        self.mapping_unavailable: dict[tuple[str, str], str] = {}
        self.instrument_programs: dict[tuple[str, str], tuple[list[str], dict]] = {}
        self.instrument_versions: dict[str, str] = {}

    def base_env(self) -> dict:
        env = dict(os.environ)
        for k in list(env):  # the programs configure themselves from params only
            if k.startswith(("SIGIL_", "OTEL_")):
                del env[k]
        return env

    def prepare(self, langs: set[str]) -> None:
        if not self.args.no_build:
            log("building the engine's benchmark targets")
            targets = ["mapping_bench", "parse_lower_bound"] if self.args.workload == "mapping" else [
                "sigil_static", "sigil_bench", "lower_bound", "internals_bench", "redaction_bench",
                "mapping_bench", "parse_lower_bound"]
            run(["cmake", "--build", str(self.build), "--target", "sigil", *targets])
        env = self.base_env()
        self.programs[("c", "libsigil")] = ([str(self.build / "bench" / "sigil_bench")], env)
        self.programs[("c", "lower-bound")] = ([str(self.build / "bench" / "lower_bound")], env)
        self.mapping_programs[("c", "libsigil")] = ([str(self.build / "bench" / "mapping_bench")], env)
        self.mapping_programs[("c", "lower-bound")] = ([str(self.build / "bench" / "parse_lower_bound")], env)
        self._venv()
        if "python" in langs and {"mapping", "instrument"} & set(self.args.workload.split(",")):
            self._python_mapping()
        if "python" in langs:
            self._python()
        if "go" in langs:
            self._go()
        if "rust" in langs:
            self._rust()
        if "node" in langs:
            self._node()

    def _venv(self) -> None:
        if not self.venv_python.exists():
            log("creating the bench venv")
            run([sys.executable, "-m", "venv", str(self.dir / "venv")])
        run([str(self.venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             *REFERENCE_PY, *TOOLS_PY])

    def _python(self) -> None:
        env = self.base_env()
        env["SIGIL_LIBRARY"] = str(self.build / "libsigil.so")
        env["PYTHONPATH"] = str(ROOT / "bindings" / "python")
        script = str(BENCH / "python" / "bench.py")
        self.programs[("python", "libsigil")] = ([sys.executable, script, "--impl", "libsigil"], env)
        ref_env = self.base_env()
        ref_env.pop("PYTHONPATH", None)
        self.programs[("python", "reference")] = ([str(self.venv_python), script, "--impl", "reference"], ref_env)

    def _python_mapping(self) -> None:
        # bindings/python gains the provider calls (set_provider_request/_response) in another
        # branch; until then Python libsigil has no mapping row.
        binding = (ROOT / "bindings" / "python" / "sigil_sdk").glob("*.py")
        if not any("set_provider_response" in f.read_text() for f in binding):
            self.mapping_unavailable[("python", "libsigil")] = "bindings/python has no set_provider_response yet"
        res = subprocess.run([str(self.venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              *REFERENCE_PY_OPENAI], capture_output=True, text=True)
        if res.returncode != 0:
            lines = res.stderr.strip().splitlines()
            self.mapping_unavailable[("python", "reference")] = (
                f"pip did not install {' '.join(REFERENCE_PY_OPENAI)}: {lines[-1] if lines else res.returncode}")
            return
        ref_env = self.base_env()
        ref_env.pop("PYTHONPATH", None)
        self.mapping_programs[("python", "reference")] = (
            [str(self.venv_python), str(BENCH / "python" / "mapping.py"), "--impl", "reference"], ref_env)
        script = str(BENCH / "python" / "instrument.py")
        self.instrument_programs[("python", "reference")] = ([str(self.venv_python), script, "--impl", "reference"],
                                                            ref_env)
        env = self.base_env()
        env["SIGIL_LIBRARY"] = str(self.build / "libsigil.so")
        env["PYTHONPATH"] = str(ROOT / "bindings" / "python")
        self.instrument_programs[("python", "libsigil")] = ([sys.executable, script, "--impl", "libsigil"], env)

    def _go_env(self) -> dict:
        env = self.base_env()
        out = subprocess.run(["sh", str(ROOT / "bindings" / "go" / "env.sh"), str(self.build)],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export "):].partition("=")
                env[key] = value.strip("'")
        return env

    def _go(self) -> None:
        env = self._go_env()
        out = self.dir / "go-libsigil"
        try:
            run(["go", "build", "-o", str(out), "."], cwd=BENCH / "go" / "libsigil", env=env)
            self.programs[("go", "libsigil")] = ([str(out)], self.base_env())
        except subprocess.CalledProcessError as exc:
            self.unavailable[("go", "libsigil")] = f"go build failed ({exc.returncode})"
        if self.args.go_reference_bin:
            self.programs[("go", "reference")] = ([self.args.go_reference_bin], self.base_env())
            return
        ref_out = self.dir / "go-reference"
        res = subprocess.run(["go", "build", "-o", str(ref_out), "."], cwd=BENCH / "go" / "reference",
                             env=self.base_env(), capture_output=True, text=True)
        if res.returncode == 0:
            self.programs[("go", "reference")] = ([str(ref_out)], self.base_env())
        else:
            # The usual cause: the module proxy does not serve the reference module.
            # Ask it directly so the report names the real reason, not a go.sum line.
            dl = subprocess.run(["go", "mod", "download", "github.com/grafana/sigil/sdks/go"],
                                cwd=BENCH / "go" / "reference", env=self.base_env(), capture_output=True, text=True)
            lines = (dl.stderr.strip() or res.stderr.strip()).splitlines()
            reason = ("the Go module proxy did not serve github.com/grafana/sigil/sdks/go: " + " ".join(
                ln.strip() for ln in lines[-2:])) if dl.returncode != 0 else (lines[-1] if lines else "go build failed")
            self.unavailable[("go", "reference")] = reason
            log(f"Go reference unavailable: {reason}")

    def _rust(self) -> None:
        env = self.base_env()
        env["SIGIL_BUILD_DIR"] = str(self.build)
        env["CARGO_TARGET_DIR"] = str(self.build / "cargo")
        try:
            run(["cargo", "build", "--release", "--quiet"], cwd=BENCH / "rust", env=env)
            exe = self.build / "cargo" / "release" / "sigil-bench"
            self.programs[("rust", "libsigil")] = ([str(exe)], self.base_env())
        except subprocess.CalledProcessError as exc:
            self.unavailable[("rust", "libsigil")] = f"cargo build failed ({exc.returncode})"

    def _node(self) -> None:
        env = self.base_env()
        env["SIGIL_BUILD_DIR"] = str(self.build)
        try:
            run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=ROOT / "bindings" / "node", env=env)
            self.programs[("node", "libsigil")] = (["node", str(BENCH / "node" / "bench.mjs")], env)
        except subprocess.CalledProcessError as exc:
            self.unavailable[("node", "libsigil")] = f"npm install failed ({exc.returncode})"


# --- the sink --------------------------------------------------------------------------------

class Sink:
    def __init__(self, workdir: Path) -> None:
        self.ports_file = workdir / "sink-ports.json"
        self.proc = subprocess.Popen([sys.executable, str(BENCH / "sink.py"), "--ports-file", str(self.ports_file)])
        deadline = time.monotonic() + 60
        while not self.ports_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bench sink did not start")
            time.sleep(0.05)  # polling for the ports file the sink writes when it listens
        self.ports = json.loads(self.ports_file.read_text())

    def _call(self, method: str, path: str) -> dict:
        req = urllib.request.Request(f"http://127.0.0.1:{self.ports['control']}{path}", method=method,
                                     data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read() or b"{}")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def count(self) -> dict:
        return self._call("GET", "/count")

    def stall(self, seconds: float) -> None:
        self._call("POST", f"/stall?seconds={seconds}")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- running one program ---------------------------------------------------------------------

def invoke(env: Env, lang: str, impl: str, params: dict, during=None, programs=None) -> dict | None:
    cmd, penv = (programs or env.programs)[(lang, impl)]
    text = json.dumps(params)
    argv = cmd + ([text] if lang == "c" else ["--params", text])
    proc = subprocess.Popen(argv, env=penv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if during is not None:
        during()
    out, _ = proc.communicate(timeout=900)
    if proc.returncode != 0:
        log(f"{lang}/{impl} {params['workload']} exited {proc.returncode}")
        return None
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def params_for(workload: str, sink: Sink, **extra) -> dict:
    p = {"workload": workload, "workload_file": str(WORKLOAD), "n": 0, "warmup": 0, "protocol": "none",
         "endpoint": "", "otlp_endpoint": f"http://127.0.0.1:{sink.ports['otlp']}", "rate": 0,
         "duration_s": 0, "queue_bytes": 0, "queue_items": 0, "batch_size": 100,
         "request_file": "", "response_file": "", "stream_file": ""}
    p.update(extra)
    return p


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, workload: str, language: str, impl: str, metric: str, value, unit: str) -> None:
        if value is None:
            return
        self.rows.append({"workload": workload, "language": language, "impl": impl, "metric": metric,
                          "value": round(value, 3) if isinstance(value, float) else value, "unit": unit})

    def get(self, workload: str, language: str, impl: str, metric: str):
        for r in self.rows:
            if (r["workload"], r["language"], r["impl"], r["metric"]) == (workload, language, impl, metric):
                return r["value"]
        return None


def common_rows(rows: Rows, workload: str, lang: str, impl: str, res: dict) -> None:
    ops = res["ops"]
    rows.add(workload, lang, impl, "cpu_s_per_10k", res["cpu_s"] * 10000 / ops, "s")
    rows.add(workload, lang, impl, "rss_peak_bytes", res.get("rss_peak_bytes"), "bytes")


def bench_record(env: Env, sink: Sink, rows: Rows, pairs: list[tuple[str, str]], scale: float) -> None:
    # C records twice: with the typed calls a C application writes (the C figure) and with the
    # JSON result the bindings pass (metric suffix _json_result), to show what the JSON costs.
    variants = []
    for lang, impl in pairs:
        if (lang, impl) == ("c", "libsigil"):
            variants += [(lang, impl, {"api": "typed"}, ""), (lang, impl, {"api": "json"}, "_json_result")]
        else:
            variants.append((lang, impl, {}, ""))
    results: dict[tuple[str, str, str], list[dict]] = {(v[0], v[1], v[3]): [] for v in variants}
    for rnd in range(ROUNDS):
        for lang, impl, extra, suffix in variants:
            n = RECORD_N_REFERENCE.get(lang, 20000) if impl == "reference" else RECORD_N.get(lang, 20000)
            n = max(200, int(n * scale))
            log(f"record round {rnd + 1}/{ROUNDS}: {lang}/{impl}{suffix} n={n}")
            p = params_for("record", sink, n=n, warmup=max(100, n // 10), **extra)
            res = invoke(env, lang, impl, p)
            if res:
                results[(lang, impl, suffix)].append(res)
    for (lang, impl, suffix), rs in results.items():
        if not rs:
            continue
        med = statistics.median(r["caller_ns"]["median"] for r in rs)
        p99 = statistics.median(r["caller_ns"]["p99"] for r in rs)
        mean = statistics.median(r["caller_ns"]["mean"] for r in rs)
        best = min(rs, key=lambda r: abs(r["caller_ns"]["median"] - med))
        rows.add("record", lang, impl, "caller_ns_per_op" + suffix, med, "ns")
        rows.add("record", lang, impl, "caller_ns_p99" + suffix, p99, "ns")
        rows.add("record", lang, impl, "caller_ns_mean" + suffix, mean, "ns")
        if suffix:
            continue
        rows.add("record", lang, impl, "records_per_s_one_thread", best["ops"] / best["wall_s"], "1/s")
        common_rows(rows, "record", lang, impl, best)


def bench_export(env: Env, sink: Sink, rows: Rows, pairs: list[tuple[str, str]], scale: float) -> None:
    for proto in ("grpc", "http"):
        endpoint = (f"127.0.0.1:{sink.ports['grpc']}" if proto == "grpc"
                    else f"http://127.0.0.1:{sink.ports['http']}")
        for lang, impl in pairs:
            if impl == "lower-bound":
                continue
            n = EXPORT_N_REFERENCE.get(lang, EXPORT_N) if impl == "reference" else EXPORT_N
            n = max(500, int(n * scale))
            warm = max(100, n // 20)
            log(f"export {proto}: {lang}/{impl} n={n}")
            sink.reset()
            p = params_for("export", sink, n=n, warmup=warm, protocol=proto, endpoint=endpoint,
                           queue_items=n + warm + 100, queue_bytes=1 << 31)
            res = invoke(env, lang, impl, p)
            if not res:
                continue
            counted = sink.count()["generations"]
            workload = f"export_{proto}"
            if counted < n + warm:
                log(f"  {lang}/{impl}: the sink counted {counted} of {n + warm}")
            rows.add(workload, lang, impl, "gen_per_s_delivered", n / res["wall_s"], "1/s")
            rows.add(workload, lang, impl, "delivered_fraction", min(1.0, counted / (n + warm)), "ratio")
            rows.add(workload, lang, impl, "caller_ns_per_op", res["caller_ns"]["median"], "ns")
            common_rows(rows, workload, lang, impl, res)


def bench_overload(env: Env, sink: Sink, rows: Rows, pairs: list[tuple[str, str]], scale: float, tmp: Path) -> None:
    """Every implementation under a stalled sink, then C again with a spool directory (workload
    overload_spool: what overflows the queue goes to disk and is replayed instead of dropped)."""
    o = dict(OVERLOAD)
    if scale < 1:
        o.update(duration_s=6.0, stall_s=4.0, stall_at_s=1.0)
    endpoint = f"127.0.0.1:{sink.ports['grpc']}"
    runs = [(lang, impl, "overload", {}) for lang, impl in pairs if impl != "lower-bound"]
    if ("c", "libsigil") in env.programs:
        runs.append(("c", "libsigil", "overload_spool", {"spool_dir": str(tmp / "spool")}))
    for lang, impl, workload, extra in runs:
        log(f"{workload}: {lang}/{impl} {o['rate']}/s for {o['duration_s']} s, sink stalled {o['stall_s']} s")
        sink.reset()
        # libsigil: the byte budget is the binding bound (items unbounded in practice);
        # the references keep their default item bound.
        p = params_for("overload", sink, protocol="grpc", endpoint=endpoint, rate=o["rate"],
                       duration_s=o["duration_s"], queue_bytes=o["queue_bytes"],
                       queue_items=1_000_000 if impl == "libsigil" else 0, **extra)

        def stall_later():
            time.sleep(o["stall_at_s"])  # into the offered load; the program has started its clock
            sink.stall(o["stall_s"])

        res = invoke(env, lang, impl, p, during=stall_later)
        if not res:
            continue
        growth = res["rss_peak_bytes"] - res.get("rss_baseline_bytes", 0)
        rows.add(workload, lang, impl, "caller_ns_max", res["caller_ns"]["max"], "ns")
        rows.add(workload, lang, impl, "caller_ns_p99", res["caller_ns"]["p99"], "ns")
        rows.add(workload, lang, impl, "rss_peak_bytes", res["rss_peak_bytes"], "bytes")
        rows.add(workload, lang, impl, "rss_growth_bytes", growth, "bytes")
        if impl == "libsigil":
            rows.add(workload, lang, impl, "queue_budget_bytes", o["queue_bytes"], "bytes")
            rows.add(workload, lang, impl, "rss_growth_over_budget", growth / o["queue_bytes"], "ratio")
        for key in ("delivered", "dropped", "spooled", "replayed"):
            if key in res:
                rows.add(workload, lang, impl, key, res[key], "generations")
        rows.add(workload, lang, impl, "offered", res["ops"], "generations")


def bench_mapping(env: Env, sink: Sink, rows: Rows, langs: set[str], scale: float) -> None:
    """Provider JSON -> generation: C libsigil (whole call and the mapping calls alone), the parse-only
    lower bound and the reference Python helper's mapper (alone and inside its own recording wrapper),
    on the same fixtures, in alternating rounds; the figure is the median of the rounds' medians."""
    files = {k: str(MAPPING_FIXTURES / v) for k, v in MAPPING_FILES.items()}
    impls = [key for key in (("c", "libsigil"), ("c", "lower-bound"), ("python", "reference"))
             if key[0] in langs and key in env.mapping_programs]
    for workload in ("mapping_response", "mapping_stream"):
        results: dict[tuple[str, str], list[dict]] = {key: [] for key in impls}
        for rnd in range(ROUNDS):
            for lang, impl in impls:
                n = max(100, int(MAPPING_N[(lang, impl)] * scale))
                log(f"{workload} round {rnd + 1}/{ROUNDS}: {lang}/{impl} n={n}")
                p = params_for(workload, sink, n=n, warmup=max(50, n // 10), **files)
                res = invoke(env, lang, impl, p, programs=env.mapping_programs)
                if res:
                    results[(lang, impl)].append(res)
        for (lang, impl), rs in results.items():
            if not rs:
                continue

            def med(key: str, stat: str):
                vals = [r[key][stat] for r in rs if key in r]
                return statistics.median(vals) if vals else None

            rows.add(workload, lang, impl, "caller_ns_per_op", med("caller_ns", "median"), "ns")
            rows.add(workload, lang, impl, "caller_ns_p99", med("caller_ns", "p99"), "ns")
            rows.add(workload, lang, impl, "caller_ns_mean", med("caller_ns", "mean"), "ns")
            rows.add(workload, lang, impl, "map_ns_per_op", med("map_ns", "median"), "ns")
            rows.add(workload, lang, impl, "map_ns_p99", med("map_ns", "p99"), "ns")
            rows.add(workload, lang, impl, "record_ns_per_op", med("record_ns", "median"), "ns")
            rows.add(workload, lang, impl, "record_ns_p99", med("record_ns", "p99"), "ns")
            best = min(rs, key=lambda r: abs(r["caller_ns"]["median"] - med("caller_ns", "median")))
            common_rows(rows, workload, lang, impl, best)
        g = rows.get
        ref_map = g(workload, "python", "reference", "caller_ns_per_op")
        ref_rec = g(workload, "python", "reference", "record_ns_per_op")
        c_call = g(workload, "c", "libsigil", "caller_ns_per_op")
        c_map = g(workload, "c", "libsigil", "map_ns_per_op")
        lb = g(workload, "c", "lower-bound", "caller_ns_per_op")
        for metric, a, b in (("reference_mapper_over_c_mapping", ref_map, c_map),
                             ("reference_wrapper_over_c_call", ref_rec, c_call),
                             ("c_mapping_over_parse_only", c_map, lb),
                             ("c_call_over_parse_only", c_call, lb)):
            if a is not None and b:
                rows.add(workload, "c", "libsigil", metric, a / b, "ratio")


def bench_instrument(env: Env, sink: Sink, rows: Rows, langs: set[str], scale: float) -> None:
    """An OpenAI chat call (2 KB completion; 40-chunk stream) through the real openai client to the fake
    provider, bare and recorded: libsigil's instrument_openai() against the reference sigil-sdk-openai
    wrapper, each program in alternating runs against the same fake provider process."""
    impls = [key for key in (("python", "libsigil"), ("python", "reference"))
             if "python" in langs and key in env.instrument_programs]
    if not impls:
        return
    fake = subprocess.Popen([sys.executable, str(ROOT / "bindings" / "python" / "tests" / "fake_provider.py"),
                             *INSTRUMENT_ROUTES], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = fake.stdout.readline().strip()
        request = str(MAPPING_FIXTURES / MAPPING_FILES["request_file"])
        for workload in ("instrument_sync", "instrument_stream"):
            results: dict[tuple[str, str], list[dict]] = {key: [] for key in impls}
            for rnd in range(ROUNDS):
                for lang, impl in impls:
                    n = max(10, int(INSTRUMENT_N * scale))
                    log(f"{workload} round {rnd + 1}/{ROUNDS}: {lang}/{impl} n={n}")
                    p = params_for(workload, sink, n=n, warmup=max(5, n // 15), fake_url=url, request_file=request)
                    res = invoke(env, lang, impl, p, programs=env.instrument_programs)
                    if res:
                        results[(lang, impl)].append(res)
            for (lang, impl), rs in results.items():
                if not rs:
                    continue
                for metric in ("bare_ns_per_op", "recorded_ns_per_op", "overhead_ns_per_op",
                               "bare_cpu_ns_per_op", "recorded_cpu_ns_per_op", "overhead_cpu_ns_per_op"):
                    rows.add(workload, lang, impl, metric, statistics.median(r[metric] for r in rs), "ns")
                common_rows(rows, workload, lang, impl, rs[len(rs) // 2])
                env.instrument_versions[impl] = rs[0].get("openai_version", "")
            g = rows.get
            for metric, key in (("reference_overhead_over_libsigil", "overhead_ns_per_op"),
                                ("reference_cpu_overhead_over_libsigil", "overhead_cpu_ns_per_op")):
                a, b = g(workload, "python", "reference", key), g(workload, "python", "libsigil", key)
                if a is not None and b and b > 0:
                    rows.add(workload, "python", "libsigil", metric, a / b, "ratio")
    finally:
        fake.stdin.close()
        fake.wait(timeout=30)


def bench_internals(build: Path, rows: Rows, quick: bool) -> None:
    for exe in ("internals_bench", "redaction_bench"):
        out = subprocess.run([str(build / "bench" / exe), "--benchmark_format=json",
                              f"--benchmark_min_time={0.05 if quick else 0.3}"],
                             check=True, capture_output=True, text=True).stdout
        for b in json.loads(out)["benchmarks"]:
            ns = b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
            rows.add("internals", "C++", "libsigil", b["name"], ns, "ns_cpu")


# --- report ----------------------------------------------------------------------------------

LANG_ORDER = ["c", "python", "go", "rust", "node"]
LANG_NAME = {"c": "C", "python": "Python", "go": "Go", "rust": "Rust", "node": "Node"}


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "n/a"

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
            "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "gcc": ver(["gcc", "--version"]), "python": platform.python_version(),
            "go": ver(["go", "version"]), "rustc": ver(["rustc", "--version"]), "node": ver(["node", "--version"])}


def fmt_ns(v) -> str:
    if v is None:
        return "–"
    return f"{v / 1000:.1f} µs" if v >= 1000 else f"{v:.0f} ns"


def fmt_num(v, unit="") -> str:
    if v is None:
        return "–"
    if unit == "bytes":
        return f"{v / 1048576:.1f} MiB"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}"


def ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}x"


def mapping_section(rows: Rows, unavailable_mapping: dict) -> list[str]:
    g = rows.get
    out = ["", "### Mapping: provider JSON to a generation (OpenAI Chat Completions, median of 3 rounds' medians)", "",
           "| fixture | C libsigil: whole call | p99 | mapping calls | p99 | C parse-only | p99 | "
           "reference mapper (Python) | p99 | reference wrapper + record (Python) | "
           "reference mapper / C mapping | reference wrapper / C whole call | C mapping / parse-only | "
           "C whole call / parse-only |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for w, what in (("mapping_response", "request + 2 KB response"), ("mapping_stream", "request + 40 events")):
        c_call = g(w, "c", "libsigil", "caller_ns_per_op")
        c_map = g(w, "c", "libsigil", "map_ns_per_op")
        lb = g(w, "c", "lower-bound", "caller_ns_per_op")
        ref = g(w, "python", "reference", "caller_ns_per_op")
        ref_rec = g(w, "python", "reference", "record_ns_per_op")
        if all(v is None for v in (c_call, lb, ref)):
            continue
        out.append(f"| {what} | {fmt_ns(c_call)} | {fmt_ns(g(w, 'c', 'libsigil', 'caller_ns_p99'))} | {fmt_ns(c_map)} | "
                   f"{fmt_ns(g(w, 'c', 'libsigil', 'map_ns_p99'))} | {fmt_ns(lb)} | "
                   f"{fmt_ns(g(w, 'c', 'lower-bound', 'caller_ns_p99'))} | {fmt_ns(ref)} | "
                   f"{fmt_ns(g(w, 'python', 'reference', 'caller_ns_p99'))} | {fmt_ns(ref_rec)} | "
                   f"**{ratio(ref, c_map)}** | {ratio(ref_rec, c_call)} | **{ratio(c_map, lb)}** | {ratio(c_call, lb)} |")
    out += ["", "C: `build/bench/mapping_bench` through the public ABI; whole call = start -> "
                "set_provider_request -> set_provider_response (or 40 x add_provider_event) -> end, mapping calls = "
                "the set_provider_* / add_provider_event calls alone (a stream's accumulated output is written "
                "into the generation by end, outside that figure). Parse-only: simdjson DOM parse of the same "
                "bytes, every value touched once. Reference: PyPI `" + REFERENCE_PY_OPENAI[0] + "`'s "
                "`chat.completions.from_request_response` / `from_stream` on the `openai` package's pydantic "
                "objects built once before timing (it parses nothing while timed); its wrapper "
                "(`chat.completions.create` / `stream`) also records the generation with the reference SDK."]
    for (lang, impl), why in sorted(unavailable_mapping.items()):
        out.append(f"Not measured: {LANG_NAME.get(lang, lang)} {impl} ({why}).")
    return out


def instrument_section(rows: Rows, versions: dict, unavailable_mapping: dict) -> list[str]:
    g = rows.get
    out = ["", "### Instrument: overhead of recording an OpenAI chat call (fake provider on loopback, "
               "median of 3 runs)", "",
           "| call | impl | bare call | recorded call | overhead (wall) | bare CPU | recorded CPU | "
           "overhead (CPU) | reference / libsigil (wall) | reference / libsigil (CPU) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for w, what in (("instrument_sync", "2 KB completion"), ("instrument_stream", "40-chunk stream")):
        for impl in ("libsigil", "reference"):
            if g(w, "python", impl, "bare_ns_per_op") is None:
                continue
            wall = g(w, "python", "libsigil", "reference_overhead_over_libsigil") if impl == "libsigil" else None
            cpu = g(w, "python", "libsigil", "reference_cpu_overhead_over_libsigil") if impl == "libsigil" else None
            out.append(f"| {what} | {impl} | {fmt_ns(g(w, 'python', impl, 'bare_ns_per_op'))} | "
                       f"{fmt_ns(g(w, 'python', impl, 'recorded_ns_per_op'))} | "
                       f"{fmt_ns(g(w, 'python', impl, 'overhead_ns_per_op'))} | "
                       f"{fmt_ns(g(w, 'python', impl, 'bare_cpu_ns_per_op'))} | "
                       f"{fmt_ns(g(w, 'python', impl, 'recorded_cpu_ns_per_op'))} | "
                       f"{fmt_ns(g(w, 'python', impl, 'overhead_cpu_ns_per_op'))} | "
                       f"{'–' if wall is None else f'{wall:.2f}x'} | {'–' if cpu is None else f'**{cpu:.2f}x**'} |")
    out += ["", "`bench/python/instrument.py`: the real `openai` client (libsigil: "
                f"{versions.get('libsigil') or '?'}; reference: {versions.get('reference') or '?'}, the version "
                f"`{REFERENCE_PY_OPENAI[0]}` allows) calls the fake provider (`bindings/python/tests/fake_provider.py`, "
                "its own process) with the 1.7 KB `request_support.json`; the stream is read to its end. Each program "
                f"times {INSTRUMENT_N} bare and {INSTRUMENT_N} recorded calls, alternating in blocks of 10; overhead = "
                "recorded - bare, as the median wall time per call and as CPU time per call: the calling thread's "
                "median plus what the process's other threads (the SDK's export and span threads) spent meanwhile, "
                "charged to the recorded calls (the fake provider's CPU is not counted). libsigil: `sigil_sdk.instrument_openai()`, the call unchanged; reference: "
                "`chat.completions.create` / `.stream` (the caller gathers the chunks into a "
                "`ChatCompletionsStreamSummary`). The wall figures carry the loopback round trip's noise; the CPU "
                "figures are the comparison."]
    for (lang, impl), why in sorted(unavailable_mapping.items()):
        if impl == "reference":
            out.append(f"Not measured: {LANG_NAME.get(lang, lang)} {impl} ({why}).")
    return out


def render(rows: Rows, machine: dict, unavailable: dict, started: str, elapsed_s: float, cmdline: str,
           unavailable_mapping: dict | None = None, kept_from: str = "",
           instrument_versions: dict | None = None) -> str:
    g = rows.get
    unavailable_mapping = unavailable_mapping or {}
    out = [f"Run: {started} UTC, {elapsed_s / 60:.1f} min, `{cmdline}`" +
           (f" (the other workloads' rows are kept from the run of {kept_from} UTC)" if kept_from else "") + "  ",
           f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, Linux {machine['kernel']}, "
           f"load average at start {machine['load_at_start']}  ",
           f"Toolchains: {machine['gcc']}; Python {machine['python']}; {machine['go']}; {machine['rustc']}; "
           f"Node {machine['node']}", ""]

    out += ["### Record: caller cost per generation (median of 3 rounds' medians)", "",
            "| language | libsigil | p99 | mean | reference | p99 | mean | reference / libsigil | CPU s per 10k (libsigil / reference) | peak RSS (libsigil / reference) |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for lang in LANG_ORDER:
        ours = g("record", lang, "libsigil", "caller_ns_per_op")
        if ours is None:
            continue
        ref = g("record", lang, "reference", "caller_ns_per_op")
        out.append(
            f"| {LANG_NAME[lang]} | {fmt_ns(ours)} | {fmt_ns(g('record', lang, 'libsigil', 'caller_ns_p99'))} | "
            f"{fmt_ns(g('record', lang, 'libsigil', 'caller_ns_mean'))} | "
            f"{fmt_ns(ref)} | {fmt_ns(g('record', lang, 'reference', 'caller_ns_p99'))} | "
            f"{fmt_ns(g('record', lang, 'reference', 'caller_ns_mean'))} | {ratio(ref, ours)} | "
            f"{fmt_num(g('record', lang, 'libsigil', 'cpu_s_per_10k'))} / {fmt_num(g('record', lang, 'reference', 'cpu_s_per_10k'))} | "
            f"{fmt_num(g('record', lang, 'libsigil', 'rss_peak_bytes'), 'bytes')} / {fmt_num(g('record', lang, 'reference', 'rss_peak_bytes'), 'bytes')} |")
    lb = g("record", "c", "lower-bound", "caller_ns_per_op")
    c_ours = g("record", "c", "libsigil", "caller_ns_per_op")
    c_json = g("record", "c", "libsigil", "caller_ns_per_op_json_result")
    out += ["", f"C uses the typed result calls (`sigil_generation_add_*`, as `examples/c/quickstart.c`); with the "
                f"result as one JSON document (what the bindings pass) C costs {fmt_ns(c_json)} "
                f"(p99 {fmt_ns(g('record', 'c', 'libsigil', 'caller_ns_p99_json_result'))}).  ",
            f"C lower bound (copy once + protobuf-encode once): {fmt_ns(lb)} per generation; "
            f"libsigil C / lower bound = **{ratio(c_ours, lb)}** (JSON result: {ratio(c_json, lb)}).", ""]

    out += ["### Export: generations per second delivered to a local sink", "",
            "| language | transport | libsigil gen/s | reference gen/s | libsigil / reference | CPU s per 10k (libsigil / reference) | peak RSS (libsigil / reference) |",
            "|---|---|---|---|---|---|---|"]
    for proto in ("grpc", "http"):
        w = f"export_{proto}"
        for lang in LANG_ORDER:
            ours = g(w, lang, "libsigil", "gen_per_s_delivered")
            if ours is None:
                continue
            ref = g(w, lang, "reference", "gen_per_s_delivered")
            out.append(f"| {LANG_NAME[lang]} | {proto} | {fmt_num(ours)} | {fmt_num(ref)} | {ratio(ours, ref)} | "
                       f"{fmt_num(g(w, lang, 'libsigil', 'cpu_s_per_10k'))} / {fmt_num(g(w, lang, 'reference', 'cpu_s_per_10k'))} | "
                       f"{fmt_num(g(w, lang, 'libsigil', 'rss_peak_bytes'), 'bytes')} / {fmt_num(g(w, lang, 'reference', 'rss_peak_bytes'), 'bytes')} |")

    o = OVERLOAD
    out += ["", f"### Overload: {o['rate']} generations/s for {o['duration_s']:.0f} s, the gRPC sink stalled for "
                f"{o['stall_s']:.0f} s, export queue byte budget {o['queue_bytes'] >> 20} MiB", "",
            "| language | impl | worst caller time | p99 | peak RSS | RSS growth | growth / budget | delivered | dropped | spooled |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for lang in LANG_ORDER:
        for impl in ("libsigil", "reference"):
            mx = g("overload", lang, impl, "caller_ns_max")
            if mx is None:
                continue
            out.append(f"| {LANG_NAME[lang]} | {impl} | {fmt_ns(mx)} | {fmt_ns(g('overload', lang, impl, 'caller_ns_p99'))} | "
                       f"{fmt_num(g('overload', lang, impl, 'rss_peak_bytes'), 'bytes')} | "
                       f"{fmt_num(g('overload', lang, impl, 'rss_growth_bytes'), 'bytes')} | "
                       f"{ratio(g('overload', lang, impl, 'rss_growth_over_budget'), 1) if impl == 'libsigil' else 'no byte budget'} | "
                       f"{fmt_num(g('overload', lang, impl, 'delivered'))} | {fmt_num(g('overload', lang, impl, 'dropped'))} | "
                       f"{fmt_num(g('overload', lang, impl, 'spooled'))} |")

    if g("overload_spool", "c", "libsigil", "caller_ns_max") is not None:
        w = "overload_spool"
        out.append(f"| C | libsigil + spool | {fmt_ns(g(w, 'c', 'libsigil', 'caller_ns_max'))} | "
                   f"{fmt_ns(g(w, 'c', 'libsigil', 'caller_ns_p99'))} | {fmt_num(g(w, 'c', 'libsigil', 'rss_peak_bytes'), 'bytes')} | "
                   f"{fmt_num(g(w, 'c', 'libsigil', 'rss_growth_bytes'), 'bytes')} | "
                   f"{ratio(g(w, 'c', 'libsigil', 'rss_growth_over_budget'), 1)} | {fmt_num(g(w, 'c', 'libsigil', 'delivered'))} | "
                   f"{fmt_num(g(w, 'c', 'libsigil', 'dropped'))} | {fmt_num(g(w, 'c', 'libsigil', 'spooled'))} "
                   f"({fmt_num(g(w, 'c', 'libsigil', 'replayed'))} replayed) |")

    internals = [r for r in rows.rows if r["workload"] == "internals"]
    if internals:
        out += ["", "### Engine internals (Google Benchmark, CPU time per iteration)", "", "| benchmark | CPU time |",
                "|---|---|"]
        out += [f"| {r['metric']} | {fmt_ns(r['value'])} |" for r in internals]

    mapping_rows = [r for r in rows.rows if r["workload"].startswith("mapping_")]
    if mapping_rows:
        out += mapping_section(rows, unavailable_mapping)
    if any(r["workload"].startswith("instrument_") for r in rows.rows):
        out += instrument_section(rows, instrument_versions or {}, unavailable_mapping)

    targets = [
        ("Python record ≥ 10x cheaper than the reference Python SDK",
         g("record", "python", "reference", "caller_ns_per_op"), g("record", "python", "libsigil", "caller_ns_per_op"), 10, "ge"),
        ("Go record ≥ 3x cheaper than the reference Go SDK",
         g("record", "go", "reference", "caller_ns_per_op"), g("record", "go", "libsigil", "caller_ns_per_op"), 3, "ge"),
        ("C record within 3x of the lower bound", c_ours, lb, 3, "le"),
        ("Export throughput ≥ 10x the reference Python SDK (gRPC)",
         g("export_grpc", "python", "libsigil", "gen_per_s_delivered"), g("export_grpc", "python", "reference", "gen_per_s_delivered"), 10, "ge"),
        ("RSS growth under overload ≤ 1.5x the byte budget (C)",
         g("overload", "c", "libsigil", "rss_growth_over_budget"), 1, 1.5, "le"),
    ]
    for w, what in (("mapping_response", "2 KB chat completion"), ("mapping_stream", "40-event stream")):
        if not any(r["workload"] == w for r in mapping_rows):
            continue
        targets += [
            (f"Mapping a {what} ≥ 20x cheaper than the reference Python mapper (C mapping calls)",
             g(w, "python", "reference", "caller_ns_per_op"), g(w, "c", "libsigil", "map_ns_per_op"), 20, "ge"),
            (f"Mapping a {what} in C within 3x of parse-only (C mapping calls)",
             g(w, "c", "libsigil", "map_ns_per_op"), g(w, "c", "lower-bound", "caller_ns_per_op"), 3, "le"),
        ]
    for w, what in (("instrument_sync", "chat call"), ("instrument_stream", "streamed chat call")):
        targets.append((f"Instrumented OpenAI {what}: overhead ≥ 10x less than the reference wrapper (CPU per call)",
                        g(w, "python", "reference", "overhead_cpu_ns_per_op"),
                        g(w, "python", "libsigil", "overhead_cpu_ns_per_op"), 10, "ge"))
    out += ["", "### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for name, a, b, limit, how in targets:
        if a is None or b is None or b == 0:
            out.append(f"| {name} | not measured | – |")
            continue
        r = a / b
        met = r >= limit if how == "ge" else r <= limit
        out.append(f"| {name} | {r:.2f}x | {'yes' if met else '**no**'} |")

    if unavailable:
        out += ["", "### Not measured in this run", ""]
        out += [f"- {LANG_NAME.get(lang, lang)} {impl}: {why}" for (lang, impl), why in sorted(unavailable.items())]
    return "\n".join(out) + "\n"


def chart(env: Env, rows: Rows, path: Path) -> bool:
    data = {lang: {impl: rows.get("record", lang, impl, "caller_ns_per_op") for impl in ("libsigil", "reference", "lower-bound")}
            for lang in LANG_ORDER}
    script = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data, path = json.loads(sys.argv[1]), sys.argv[2]
langs = [l for l in data if any(v is not None for v in data[l].values())]
names = {"c": "C", "python": "Python", "go": "Go", "rust": "Rust", "node": "Node"}
colors = {"libsigil": "#2b6cb0", "reference": "#c05621", "lower-bound": "#718096"}
fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120)
width = 0.27
for i, impl in enumerate(["libsigil", "reference", "lower-bound"]):
    xs = [j + (i - 1) * width for j, l in enumerate(langs) if data[l][impl] is not None]
    ys = [data[l][impl] / 1000 for l in langs if data[l][impl] is not None]
    if not xs:
        continue
    bars = ax.bar(xs, ys, width, label=impl, color=colors[impl])
    for b, y in zip(bars, ys):
        ax.annotate(f"{y:.1f}" if y < 100 else f"{y:.0f}", (b.get_x() + b.get_width() / 2, y), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
ax.set_xticks(range(len(langs)))
ax.set_xticklabels([names[l] for l in langs])
ax.set_yscale("log")
ax.set_ylabel("caller time per generation (µs, log scale)")
ax.set_title("record workload: start + set result + end (median)")
ax.legend(frameon=False)
ax.grid(axis="y", alpha=0.3)
fig.tight_layout()
fig.savefig(path)
"""
    res = subprocess.run([str(env.venv_python), "-c", script, json.dumps(data), str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        log(f"chart failed: {res.stderr.strip()[-400:]}")
        return False
    return True


def update_benchmarks_md(section: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    a, b = text.index(start) + len(start), text.index(end)
    path.write_text(text[:a] + "\n" + section + text[b:])


def keep_other_rows(rows: Rows, workloads: list[str]) -> str:
    """Adds the rows of latest.json whose workload was not run now; returns when they were measured."""
    try:
        old = json.loads((RESULTS / "latest.json").read_text())
        machine = json.loads((RESULTS / "machine.json").read_text())
        prev = machine.get("other_rows_from") or machine.get("started_utc", "an earlier run")
    except (OSError, ValueError):
        return ""
    kept = [r for r in old if r["workload"].split("_")[0] not in workloads]
    rows.rows[:0] = kept
    return prev if kept else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--quick", action="store_true", help="a tenth of the records, a short overload (smoke run)")
    ap.add_argument("--lang", default="c,python,go,rust,node")
    ap.add_argument("--workload", default="record,export,overload,internals,mapping,instrument")
    ap.add_argument("--go-reference-bin", default="")
    ap.add_argument("--no-build", action="store_true", help="use the programs already built in --build-dir")
    ap.add_argument("--no-write", action="store_true", help="print the report instead of writing results")
    args = ap.parse_args()
    build = (ROOT / args.build_dir).resolve() if not Path(args.build_dir).is_absolute() else Path(args.build_dir)
    langs = set(args.lang.split(","))
    workloads = args.workload.split(",")
    scale = 0.1 if args.quick else 1.0

    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    t0 = time.monotonic()
    machine = machine_info()
    env = Env(build, args)
    env.prepare(langs)
    pairs = [(lang, impl) for lang in LANG_ORDER if lang in langs
             for impl in ("libsigil", "reference", "lower-bound") if (lang, impl) in env.programs]
    rows = Rows()
    with tempfile.TemporaryDirectory(prefix="sigil-bench-") as tmp:
        sink = Sink(Path(tmp))
        try:
            if "record" in workloads:
                bench_record(env, sink, rows, pairs, scale)
            if "export" in workloads:
                bench_export(env, sink, rows, pairs, scale)
            if "overload" in workloads:
                bench_overload(env, sink, rows, pairs, scale, Path(tmp))
            if "mapping" in workloads:
                bench_mapping(env, sink, rows, langs, scale)
            if "instrument" in workloads:
                bench_instrument(env, sink, rows, langs, scale)
        finally:
            sink.close()
    if "internals" in workloads:
        bench_internals(build, rows, args.quick)
    elapsed = time.monotonic() - t0
    cmdline = "make bench" if not args.quick else "make bench BENCH_ARGS=--quick"
    kept_from = ""
    if set(workloads) != set(ap.get_default("workload").split(",")):
        # A partial run replaces only its own workloads' rows; the rest stay as the last run left them.
        cmdline = f"python3 bench/run.py --workload {args.workload}" + (" --quick" if args.quick else "")
        kept_from = keep_other_rows(rows, workloads)
    section = render(rows, machine, env.unavailable, started, elapsed, cmdline, env.mapping_unavailable, kept_from,
                     env.instrument_versions)
    if args.no_write:
        print(section)
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(rows.rows, indent=1) + "\n")
    (RESULTS / "machine.json").write_text(json.dumps({"started_utc": started, "elapsed_s": round(elapsed, 1),
                                                      **({"other_rows_from": kept_from} if kept_from else {}),
                                                      "machine": machine,
                                                      "not_measured": {f"{k[0]}/{k[1]}": v for k, v in env.unavailable.items()}},
                                                     indent=1) + "\n")
    # A partial run keeps the record rows the chart shows: the chart stays as it is.
    if (kept_from and (RESULTS / "record_cost.png").exists()) or chart(env, rows, RESULTS / "record_cost.png"):
        section += "\n![record cost per language](bench/results/record_cost.png)\n"
    update_benchmarks_md(section)
    print(section)
    log(f"wrote bench/results/latest.json, bench/results/record_cost.png and BENCHMARKS.md in {elapsed / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
