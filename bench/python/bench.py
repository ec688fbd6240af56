#!/usr/bin/env python3
"""Python benchmark program (see bench/README.md for the contract).

    bench.py --impl libsigil  --params '<json>'   # bindings/python (SIGIL_LIBRARY, PYTHONPATH=bindings/python)
    bench.py --impl reference --params '<json>'   # PyPI sigil-sdk, run by a venv that has only it

Both packages are imported as ``sigil_sdk``; the interpreter's path decides which one this process
gets, and the program refuses to run when it is the wrong one. The workload is mapped to the
package's model objects once, before timing. One record is start_generation -> set_result -> end;
its caller time is read from the monotonic clock around those three calls. The result is one JSON
object on the last line of stdout; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from array import array
from typing import Any, Callable

# Deadlines of the flush after the warmup (export) and of the final flush (export, overload), as in
# bench/c/sigil_bench.c; past it the program reports what the SDK delivered by then.
WARMUP_FLUSH_DEADLINE_S = 60.0
FLUSH_DEADLINE_S = 120.0


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


# --- process measurements -------------------------------------------------------


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_bytes() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def summarize(samples: array) -> dict[str, Any]:
    """median, p99, max and mean of the samples in ns (the ranks bench/c/bench_util.h uses)."""
    n = len(samples)
    if n == 0:
        return {}
    ordered = sorted(samples)
    return {"median": ordered[(n - 1) // 2], "p99": ordered[int((n - 1) * 0.99 + 0.5)], "max": ordered[-1],
            "mean": round(sum(ordered) / n, 1)}


# --- the two implementations ----------------------------------------------------


def build_models(sdk: Any, workload: dict[str, Any]) -> tuple[Any, Any]:
    """GenerationStart and Generation of the workload, in the package's model classes."""
    s, r = workload["start"], workload["result"]
    start = sdk.GenerationStart(
        model=sdk.ModelRef(provider=s["model"]["provider"], name=s["model"]["name"]),
        conversation_id=s["conversation_id"],
        agent_name=s["agent_name"],
        agent_version=s["agent_version"],
        max_tokens=s["max_tokens"],
        temperature=s["temperature"],
        tags=dict(s["tags"]),
    )

    def message(m: dict[str, Any]) -> Any:
        parts = []
        if m.get("text"):
            parts.append(sdk.Part(kind=sdk.PartKind.TEXT, text=m["text"]))
        tc = m.get("tool_call")
        if tc:
            parts.append(sdk.Part(kind=sdk.PartKind.TOOL_CALL, tool_call=sdk.ToolCall(
                id=tc["id"], name=tc["name"], input_json=tc["input_json"].encode())))
        return sdk.Message(role=sdk.MessageRole(m["role"]), parts=parts)

    u = r["usage"]
    result = sdk.Generation(
        system_prompt=r["system_prompt"],
        input=[message(m) for m in r["input"]],
        output=[message(m) for m in r["output"]],
        usage=sdk.TokenUsage(input_tokens=u["input_tokens"], output_tokens=u["output_tokens"],
                             cache_read_input_tokens=u["cache_read_input_tokens"]),
        response_id=r["response_id"],
        response_model=r["response_model"],
        stop_reason=r["stop_reason"],
        metadata=dict(r["metadata"]),
    )
    return start, result


class Libsigil:
    """bindings/python: the engine exports generations and sends spans and metrics over OTLP."""

    def __init__(self, sdk: Any, params: dict[str, Any]) -> None:
        self.sdk = sdk
        export = sdk.GenerationExportConfig(protocol=params["protocol"])
        if params["protocol"] != "none":
            export.endpoint = params["endpoint"]
            export.insecure = True
        if params["queue_items"] > 0:
            export.queue_size = params["queue_items"]
        if params["queue_bytes"] > 0:
            export.queue_max_bytes = params["queue_bytes"]
        if params["batch_size"] > 0:
            export.batch_size = params["batch_size"]
        self.client = sdk.Client(sdk.ClientConfig(generation_export=export, otlp_endpoint=params["otlp_endpoint"],
                                                  use_environment=False))

    def flush(self, deadline_s: float) -> None:
        try:
            self.client.flush(timeout=deadline_s)
        except self.sdk.SigilTimeoutError as exc:
            log(f"bench: flush deadline passed: {exc}")

    def counters(self) -> dict[str, int]:
        s = self.client.stats()
        return {"delivered": s["generations_exported"], "dropped": s["dropped_total"],
                "spooled": s["generations_spooled"]}

    def close(self) -> None:
        self.client.shutdown(timeout=10)


