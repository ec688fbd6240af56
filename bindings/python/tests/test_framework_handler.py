"""sigil_sdk.framework_handler: the base the framework packages build on, over the engine's recorders.

Generations go to the capture harness over HTTP (what a server parses) and their spans over OTLP, so
the framework tags, metadata and span attributes are checked where they land.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

import sigil_sdk as sigil
from sigil_sdk.framework_handler import ProviderResolver, SigilFrameworkHandlerBase, merge_framework_callback_kwargs

from conftest import config_for, generations, span_of


class Handler(SigilFrameworkHandlerBase):
    """What a framework package does: its name, then forwarding callbacks."""

    def __init__(self, client: sigil.Client, **kwargs: Any) -> None:
        super().__init__(client=client, framework_name="langchain", **kwargs)


class RecordingSpan:
    def __init__(self, name: str, kind: Any) -> None:
        self.name, self.kind = name, kind
        self.attributes: dict[str, Any] = {}
        self.status: Any = None
        self.exceptions: list[BaseException] = []
        self.ended = False

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def set_status(self, status: Any) -> None:
        self.status = status

    def record_exception(self, error: BaseException) -> None:
        self.exceptions.append(error)

    def end(self) -> None:
        self.ended = True


class RecordingTracer:
    """A host tracer (ClientConfig.tracer) that keeps the spans started on it."""

    def __init__(self) -> None:
        self.spans: list[RecordingSpan] = []

    def start_span(self, name: str, kind: Any = None) -> RecordingSpan:
        span = RecordingSpan(name, kind)
        self.spans.append(span)
        return span


def chat_response(text: str, **llm_output: Any) -> SimpleNamespace:
    message = SimpleNamespace(content=text)
    return SimpleNamespace(generations=[[SimpleNamespace(text="", message=message)]], llm_output=llm_output)


def test_chat_model_run_is_a_generation_with_framework_tags_metadata_and_span_attributes(harness):
    client = sigil.Client(config_for(harness))
    handler = Handler(client, agent_name="planner", extra_tags={"team": "search"})
    run_id, parent = uuid4(), uuid4()
    callback_kwargs = {"metadata": {"thread_id": "thread-7", "langgraph_node": "agent"}, "tags": ["a", " a ", "b"],
                       "retry_attempt": "2", "event_id": "evt-1"}
    handler._on_chat_model_start(
        serialized={"name": "ChatOpenAI", "kwargs": {"model": "gpt-4o"}},
        messages=[[{"role": "system", "content": "be brief"}, SimpleNamespace(type="human", content="hi there")]],
        run_id=run_id, parent_run_id=parent, invocation_params={"model": "gpt-4o"},
        callback_kwargs=callback_kwargs)
    handler._on_llm_end(response=chat_response("hello!", token_usage={"prompt_tokens": 7, "completion_tokens": 2},
                                               model_name="gpt-4o-2024", finish_reason="stop"), run_id=run_id)
    client.shutdown()

    (g,) = generations(harness)
    assert g["conversation_id"] == "thread-7"
    assert g["agent_name"] == "planner"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert g["tags"]["sigil.framework.name"] == "langchain"
    assert g["tags"]["sigil.framework.source"] == "handler"
    assert g["tags"]["sigil.framework.language"] == "python"
    assert g["tags"]["team"] == "search"
    md = g["metadata"]
    assert md["sigil.framework.run_id"] == str(run_id)
    assert md["sigil.framework.run_type"] == "chat"
    assert md["sigil.framework.thread_id"] == "thread-7"
    assert md["sigil.framework.parent_run_id"] == str(parent)
    assert md["sigil.framework.component_name"] == "ChatOpenAI"
    assert md["sigil.framework.tags"] == ["a", "b"]
    assert md["sigil.framework.retry_attempt"] == 2
    assert md["sigil.framework.langgraph.node"] == "agent"
    assert md["sigil.framework.event_id"] == "evt-1"
    assert [m["role"] for m in g["input"]] == ["MESSAGE_ROLE_USER", "MESSAGE_ROLE_USER"]
    assert g["output"][0]["parts"][0]["text"] == "hello!"
    assert g["usage"]["input_tokens"] == "7" and g["usage"]["total_tokens"] == "9"
    assert g["response_model"] == "gpt-4o-2024"
    assert g["stop_reason"] == "stop"

    attrs = span_of(harness, g["id"])["attributes"]
    assert attrs["sigil.framework.run_id"] == str(run_id)
    assert attrs["sigil.framework.run_type"] == "chat"
    assert attrs["sigil.framework.thread_id"] == "thread-7"
    assert attrs["sigil.framework.parent_run_id"] == str(parent)
    assert attrs["sigil.framework.component_name"] == "ChatOpenAI"
    assert attrs["sigil.framework.retry_attempt"] == 2
    assert attrs["sigil.framework.langgraph.node"] == "agent"
    assert attrs["sigil.framework.event_id"] == "evt-1"
    assert "sigil.framework.tags" not in attrs  # free-form: metadata only


def test_streamed_llm_run_keeps_tokens_and_falls_back_to_a_deterministic_conversation(harness):
    client = sigil.Client(config_for(harness))
    handler = Handler(client, provider_resolver=lambda model, serialized, params: "Anthropic")
    run_id = uuid4()
    handler._on_llm_start(serialized={}, prompts=["tell me", "  "], run_id=run_id, parent_run_id=None,
                          invocation_params={"model_name": "my-model", "stream": True})
    for token in ["Hel", " ", "lo"]:
        handler._on_llm_new_token(token=token, run_id=run_id)
    handler._on_llm_end(response=SimpleNamespace(generations=[], llm_output=None), run_id=run_id)
    client.shutdown()

    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["conversation_id"] == f"sigil:framework:langchain:{run_id}"
    assert g["model"]["provider"] == "anthropic"
    assert g["metadata"]["sigil.framework.run_type"] == "llm"
    assert [m["parts"][0]["text"] for m in g["input"]] == ["tell me"]
    assert g["output"][0]["parts"][0]["text"] == "Hello"  # blank tokens are not kept


def test_llm_error_records_the_call_error_and_unknown_runs_do_nothing(harness):
    client = sigil.Client(config_for(harness))
    handler = Handler(client, provider="weird-co")
    run_id = uuid4()
    handler._on_llm_end(response=None, run_id=uuid4())  # never started: nothing happens
    handler._on_llm_start(serialized={"kwargs": {"model": "claude-3"}}, prompts=["x"], run_id=run_id,
                          parent_run_id=None, invocation_params=None,
                          callback_kwargs={"configurable": {"session_id": "sess-1"}})
    handler._on_llm_start(serialized={}, prompts=["again"], run_id=run_id, parent_run_id=None,
                          invocation_params=None)  # a second start of the same run is ignored
    handler._on_llm_error(error=RuntimeError("provider exploded"), run_id=run_id)
    client.shutdown()

    (g,) = generations(harness)
    assert g["model"]["provider"] == "custom"
    assert g["conversation_id"] == "sess-1"
    assert "provider exploded" in g["call_error"]


def test_tool_runs_are_tool_executions_with_arguments_and_result(harness):
    client = sigil.Client(config_for(harness))
    handler = Handler(client)
    run_id = uuid4()
    handler._on_tool_start(serialized={"name": "search", "description": "Web search"}, input_str=" q ",
                           run_id=run_id, parent_run_id=None, callback_kwargs={"conversation_id": "c-1"})
    handler._on_tool_end(output="42 results", run_id=run_id)
    failing = uuid4()
    handler._on_tool_start(serialized=None, input_str="", run_id=failing, parent_run_id=None)
    with pytest.raises(Exception, match="tool broke"):  # the recorder's err() is the tool's error, re-raised
        handler._on_tool_error(error=ValueError("tool broke"), run_id=failing)
    client.shutdown()

    ok = span_of_tool(harness, "search")
    assert ok["attributes"]["gen_ai.tool.description"] == "Web search"
    assert ok["attributes"]["gen_ai.conversation.id"] == "c-1"
    assert ok["attributes"]["gen_ai.tool.call.arguments"] == '"q"'  # text is JSON-quoted on the span
    assert ok["attributes"]["gen_ai.tool.call.result"] == '"42 results"'
    broke = span_of_tool(harness, "framework_tool")
    assert broke["status"]["code"] == "STATUS_CODE_ERROR"


def span_of_tool(h, name: str) -> dict:
    from conftest import wait_span

    return wait_span(h, lambda s: s["attributes"].get("gen_ai.tool.name") == name, name)


def test_chain_and_retriever_runs_are_spans_on_the_configured_tracer(harness):
    tracer = RecordingTracer()
    cfg = config_for(harness)
    cfg.tracer = tracer
    client = sigil.Client(cfg)
    handler = Handler(client)
    chain, retriever = uuid4(), uuid4()
    handler._on_chain_start(serialized={"id": ["langchain", "chains", "LLMChain"]}, run_id=chain,
                            parent_run_id=None, callback_kwargs={"thread_id": "t-1"})
    handler._on_retriever_start(serialized={"name": "docs"}, run_id=retriever, parent_run_id=chain)
    handler._on_retriever_error(error=LookupError("index offline"), run_id=retriever)
    handler._on_chain_end(run_id=chain)
    client.shutdown()

    chain_span, retriever_span = tracer.spans
    assert chain_span.name == "langchain.chain langchain.chains.LLMChain"
    assert chain_span.attributes["gen_ai.operation.name"] == "framework_chain"
    assert chain_span.attributes["sigil.framework.run_type"] == "chain"
    assert chain_span.attributes["sigil.framework.thread_id"] == "t-1"
    assert chain_span.attributes["gen_ai.conversation.id"] == "t-1"
    assert chain_span.ended and chain_span.status.status_code.name == "OK"
    assert retriever_span.name == "langchain.retriever docs"
    assert retriever_span.attributes["sigil.framework.parent_run_id"] == str(chain)
    assert retriever_span.attributes["error.type"] == "framework_error"
    assert retriever_span.status.status_code.name == "ERROR"
    assert [str(e) for e in retriever_span.exceptions] == ["index offline"]


def test_a_recorder_error_is_raised_from_the_end_callback(harness):
    client = sigil.Client(config_for(harness))
    handler = Handler(client)
    run_id = uuid4()
    handler._on_llm_start(serialized={}, prompts=["x"], run_id=run_id, parent_run_id=None,
                          invocation_params={"model": "gpt-4o"})
    client.shutdown()  # the generation can no longer be queued
    with pytest.raises(sigil.SigilError):
        handler._on_llm_end(response=chat_response("late"), run_id=run_id)


def test_merge_framework_callback_kwargs_and_metadata_normalization():
    base = {"x": 1}
    assert merge_framework_callback_kwargs(base, tags=["t"], metadata={"m": 1}, run_name="  ") == {
        "x": 1, "tags": ["t"], "metadata": {"m": 1}}
    assert merge_framework_callback_kwargs(base, run_name="step")["run_name"] == "step"
    assert base == {"x": 1}
    resolver: ProviderResolver = "auto"
    assert resolver == "auto"

    from sigil_sdk.framework_handler import _normalize_metadata

    cyclic: dict[str, Any] = {"k": 1}
    cyclic["self"] = cyclic
    out = _normalize_metadata({" a ": float("nan"), "b": [1, object(), 2.5], "c": cyclic, "": 1, 3: "x"})
    assert out == {"b": [1, 2.5], "c": {"k": 1, "self": "[circular]"}}
