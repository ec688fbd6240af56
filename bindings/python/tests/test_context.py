"""Identity defaults flow from contextvars: per block, per asyncio task, per thread context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import sigil_sdk as sigil
from sigil_sdk import GenerationStart, ModelRef

from conftest import generations, spans

MODEL = ModelRef("openai", "gpt-5")


def test_context_values_fill_what_the_start_leaves_empty(harness, client):
    with sigil.with_conversation_id("conv-ctx"), sigil.with_conversation_title("Ctx title"), \
            sigil.with_user_id("user-ctx"), sigil.with_agent_name("agent-ctx"), sigil.with_agent_version("v-ctx"):
        assert sigil.conversation_id_from_context() == "conv-ctx"
        with client.start_generation(GenerationStart(model=MODEL, id="from-context")):
            pass
        with client.start_generation(GenerationStart(model=MODEL, id="explicit", conversation_id="conv-explicit",
                                                     agent_name="agent-explicit", user_id="user-explicit")):
            pass
    assert sigil.conversation_id_from_context() is None
    with client.start_generation(GenerationStart(model=MODEL, id="outside")):
        pass
    client.flush()
    by_id = {g["id"]: g for g in generations(harness, 3)}
    ctx = by_id["from-context"]
    assert (ctx["conversation_id"], ctx["agent_name"], ctx["agent_version"]) == ("conv-ctx", "agent-ctx", "v-ctx")
    assert ctx["metadata"]["sigil.conversation.title"] == "Ctx title"
    assert ctx["metadata"]["sigil.user.id"] == "user-ctx"
    explicit = by_id["explicit"]
    assert (explicit["conversation_id"], explicit["agent_name"], explicit["agent_version"]) == (
        "conv-explicit", "agent-explicit", "v-ctx")
    assert explicit["metadata"]["sigil.user.id"] == "user-explicit"
    outside = by_id["outside"]
    assert "conversation_id" not in outside and "agent_name" not in outside


def test_tool_and_embedding_read_context(harness, client):
    with sigil.with_conversation_id("conv-tool"), sigil.with_agent_name("agent-tool"):
        with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="lookup")):
            pass
        with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
            e.set_result(input_count=1)
    client.flush()
    by_name = {s["name"]: s["attributes"] for s in spans(harness)}
    assert by_name["execute_tool lookup"]["gen_ai.conversation.id"] == "conv-tool"
    assert by_name["execute_tool lookup"]["gen_ai.agent.name"] == "agent-tool"
    assert by_name["embeddings te3"]["gen_ai.agent.name"] == "agent-tool"


def test_parent_traceparent_from_context_and_recorders(harness, client):
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with sigil.with_parent_traceparent(parent):
        gen = client.start_generation(GenerationStart(model=MODEL, id="child"))
    with sigil.with_parent_traceparent(gen.traceparent):
        with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="nested")):
            pass
    gen.end()
    client.flush()
    (g,) = generations(harness)
    assert g["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    by_name = {s["name"]: s for s in spans(harness)}
    assert by_name["generateText gpt-5"]["parent_span_id"] == "00f067aa0ba902b7"
    assert by_name["execute_tool nested"]["parent_span_id"] == g["span_id"]


# OTLP Span.flags: W3C sampled, "is remote known", "parent is remote".
SAMPLED, HAS_IS_REMOTE, IS_REMOTE = 0x1, 0x100, 0x200


def test_parent_is_remote_only_when_it_came_from_outside(harness, client):
    propagated = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with sigil.with_parent_traceparent(propagated):
        gen = client.start_generation(GenerationStart(model=MODEL, id="remote-parent"))
    with sigil.with_parent_traceparent(gen.traceparent, remote=False):
        with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="local-parent")):
            pass
    with sigil.with_parent_traceparent(gen.traceparent):
        with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as emb:
            emb.set_result(sigil.EmbeddingResult(input_count=1))
    gen.end()
    with client.start_generation(GenerationStart(model=MODEL, id="root")):
        pass
    client.flush()
    flags = {s["name"]: s["flags"] for s in spans(harness)}
    by_id = {s["attributes"].get("sigil.generation.id"): s["flags"] for s in spans(harness)}
    assert by_id["remote-parent"] == SAMPLED | HAS_IS_REMOTE | IS_REMOTE
    assert by_id["root"] == SAMPLED | HAS_IS_REMOTE
    assert flags["execute_tool local-parent"] == SAMPLED | HAS_IS_REMOTE
    assert flags["embeddings te3"] == SAMPLED | HAS_IS_REMOTE | IS_REMOTE


def test_opentelemetry_span_parent_is_local_unless_its_context_is_remote(harness, client):
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    def span_context(span_id: int, is_remote: bool) -> SpanContext:
        return SpanContext(0x4BF92F3577B34DA6A3CE929D0E0E4736, span_id, is_remote=is_remote,
                           trace_flags=TraceFlags(TraceFlags.SAMPLED))

    with trace.use_span(NonRecordingSpan(span_context(0x1111, False))):
        with client.start_generation(GenerationStart(model=MODEL, id="in-local-span")):
            pass
    with trace.use_span(NonRecordingSpan(span_context(0x2222, True))):
        with client.start_generation(GenerationStart(model=MODEL, id="in-remote-span")):
            pass
    client.flush()
    by_id = {s["attributes"].get("sigil.generation.id"): s for s in spans(harness)}
    assert by_id["in-local-span"]["parent_span_id"] == "%016x" % 0x1111
    assert by_id["in-local-span"]["flags"] == SAMPLED | HAS_IS_REMOTE
    assert by_id["in-remote-span"]["parent_span_id"] == "%016x" % 0x2222
    assert by_id["in-remote-span"]["flags"] == SAMPLED | HAS_IS_REMOTE | IS_REMOTE


def test_asyncio_tasks_keep_their_own_identity(harness, make_client):
    client = make_client("grpc")

    async def one_call(i: int) -> str:
        with sigil.with_conversation_id(f"conv-{i}"), sigil.with_user_id(f"user-{i}"):
            rec = client.start_generation(GenerationStart(model=MODEL, id=f"gen-{i}"))
            async with rec:
                await asyncio.sleep(0.001 * (i % 5))  # interleave the tasks
                rec.set_result(output=[sigil.assistant_text_message(f"answer {i}")])
            return rec.id

    async def main():
        return await asyncio.gather(*(one_call(i) for i in range(50)))

    ids = asyncio.run(main())
    assert ids == [f"gen-{i}" for i in range(50)]
    client.flush()
    got = generations(harness, 50, kind="grpc_exports")
    assert len(got) == 50
    for g in got:
        i = g["id"].split("-")[1]
        assert g["conversation_id"] == f"conv-{i}"
        assert g["metadata"]["sigil.user.id"] == f"user-{i}"
        assert g["output"][0]["parts"][0]["text"] == f"answer {i}"


def test_threads_record_concurrently(harness, client):
    def work(i: int) -> None:
        with sigil.with_conversation_id(f"thread-{i}"):
            for j in range(20):
                with client.start_generation(GenerationStart(model=MODEL, id=f"t{i}-{j}")) as rec:
                    rec.set_result(output=[sigil.assistant_text_message("ok")])
                assert rec.err() is None

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: contextvars.copy_context().run(work, i), range(8)))
    client.flush()
    got = generations(harness, 160)
    assert len({g["id"] for g in got}) == 160
    assert all(g["conversation_id"] == "thread-" + g["id"][1:].split("-")[0] for g in got)


def test_flush_releases_the_gil(harness, client):
    """A thread blocked in the engine (flush against a stalled server) does not stop Python threads."""
    with client.start_generation(GenerationStart(model=MODEL)):
        pass
    harness.stall("http", 500)
    ticks = 0
    done = threading.Event()

    def flush():
        client.flush(timeout=5)
        done.set()

    t = threading.Thread(target=flush)
    t.start()
    while not done.is_set():
        ticks += 1
        done.wait(0.001)
    t.join()
    harness.stall("http", 0)
    assert ticks > 50
