"""sigil_sdk_langchain with real LangChain: ChatOpenAI (langchain-openai, the real openai SDK) talks
to the fake provider on loopback; generations, tool executions and spans are read at the capture
harness, spans from both the engine and the host's OpenTelemetry SDK."""

from __future__ import annotations

import asyncio
import threading

import pytest

pytest.importorskip("langchain_core", reason="langchain-core is not installed (make deps-frameworks)")
pytest.importorskip("langchain_openai", reason="langchain-openai is not installed (make deps-frameworks)")

from langchain_core.messages import HumanMessage  # noqa: E402
from langchain_core.runnables import RunnableConfig, RunnableLambda  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_langchain import SigilAsyncLangChainHandler, SigilLangChainHandler, with_sigil_langchain_callbacks  # noqa: E402

from conftest import generations, spans  # noqa: E402
from support import failed_span, generation_span, one_span, parent_of, settle, spans_named, ttft_count  # noqa: E402

TEXT = "Paris: 18 °C, clear. Oslo: 7 °C, rain."  # openai.chat/response_text.json
STREAM_TEXT = "Paris is sunny today."  # openai.chat/stream_text.jsonl


@tool
def get_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city."""
    return f"{city}: 18 {unit}"


@tool("get_weather")
def broken_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city (its backend is down)."""
    raise RuntimeError(f"weather backend down for {city}")


def chat_model(fake_provider, **kw) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o", base_url=fake_provider.url + "/v1", api_key="test", max_retries=0, **kw)


def weather_agent(fake_provider, weather_tool=get_weather, **model_kw) -> RunnableLambda:
    """A chain with a tool: the model asks for two tool calls, the tool answers, the model answers."""
    llm = chat_model(fake_provider, **model_kw).bind_tools([weather_tool])

    def run(question: str, config: RunnableConfig) -> str:
        messages = [HumanMessage(question)]
        ai = llm.invoke(messages, config=config)
        messages.append(ai)
        for call in ai.tool_calls:
            messages.append(weather_tool.invoke(call, config=config))
        return llm.invoke(messages, config=config).content

    return RunnableLambda(run, name="weather_agent")


def agent_replies(fake_provider, stream: bool = False) -> None:
    if stream:
        fake_provider.replies("/chat/completions", [Reply.sse("openai.chat/stream_tool_calls.jsonl"),
                                                    Reply.sse("openai.chat/stream_text.jsonl")])
    else:
        fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_tool_calls.json"),
                                                    Reply.json("openai.chat/response_text.json")])


def test_a_chain_with_a_tool_records_generations_tool_executions_and_nested_spans(harness, fake_provider, fw_client,
                                                                                   otel):
    agent_replies(fake_provider)
    config = with_sigil_langchain_callbacks({"tags": ["travel"]}, client=fw_client, agent_name="weather-bot")
    assert weather_agent(fake_provider).invoke("Weather in Paris and Oslo?", config=config) == TEXT
    settle(harness, fw_client, otel, generation_count=2, span_names=("langchain.chain weather_agent",))

    first, second = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    for g in (first, second):
        assert g["mode"] == "GENERATION_MODE_SYNC"
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
        assert g["agent_name"] == "weather-bot"
        assert g["tags"]["sigil.framework.name"] == "langchain"
        assert g["metadata"]["sigil.framework.run_type"] == "chat"
        assert g["metadata"]["sigil.framework.tags"] == ["travel"]
        assert g["metadata"]["sigil.framework.component_name"].endswith("ChatOpenAI")
        assert g["conversation_id"] == "sigil:framework:langchain:" + g["metadata"]["sigil.framework.run_id"]
    calls = [p["tool_call"] for p in first["output"][0]["parts"] if "tool_call" in p]
    assert [(c["id"], c["name"]) for c in calls] == [("call_a1", "get_weather"), ("call_b2", "get_weather")]
    assert first["stop_reason"] == "tool_calls"
    assert first["usage"]["input_tokens"] == "1117" and first["usage"]["output_tokens"] == "46"
    assert first["response_model"] == "gpt-4o-2024-08-06"
    results = [p["tool_result"] for m in second["input"] for p in m["parts"] if "tool_result" in p]
    assert [(r["tool_call_id"], r["content"]) for r in results] == [("call_a1", "Paris: 18 c"), ("call_b2", "Oslo: 18 c")]
    assert second["output"][0]["parts"][0]["text"] == TEXT

    chain = one_span(harness, "langchain.chain weather_agent")
    assert chain["attributes"]["sigil.framework.run_type"] == "chain"
    assert chain["attributes"]["gen_ai.operation.name"] == "framework_chain"
    assert chain["status"]["code"] == "STATUS_CODE_OK"
    run_id = chain["attributes"]["sigil.framework.run_id"]
    for g in (first, second):
        assert g["metadata"]["sigil.framework.parent_run_id"] == run_id
        span = generation_span(harness, g)
        assert parent_of(harness, span) == chain
        assert span["attributes"]["sigil.framework.run_type"] == "chat"
        assert span["attributes"]["sigil.framework.parent_run_id"] == run_id
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 2
    for span in tools:
        assert parent_of(harness, span) == chain
    assert {s["attributes"]["gen_ai.tool.call.id"] for s in tools} == {"call_a1", "call_b2"}


