"""Agent tracing (sigil_sdk.tracing): decorated functions become a tree of spans at the capture
harness, with the right parents, kinds and attributes; trees stay apart across asyncio tasks and
threads; content follows the capture mode; traces continue across processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest

import sigil_sdk as sigil
from sigil_sdk import GenerationStart, ModelRef

from conftest import REPO, config_for, spans

MODEL = ModelRef("openai", "gpt-4o")


@pytest.fixture
def tracer(make_client):
    """tracer() -> a client the decorators record with (detached again after the test)."""

    def make():
        client = make_client("http")
        sigil.configure_tracing(client)
        return client

    yield make
    sigil.configure_tracing(None)


def flushed_spans(harness, client, count):
    client.flush(timeout=10)
    for _ in range(50):
        got = spans(harness)
        if len(got) >= count:
            return got
        harness.wait("otlp_traces", len(harness.captures("otlp_traces")) + 1, 0.1)
    raise AssertionError(f"expected {count} spans, got {len(spans(harness))}")


def by_name(all_spans):
    return {s["name"]: s for s in all_spans}


@sigil.span(kind="retriever", name="search-docs")
def search(query: str, top_k: int = 2) -> list[str]:
    sigil.log_event("retrieved", {"count": top_k})
    return [f"doc about {query}"] * top_k


@sigil.span(kind="chain")
def answer(client, question: str) -> str:
    docs = search(question)
    sigil.attach_metadata(documents=len(docs), reranked=False)
    with client.start_generation(GenerationStart(model=MODEL, id="gen-in-chain")):
        pass
    with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="book")) as tool:
        tool.set_result(arguments={"city": "Paris"}, result="booked")
    return "sunny"


@sigil.trace(name="travel-agent")
def agent(client, question: str) -> str:
    return answer(client, question)


def test_a_decorated_agent_arrives_as_one_tree(harness, tracer):
    client = tracer()
    assert agent(client, "weather in Paris?") == "sunny"
    got = by_name(flushed_spans(harness, client, 5))
    a, c, r = got["invoke_agent travel-agent"], got["answer"], got["search-docs"]
    g, t = got["generateText gpt-4o"], got["execute_tool book"]
    assert {s["trace_id"] for s in (a, c, r, g, t)} == {a["trace_id"]}
    assert a["parent_span_id"] == ""
    assert c["parent_span_id"] == a["span_id"]
    for child in (r, g, t):
        assert child["parent_span_id"] == c["span_id"]
    assert a["attributes"]["gen_ai.operation.name"] == "invoke_agent"
    assert a["attributes"]["gen_ai.agent.name"] == "travel-agent"
    assert [s["attributes"]["sigil.span.kind"] for s in (a, c, r)] == ["agent", "chain", "retriever"]
    assert all(s["kind"] == "SPAN_KIND_INTERNAL" for s in (a, c, r))
    # Arguments by name (the client described, not failing), the return value as JSON.
    assert json.loads(r["attributes"]["sigil.span.input"]) == {"query": "weather in Paris?", "top_k": 2}
    assert json.loads(r["attributes"]["sigil.span.output"]) == ["doc about weather in Paris?"] * 2
    assert json.loads(a["attributes"]["sigil.span.input"])["client"] == "<sigil_sdk.client.Client>"
    assert json.loads(a["attributes"]["sigil.span.output"]) == "sunny"
    assert r["events"][0]["name"] == "retrieved" and r["events"][0]["attributes"] == {"count": 2}
    assert c["attributes"]["documents"] == 2 and c["attributes"]["reranked"] is False


def test_exceptions_mark_the_span_and_re_raise(harness, tracer):
    client = tracer()

    @sigil.span(kind="task")
    def fails():
        raise KeyError("missing")

    @sigil.span(kind="task")
    async def fails_async():
        raise TimeoutError("slow")

    with pytest.raises(KeyError):
        fails()
    with pytest.raises(TimeoutError):
        asyncio.run(fails_async())
    got = by_name(flushed_spans(harness, client, 2))
    for name, kind in (("test_exceptions_mark_the_span_and_re_raise.<locals>.fails", "KeyError"),
                       ("test_exceptions_mark_the_span_and_re_raise.<locals>.fails_async", "TimeoutError")):
        s = got[name]
        assert s["status"]["code"] == "STATUS_CODE_ERROR"
        assert s["attributes"]["error.type"] == kind
        assert s["events"][0]["name"] == "exception"
        assert s["events"][0]["attributes"]["exception.type"] == kind


def test_asyncio_tasks_keep_their_trees_apart(harness, tracer):
    client = tracer()

    @sigil.span(kind="retriever")
    async def fetch(n):
        await asyncio.sleep(0.01)
        return n

    @sigil.trace
    async def run(n):
        first = await fetch(n)
        await asyncio.sleep(0.01)
        return first + await fetch(n)

    async def main():
        return await asyncio.gather(*(run(i) for i in range(4)))

    assert asyncio.run(main()) == [0, 2, 4, 6]
    got = flushed_spans(harness, client, 12)
    roots = [s for s in got if s["attributes"]["sigil.span.kind"] == "agent"]
    assert len(roots) == 4 and len({r["trace_id"] for r in roots}) == 4
    for root in roots:
        children = [s for s in got if s["parent_span_id"] == root["span_id"]]
        assert len(children) == 2
        assert all(c["trace_id"] == root["trace_id"] for c in children)
        # Each child saw its own run's argument.
        assert {c["attributes"]["sigil.span.input"] for c in children} == {root["attributes"]["sigil.span.input"]}


def test_threads_keep_their_trees_apart(harness, tracer):
    client = tracer()
    barrier = threading.Barrier(3)

    @sigil.span(kind="task")
    def step(n):
        barrier.wait(timeout=5)  # every thread is inside its root at once
        return n

    @sigil.trace(kind="workflow")
    def run(n):
        return step(n)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = flushed_spans(harness, client, 6)
    roots = {s["span_id"]: s for s in got if s["attributes"]["sigil.span.kind"] == "workflow"}
    assert len(roots) == 3
    for s in got:
        if s["attributes"]["sigil.span.kind"] == "task":
            root = roots[s["parent_span_id"]]
            assert root["trace_id"] == s["trace_id"]
            assert root["attributes"]["sigil.span.input"] == s["attributes"]["sigil.span.input"]


def test_generators_are_spans_over_their_whole_iteration(harness, tracer):
    client = tracer()

    @sigil.span(kind="chain", name="stream")
    def stream(n):
        for i in range(n):
            yield i

    @sigil.span(kind="chain", name="astream")
    async def astream(n):
        for i in range(n):
            await asyncio.sleep(0)
            assert sigil.current_span() is not None
            yield i

    @sigil.trace(name="streamer")
    async def run():
        assert list(stream(3)) == [0, 1, 2]
        before = sigil.current_span()
        out = [i async for i in astream(2)]
        assert sigil.current_span() is before  # the caller's context is untouched between steps
        return out

    assert asyncio.run(run()) == [0, 1]
    got = by_name(flushed_spans(harness, client, 3))
    root = got["invoke_agent streamer"]
    for name, items in (("stream", [0, 1, 2]), ("astream", [0, 1])):
        assert got[name]["parent_span_id"] == root["span_id"]
        assert json.loads(got[name]["attributes"]["sigil.span.output"]) == items


def test_metadata_only_leaves_no_argument_or_return_content(harness):
    cfg = config_for(harness, "http")
    cfg.content_capture = "metadata_only"
    client = sigil.Client(cfg)
    sigil.configure_tracing(client)
    try:
        @sigil.span(kind="retriever")
        def lookup(secret_query):
            sigil.log_event("hit", {"text": "secret document"}, content=True, rank=1)
            sigil.attach_metadata(note="secret note", content=True)
            return "secret answer"

        @sigil.trace(name="private")
        def run():
            return lookup("secret question")

        assert run() == "secret answer"
        got = by_name(flushed_spans(harness, client, 2))
    finally:
        sigil.configure_tracing(None)
        client.shutdown(timeout=5)
    text = json.dumps(got)
    assert "secret" not in text
    r = got["test_metadata_only_leaves_no_argument_or_return_content.<locals>.lookup"]
    assert r["events"][0]["name"] == "hit" and r["events"][0]["attributes"] == {}
    assert "sigil.span.input" not in r["attributes"] and "note" not in r["attributes"]


def test_context_managers_helpers_and_the_switch(harness, tracer):
    client = tracer()
    assert sigil.current_span() is None and sigil.current_trace_id() is None
    assert sigil.log_event("nothing") is False
    with sigil.trace_context(name="cm-agent", team="search") as root:
        assert sigil.current_span() is root
        assert sigil.current_trace_id() == root.traceparent.split("-")[1]
        with sigil.span(kind="workflow", name="cm-flow") as flow:
            assert sigil.current_span() is flow
            assert sigil.log_event("checkpoint", step=1) is True
        assert sigil.current_span() is root
    assert sigil.current_span() is None

    sigil.configure_tracing(client, enabled=False)
    assert not sigil.tracing_enabled()

    @sigil.span(kind="task", name="off")
    def off():
        assert sigil.current_span() is None
        return 7

    assert off() == 7
    with sigil.trace_context(name="off-cm") as nothing:
        assert nothing is None
        assert sigil.inject() == {}
    sigil.configure_tracing(client)
    got = by_name(flushed_spans(harness, client, 2))
    assert set(got) == {"invoke_agent cm-agent", "cm-flow"}
    assert got["invoke_agent cm-agent"]["attributes"]["team"] == "search"
    assert got["cm-flow"]["parent_span_id"] == got["invoke_agent cm-agent"]["span_id"]
    assert got["cm-flow"]["events"][0]["attributes"] == {"step": 1}
    with pytest.raises(ValueError, match="unknown span kind"):
        sigil.span(kind="planner")


def test_inject_and_extract(tracer):
    tracer()
    assert sigil.extract({}) is None
    assert sigil.extract({"traceparent": "garbage"}) is None
    remote = sigil.extract({"TraceParent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                            "TraceState": "vendor=opaque"})
    assert remote is not None and remote.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert remote.tracestate == "vendor=opaque"
    bad_state = sigil.extract({"traceparent": remote.traceparent, "tracestate": "Not Valid"})
    assert bad_state is not None and bad_state.tracestate is None
    with remote:
        assert sigil.inject() == {"traceparent": remote.traceparent, "tracestate": "vendor=opaque"}
        with sigil.trace_context(name="continued") as root:
            headers = sigil.inject({"x-other": "1"})
            assert headers["traceparent"] == root.traceparent
            assert headers["traceparent"].split("-")[1] == remote.trace_id
            assert headers["tracestate"] == "vendor=opaque"


CHILD = textwrap.dedent("""
    import json, sys
    import sigil_sdk as sigil
    cfg = sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none"),
                             otlp_endpoint=sys.argv[1], use_environment=False)
    client = sigil.Client(cfg)
    sigil.configure_tracing(client)
    headers = json.loads(sys.argv[2])

    @sigil.trace(name="tool-service", kind="task")
    def handle(city):
        return "booked " + city

    with sigil.extract(headers):
        handle("Paris")
    client.shutdown(timeout=10)
