#!/usr/bin/env python3
"""Runs an example binary against the independent capture harness and checks
what arrived on the wire (the harness decodes with google.protobuf, unknown
fields rejected).

    run_example.py --protocol http|grpc [--otlp] [--agent] EXAMPLE [ARGS...]

With --agent the example is examples/c/agent.c: its spans must arrive as the
agent's tree.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))

from harness import Harness  # noqa: E402

PART_KINDS = ("text", "thinking", "tool_call", "tool_result")


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check_otlp(h, gens):
    """Spans and metrics decoded by opentelemetry-proto: every generation has
    its span, the four operations are named as the reference names them, and
    the four GenAI histograms arrived."""
    spans = [s for cap in h.captures("otlp_traces") for s in cap.get("spans", [])]
    by_id = {(s["trace_id"], s["span_id"]): s for s in spans}
    for g in gens:
        span = by_id.get((g.get("trace_id"), g.get("span_id")))
        if span is None:
            fail(f"generation {g.get('id')} has no exported span with its trace/span id")
        if span["attributes"].get("sigil.generation.id") != g.get("id"):
            fail(f"span {span['name']} does not carry sigil.generation.id {g.get('id')}")
    expected = {"generateText claude-sonnet-4-5": "SPAN_KIND_CLIENT", "streamText gpt-4o-mini": "SPAN_KIND_CLIENT",
                "execute_tool get_weather": "SPAN_KIND_INTERNAL", "embeddings text-embedding-3-small": "SPAN_KIND_CLIENT"}
    kinds = {s["name"]: s["kind"] for s in spans}
    for name, kind in expected.items():
        if kinds.get(name) != kind:
            fail(f"expected span {name!r} of kind {kind}, got {kinds.get(name)}")
    metrics = {p["name"] for cap in h.captures("otlp_metrics") for p in cap.get("points", [])}
    wanted = {"gen_ai.client.operation.duration", "gen_ai.client.token.usage",
              "gen_ai.client.time_to_first_token", "gen_ai.client.tool_calls_per_operation"}
    if wanted - metrics:
        fail(f"missing metrics: {wanted - metrics}")
    print(f"PASS: {len(spans)} spans and {len(metrics)} metrics decoded with opentelemetry-proto")


def check_agent_tree(h):
    """The agent example's spans: one trace, each step under its parent, the agent
    after the GenAI conventions."""
    spans = [s for cap in h.captures("otlp_traces") for s in cap.get("spans", [])]
    by_name = {s["name"]: s for s in spans}
    parents = {"invoke_agent travel-agent": None, "plan": "invoke_agent travel-agent", "search-docs": "plan",
               "generateText gpt-4o": "plan", "execute_tool book": "plan"}
    for name, parent in parents.items():
        span = by_name.get(name)
        if span is None:
            fail(f"no span {name!r}; got {sorted(by_name)}")
        want = by_name[parent]["span_id"] if parent else ""
        if span["parent_span_id"] != want or span["trace_id"] != by_name["invoke_agent travel-agent"]["trace_id"]:
            fail(f"span {name!r} is not a child of {parent!r} in the agent's trace")
    kinds = [by_name[n]["attributes"].get("sigil.span.kind") for n in ("invoke_agent travel-agent", "plan",
                                                                       "search-docs")]
    if kinds != ["agent", "chain", "retriever"]:
        fail(f"unexpected sigil.span.kind values {kinds}")
    if by_name["invoke_agent travel-agent"]["attributes"].get("gen_ai.operation.name") != "invoke_agent":
        fail("the agent span has no gen_ai.operation.name invoke_agent")
    print(f"PASS: the agent's tree of {len(parents)} spans arrived in one trace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", choices=("http", "grpc"), required=True)
    ap.add_argument("--otlp", action="store_true", help="also send spans and metrics to the harness")
    ap.add_argument("--agent", action="store_true", help="check the agent example's span tree instead")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()

    with Harness() as h:
        env = dict(os.environ)
        env["SIGIL_PROTOCOL"] = args.protocol
        env["SIGIL_ENDPOINT"] = h.urls["http_base"] if args.protocol == "http" else h.urls["grpc"]
        env["SIGIL_API_ENDPOINT"] = h.urls["api"]
        if args.otlp:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = h.urls["otlp"]
        proc = subprocess.run(args.cmd, env=env, capture_output=True, text=True, timeout=90)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            fail(f"example exited {proc.returncode}")

        if args.agent:
            check_agent_tree(h)
            return

        kind = "http_exports" if args.protocol == "http" else "grpc_exports"
        captures = h.captures(kind)
        if not captures:
            fail("no export arrived")
        for cap in captures:
            if cap.get("error"):
                fail(f"the server could not decode an export: {cap['error']}")
        gens = [g for cap in captures for g in cap.get("generations", [])]
        modes = {g.get("mode") for g in gens}
        if not {"GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM"} <= modes:
            fail(f"expected sync and streaming generations, got modes {modes}")
        kinds = set()
        for g in gens:
            for msg in g.get("input", []) + g.get("output", []):
                for part in msg.get("parts", []):
                    kinds.update(k for k in PART_KINDS if k in part)
        if set(PART_KINDS) - kinds:
            fail(f"missing part kinds: {set(PART_KINDS) - kinds}")
        if not any(g.get("call_error") for g in gens):
            fail("no generation carries a call_error")
        names = {(g.get("metadata") or {}).get("sigil.sdk.name") for g in gens}
        if names != {"sdk-c"}:
            fail(f"sigil.sdk.name should be sdk-c on every generation, got {names}")

        ratings = h.captures("ratings")
        if len(ratings) != 1 or not ratings[0]["path"].endswith("/ratings"):
            fail(f"expected one rating request, got {len(ratings)}")

        if args.otlp:
            check_otlp(h, gens)
        print(f"PASS: {len(gens)} generations arrived over {args.protocol} and decoded as sigil.v1")


if __name__ == "__main__":
    main()
