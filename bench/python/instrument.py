#!/usr/bin/env python3
"""Python program of the instrument workload (see bench/README.md for the contract).

    instrument.py --impl libsigil  --params '<json>'   # bindings/python: sigil_sdk.instrument_openai()
    instrument.py --impl reference --params '<json>'   # PyPI sigil-sdk-openai's chat.completions wrappers

One operation is one OpenAI Chat Completions call through the real ``openai`` client to the fake
provider (bindings/python/tests/fake_provider.py, its own process) at ``params["fake_url"]``:
``instrument_sync`` gets a 2 KB completion, ``instrument_stream`` reads a 40-chunk stream to its end.
The same call is timed bare (nothing instrumented) and recorded, alternating in blocks of 10 calls
in this one process; the overhead is recorded minus bare, as wall time per call (medians) and as CPU time
per call: the calling thread's (medians) plus what the process's other threads spent meanwhile,
charged to the recorded calls (the fake provider's CPU is not counted). libsigil records with
``instrument_openai()`` (the caller's code unchanged); the reference wraps each call in
``chat.completions.create`` / ``.stream`` (for a stream the caller gathers the chunks into a
``ChatCompletionsStreamSummary``, as that API asks). The result is one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from array import array
from typing import Any, Callable

from bench import Libsigil, Reference, cpu_seconds, peak_rss_bytes, summarize

BLOCK = 10  # calls between switches of the instrumentation

def load_request(params: dict[str, Any]) -> dict[str, Any]:
    with open(params["request_file"], encoding="utf-8") as f:
        request = json.load(f)
    request.pop("stream", None)
    request.pop("stream_options", None)
    return request


def calls(impl: str, params: dict[str, Any], recorder: Any) -> tuple[Callable[[], Any], Callable[[], Any],
                                                                      Callable[[], None], Callable[[], None]]:
    """(bare call, recorded call, start recording, stop recording) for the workload."""
    import openai

    stream = params["workload"] == "instrument_stream"
    route = "/stream/v1" if stream else "/sync/v1"
    provider = openai.OpenAI(base_url=params["fake_url"] + route, api_key="bench", max_retries=0)
    request = load_request(params)

    def bare() -> Any:
        if stream:
            return sum(1 for _ in provider.chat.completions.create(**request, stream=True))
        return provider.chat.completions.create(**request)

    if impl == "libsigil":
        import sigil_sdk

        return (bare, bare, lambda: sigil_sdk.instrument_openai(client=recorder.client),
                lambda: sigil_sdk.uninstrument_openai())

    from sigil_sdk_openai import ChatCompletionsStreamSummary, OpenAIOptions, chat

    options = OpenAIOptions(conversation_id="conv-bench-instrument", agent_name="support-bot")
    client = recorder.client
    if stream:
        def summary(req: dict) -> Any:
            return ChatCompletionsStreamSummary(events=list(provider.chat.completions.create(**req)))

        def recorded() -> Any:
            return chat.completions.stream(client, {**request, "stream": True}, summary, options)
    else:
        def recorded() -> Any:
            return chat.completions.create(client, request, lambda req: provider.chat.completions.create(**req),
                                           options)
    return bare, recorded, lambda: None, lambda: None


def run(impl: str, params: dict[str, Any]) -> dict[str, Any]:
    import sigil_sdk

    recorder: Any = (Libsigil if impl == "libsigil" else Reference)(sigil_sdk, params)
    bare, recorded, start, stop = calls(impl, params, recorder)
    n, warmup = params["n"], params["warmup"]
    for _ in range(warmup):
        bare()
    start()
    for _ in range(warmup):
        recorded()
    stop()
    # Bare and recorded calls alternate in blocks of BLOCK calls (which goes first alternates too),
    # so the machine's drift hits both alike; switching the instrumentation on and off between
    # blocks is not timed (and, as the first call after a switch pays for it, the medians leave it out).
    wall = {False: array("q", [0]) * n, True: array("q", [0]) * n}
    cpu = {False: array("q", [0]) * n, True: array("q", [0]) * n}
    now, thread_now = time.perf_counter_ns, time.thread_time_ns
    process0, thread0 = cpu_seconds(), thread_now()
    for first in range(0, n, BLOCK):
        for rec in ((False, True) if (first // BLOCK) % 2 else (True, False)):
            (start if rec else stop)()
            call, w, c = (recorded if rec else bare), wall[rec], cpu[rec]
            for i in range(first, min(n, first + BLOCK)):
                a, ta = now(), thread_now()
                call()
                c[i], w[i] = thread_now() - ta, now() - a
    stop()
    # What other threads of the process spent meanwhile (the SDK's export and span threads) is
    # charged to the recorded calls.
    background_ns = max(0.0, (cpu_seconds() - process0) * 1e9 - (thread_now() - thread0))
    recorder.flush(30.0)
    recorder.close()
    bare_ns, rec_ns = statistics.median(wall[False]), statistics.median(wall[True])
    bare_cpu, rec_cpu = statistics.median(cpu[False]), statistics.median(cpu[True]) + background_ns / n
    return {"ops": n, "bare_ns": summarize(wall[False]), "recorded_ns": summarize(wall[True]),
            "bare_ns_per_op": bare_ns, "recorded_ns_per_op": rec_ns, "overhead_ns_per_op": rec_ns - bare_ns,
            "bare_cpu_ns_per_op": bare_cpu, "recorded_cpu_ns_per_op": rec_cpu,
            "overhead_cpu_ns_per_op": rec_cpu - bare_cpu, "background_cpu_ns_per_op": background_ns / n,
            "cpu_s": sum(cpu[True]) / 1e9, "rss_peak_bytes": peak_rss_bytes(), "openai_version": _openai_version()}


def _openai_version() -> str:
    import openai

    return openai.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=("libsigil", "reference"), required=True)
    ap.add_argument("--params", required=True)
    args = ap.parse_args()
    print(json.dumps(run(args.impl, json.loads(args.params))), flush=True)


if __name__ == "__main__":
    main()