""")


def test_a_child_process_continues_the_trace_from_headers(harness, tracer):
    client = tracer()
    with sigil.trace_context(name="caller") as root:
        headers = sigil.inject()
    env = {**os.environ, "PYTHONPATH": str(REPO / "bindings" / "python")}
    subprocess.run([sys.executable, "-c", CHILD, harness.urls["otlp"], json.dumps(headers)], env=env, check=True,
                   timeout=60)
    got = by_name(flushed_spans(harness, client, 2))
    child, caller = got["tool-service"], got["invoke_agent caller"]
    assert child["trace_id"] == caller["trace_id"] == root.traceparent.split("-")[1]
    assert child["parent_span_id"] == caller["span_id"]
    assert child["flags"] & 0x200  # the parent is remote


def test_the_agent_example_is_one_trace_over_two_processes(harness):
    from test_examples_providers import run_python

    proc = run_python(harness, REPO / "examples" / "python" / "agent.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {}
    for _ in range(50):
        names = {s["name"]: s for s in spans(harness)}
        if len(names) >= 6:
            break
        harness.wait("otlp_traces", len(harness.captures("otlp_traces")) + 1, 0.1)
    agent, plan = names["invoke_agent travel-agent"], names["plan"]
    tool, service = names["execute_tool book"], names["book-service"]
    assert {s["trace_id"] for s in names.values()} == {agent["trace_id"]}
    assert plan["parent_span_id"] == agent["span_id"]
    for child in ("search-docs", "generateText gpt-4o", "execute_tool book"):
        assert names[child]["parent_span_id"] == plan["span_id"]
    assert service["parent_span_id"] == tool["span_id"]
    assert service["flags"] & 0x200  # its parent arrived from the other process
    assert "booked a room in Paris" in proc.stdout