def noop_span_exporter() -> Any:
    """A SpanExporter that accepts every batch and keeps nothing (the reference's OpenTelemetry SDK is
    imported only by the reference run)."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class NoopSpanExporter(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            pass

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return NoopSpanExporter()


class Reference:
    """PyPI sigil-sdk: spans through a BatchSpanProcessor into a no-op exporter, metrics into an in-memory reader."""

    def __init__(self, sdk: Any, params: dict[str, Any]) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(BatchSpanProcessor(noop_span_exporter()))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        self.sdk = sdk
        export = sdk.GenerationExportConfig(protocol=params["protocol"])
        if params["protocol"] != "none":
            export.endpoint = params["endpoint"]  # the HTTP exporter appends its path itself
            export.insecure = True
        if params["queue_items"] > 0:
            export.queue_size = params["queue_items"]
        if params["batch_size"] > 0:
            export.batch_size = params["batch_size"]
        self.client = sdk.Client(sdk.ClientConfig(
            generation_export=export,
            tracer=self.tracer_provider.get_tracer("sigil-bench"),
            meter=self.meter_provider.get_meter("sigil-bench"),
        ))

    def flush(self, deadline_s: float) -> None:
        # The reference's flush exports the queue synchronously on this thread; it takes no deadline.
        try:
            self.client.flush()
        except Exception as exc:  # noqa: BLE001 - its export errors surface here
            log(f"bench: flush failed: {exc!r}")

    def counters(self) -> dict[str, int]:
        return {}  # it exposes no delivery counters; drops reach the caller as recorder errors

    def close(self) -> None:
        self.client.shutdown()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


# --- the workloads --------------------------------------------------------------


def run(impl_name: str, params: dict[str, Any]) -> dict[str, Any]:
    import sigil_sdk as sdk  # whichever package this interpreter's path provides

    is_libsigil = hasattr(sdk, "engine_version")
    if is_libsigil != (impl_name == "libsigil"):
        raise SystemExit(f"bench: --impl {impl_name} but sigil_sdk from {os.path.dirname(sdk.__file__)} is "
                         f"{'libsigil' if is_libsigil else 'the reference SDK'}")
    with open(params["workload_file"], encoding="utf-8") as f:
        workload = json.load(f)
    start, result = build_models(sdk, workload)
    impl = Libsigil(sdk, params) if is_libsigil else Reference(sdk, params)
    client = impl.client
    kind = params["workload"]
    errors: dict[str, int] = {}

    def note(err: BaseException) -> None:
        errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1

    for _ in range(params["warmup"]):
        rec = client.start_generation(start)
        rec.set_result(result)
        rec.end()
        if rec.err() is not None:
            note(rec.err())
    if errors:
        raise SystemExit(f"bench: warmup records failed: {errors}")
    if kind == "export" and params["warmup"] > 0:
        impl.flush(WARMUP_FLUSH_DEADLINE_S)  # the timed window starts with an empty queue
    before = impl.counters()

    clock = time.perf_counter_ns
    start_generation = client.start_generation
    if kind == "overload":
        interval_ns = 1e9 / params["rate"]
        n = int(params["rate"] * params["duration_s"])
    else:
        interval_ns = 0.0
        n = params["n"]
    samples = array("q", bytes(8 * n))

    rss_baseline = rss_bytes()
    cpu0 = cpu_seconds()
    wall0 = clock()
    for i in range(n):
        if interval_ns:
            # Pace by absolute deadlines: sleep until this record's slot; a late record goes at once.
            wait = wall0 + i * interval_ns - clock()
            if wait > 0:
                time.sleep(wait / 1e9)
        t0 = clock()
        rec = start_generation(start)
        rec.set_result(result)
        rec.end()
        samples[i] = clock() - t0
        err = rec.err()
        if err is not None:
            note(err)
    flush_s = 0.0
    if kind != "record":
        f0 = clock()
        impl.flush(FLUSH_DEADLINE_S)
        flush_s = (clock() - f0) / 1e9
    wall_s = (clock() - wall0) / 1e9
    cpu_s = cpu_seconds() - cpu0

    out: dict[str, Any] = {
        "ops": n,
        "caller_ns": summarize(samples),
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "rss_baseline_bytes": rss_baseline,
        "rss_peak_bytes": peak_rss_bytes(),
    }
    if kind != "record":
        after = impl.counters()
        out.update({k: after[k] - before.get(k, 0) for k in after})
        if not is_libsigil and kind == "overload":
            # The reference drops what its full item queue refuses and tells the caller through rec.err().
            out["dropped"] = sum(errors.values())
        out["flush_s"] = flush_s
    if errors:
        log(f"bench: records that ended with an error: {errors}")
        if kind != "overload":
            raise SystemExit("bench: records failed outside the overload workload; the figures would be wrong")
    impl.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=("libsigil", "reference"), required=True)
    ap.add_argument("--params", required=True, help="the params JSON object of bench/README.md")
    args = ap.parse_args()
    result = run(args.impl, json.loads(args.params))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