def test_streaming_runs_are_stream_generations_with_time_to_first_token(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    llm = chat_model(fake_provider)
    text = "".join(c.content for c in llm.stream("Weather?",
                                                 config=with_sigil_langchain_callbacks(None, client=fw_client)))
    assert text == STREAM_TEXT
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["output"][0]["parts"][0]["text"] == STREAM_TEXT
    assert g["model"]["provider"] == "openai"
    assert ttft_count(fw_client) == 1


def test_a_streamed_chain_with_a_tool(harness, fake_provider, fw_client, otel):
    agent_replies(fake_provider, stream=True)
    config = with_sigil_langchain_callbacks(None, client=fw_client)
    assert weather_agent(fake_provider, streaming=True).invoke("Weather?", config=config) == STREAM_TEXT
    settle(harness, fw_client, otel, generation_count=2, span_names=("langchain.chain weather_agent",))
    first, second = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    assert first["mode"] == second["mode"] == "GENERATION_MODE_STREAM"
    assert [p["tool_call"]["name"] for p in first["output"][0]["parts"] if "tool_call" in p]
    assert second["output"][0]["parts"][0]["text"] == STREAM_TEXT
    assert len(spans_named(harness, "execute_tool get_weather")) == len(
        [p for p in first["output"][0]["parts"] if "tool_call" in p])


def test_an_erroring_tool_is_a_failed_tool_execution_and_a_failed_chain(harness, fake_provider, fw_client, otel):
    agent_replies(fake_provider)
    config = with_sigil_langchain_callbacks(None, client=fw_client)
    with pytest.raises(RuntimeError, match="weather backend down for Paris"):
        weather_agent(fake_provider, broken_weather).invoke("Weather?", config=config)
    settle(harness, fw_client, otel, generation_count=1, span_names=("langchain.chain weather_agent",
                                                                     "execute_tool get_weather"))
    tool_span = failed_span(harness, "execute_tool get_weather", "weather backend down for Paris")
    chain = one_span(harness, "langchain.chain weather_agent")
    assert parent_of(harness, tool_span) == chain
    assert chain["status"]["code"] == "STATUS_CODE_ERROR"
    assert chain["attributes"]["error.type"] == "framework_error"
    assert [e["name"] for e in chain["events"]] == ["exception"]


def test_a_provider_error_is_a_failed_generation(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.error(500, {"error": {"message": "upstream broke"}}))
    with pytest.raises(Exception, match="upstream broke"):
        chat_model(fake_provider).invoke("hi", config=with_sigil_langchain_callbacks(None, client=fw_client))
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert "upstream broke" in g["call_error"]
    assert generation_span(harness, g)["status"]["code"] == "STATUS_CODE_ERROR"


def test_concurrent_async_runs_keep_their_own_trees(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    llm = chat_model(fake_provider)

    async def ask(question: str, config: RunnableConfig) -> str:
        return (await llm.ainvoke(question, config=config)).content

    chain = RunnableLambda(lambda q: q, afunc=ask, name="asker")

    async def main() -> None:
        await asyncio.gather(*(
            chain.ainvoke("Weather?", config=with_sigil_langchain_callbacks(
                {"metadata": {"thread_id": f"thread-{i}"}}, client=fw_client, async_handler=True))
            for i in range(6)))

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=6, span_names=("langchain.chain asker",))
    gens = generations(harness, 6)
    assert sorted(g["conversation_id"] for g in gens) == [f"thread-{i}" for i in range(6)]
    chains = spans_named(harness, "langchain.chain asker")
    assert len(chains) == 6
    for g in gens:
        parent = parent_of(harness, generation_span(harness, g))
        assert parent["attributes"]["sigil.framework.thread_id"] == g["conversation_id"]
        assert parent["attributes"]["sigil.framework.run_id"] == g["metadata"]["sigil.framework.parent_run_id"]


def test_runs_on_many_threads_with_one_handler_never_mix(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    llm = chat_model(fake_provider)
    chain = RunnableLambda(lambda q, config: llm.invoke(q, config=config).content, name="asker")
    handler = SigilLangChainHandler(client=fw_client)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            chain.invoke("Weather?", config={"callbacks": [handler], "metadata": {"thread_id": f"t-{i}"}})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    settle(harness, fw_client, otel, generation_count=8, span_names=("langchain.chain asker",))
    gens = generations(harness, 8)
    assert sorted(g["conversation_id"] for g in gens) == sorted(f"t-{i}" for i in range(8))
    for g in gens:
        parent = parent_of(harness, generation_span(harness, g))
        assert parent["attributes"]["sigil.framework.thread_id"] == g["conversation_id"]


def test_runs_that_never_end_are_bounded_and_recorded_as_abandoned(harness, fw_client, otel):
    from uuid import uuid4

    handler = SigilLangChainHandler(client=fw_client, max_open_runs=3)
    for i in range(5):  # a framework that crashed between start and end, five times
        handler.on_chat_model_start({"name": "ChatOpenAI"}, [[HumanMessage("hi")]], run_id=uuid4(),
                                    invocation_params={"model": "gpt-4o"})
    assert len(handler._runs) == 3
    settle(harness, fw_client, otel, generation_count=2)
    abandoned = generations(harness, 2)
    assert len(abandoned) == 2
    assert all("abandoned" in g["call_error"] for g in abandoned)


def test_with_callbacks_adds_one_handler_and_keeps_the_callers(fw_client):
    mine = SigilAsyncLangChainHandler(client=fw_client)
    config = with_sigil_langchain_callbacks({"callbacks": [mine], "tags": ["x"]}, client=fw_client)
    assert config["callbacks"] == [mine] and config["tags"] == ["x"]
    other = object()
    config = with_sigil_langchain_callbacks({"callbacks": other}, client=fw_client)
    assert config["callbacks"][0] is other and isinstance(config["callbacks"][1], SigilLangChainHandler)
