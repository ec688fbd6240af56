#!/usr/bin/env python3
"""Python program of the mapping workloads (see bench/README.md for the contract).

    mapping.py --impl reference --params '<json>'   # PyPI sigil-sdk-openai, run by the bench venv

The reference maps provider objects with its OpenAI helper's public mappers:
``sigil_sdk_openai.chat.completions.from_request_response(request, response)`` (mapping_response) and
``.from_stream(request, ChatCompletionsStreamSummary(events=...))`` (mapping_stream). The fixture JSON is
turned once, before timing, into what an application using the ``openai`` package holds: the request as
the dict it passed to ``create`` and the response (or every stream chunk) as the SDK's pydantic
objects. One timed operation is one mapper call, which returns a ``Generation`` (``caller_ns``). The
program then times the helper's own wrapper, ``chat.completions.create`` / ``.stream``, whose provider
call returns the held response: start, the same mapper, set_result and end on a reference client set up
as bench.py's record workload sets it up (``record_ns``), the whole cost to the caller. The result is
one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import time
from array import array
from typing import Any, Callable

# bench.py sits next to this file (the script's directory is on sys.path): the same measurements.
from bench import Reference, cpu_seconds, peak_rss_bytes, rss_bytes, summarize


def reference_calls(params: dict[str, Any], client: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The mapper alone, and the helper's wrapper that records what it mapped."""
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from sigil_sdk_openai import ChatCompletionsStreamSummary, OpenAIOptions, chat

    with open(params["request_file"], encoding="utf-8") as f:
        request = json.load(f)
    options = OpenAIOptions(conversation_id="conv-bench-mapping", agent_name="support-bot")
    if params["workload"] == "mapping_stream":
        with open(params["stream_file"], encoding="utf-8") as f:
            chunks = [ChatCompletionChunk.model_validate_json(line) for line in f if line.strip()]
        summary = ChatCompletionsStreamSummary(events=chunks)
        return (lambda: chat.completions.from_stream(request, summary, options),
                lambda: chat.completions.stream(client, request, lambda _req: summary, options))
    with open(params["response_file"], encoding="utf-8") as f:
        response = ChatCompletion.model_validate_json(f.read())
    return (lambda: chat.completions.from_request_response(request, response, options),
            lambda: chat.completions.create(client, request, lambda _req: response, options))


def timed(call: Callable[[], Any], n: int, warmup: int) -> tuple[array, float, float]:
    """Per-call ns, wall seconds and process CPU seconds of n calls after warmup ones."""
    for _ in range(warmup):
        call()
    samples = array("q", [0]) * n
    now = time.perf_counter_ns
    cpu0 = cpu_seconds()
    t0 = now()
    for i in range(n):
        a = now()
        call()
        samples[i] = now() - a
    return samples, (now() - t0) / 1e9, cpu_seconds() - cpu0


def run(params: dict[str, Any]) -> dict[str, Any]:
    import sigil_sdk

    ref = Reference(sigil_sdk, params)
    mapper, wrapper = reference_calls(params, ref.client)
    if not mapper().output:  # the fixture must map to something, or the timing means nothing
        raise SystemExit("mapping.py: the reference mapped no output from the fixture")
    n, warmup = params["n"], params["warmup"]
    rss_base = rss_bytes()
    samples, wall, cpu = timed(mapper, n, warmup)
    record_samples, record_wall, record_cpu = timed(wrapper, n, warmup)
    ref.close()
    return {"ops": n, "caller_ns": summarize(samples), "wall_s": wall, "cpu_s": cpu,
            "record_ns": summarize(record_samples), "record_wall_s": record_wall, "record_cpu_s": record_cpu,
            "rss_baseline_bytes": rss_base, "rss_peak_bytes": peak_rss_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=("reference",), required=True)
    ap.add_argument("--params", required=True)
    args = ap.parse_args()
    print(json.dumps(run(json.loads(args.params))), flush=True)


if __name__ == "__main__":
    main()
