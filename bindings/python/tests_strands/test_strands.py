"""sigil_sdk_strands with the real Strands Agents: agents on Strands' OpenAIModel (the real openai client)
answered by the fake provider on loopback; a tool run, a streamed run, failing tools and model calls,
concurrent agents, asserted at the capture harness."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("strands", reason="strands-agents is not installed (make test-strands builds its venv)")

from strands import Agent, tool  # noqa: E402
from strands.models.openai import OpenAIModel  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_strands import SigilStrandsHookProvider, with_sigil_strands_hooks  # noqa: E402

from conftest import generations  # noqa: E402
from support import (failed_span, generation_span, one_span, parent_of, settle, spans_named,  # noqa: E402
                     ttft_count, ttft_inside_the_call)

PROMPT = "Weather in Paris and Oslo?"
CHAT = "/chat/completions"


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: 18 C"


@tool
def get_weather_failing(city: str) -> str:
    """The current weather in a city (its service is down)."""
    raise RuntimeError(f"weather service down for {city}")


def make_agent(fake_provider, fw_client, *, name: str = "forecaster", tools=(get_weather,), route: str = "",
               **model_config) -> Agent:
    model = OpenAIModel(client_args={"base_url": fake_provider.url + route + "/v1", "api_key": "test",
                                     "max_retries": 0},
                        model_id="gpt-4o", params={"temperature": 0.2}, **model_config)
    return Agent(**with_sigil_strands_hooks({"name": name, "model": model, "tools": list(tools),
                                             "system_prompt": "Answer weather questions.",
                                             "callback_handler": None}, client=fw_client))


def tool_call_replies() -> list[Reply]:
    return [Reply.sse("openai.chat/stream_tool_calls.jsonl"), Reply.sse("openai.chat/stream_text.jsonl")]


def test_an_agent_with_a_tool(harness, fake_provider, fw_client, otel):
    fake_provider.replies(CHAT, tool_call_replies())
    result = make_agent(fake_provider, fw_client)(PROMPT, invocation_state={"conversation_id": "conv-strands"})
    assert "Paris is sunny today." in str(result)
    settle(harness, fw_client, otel, generation_count=2, span_names=("strands.agent forecaster",))
    gens = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    assert {g["conversation_id"] for g in gens} == {"conv-strands"}
    for g in gens:
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
        assert g["mode"] == "GENERATION_MODE_STREAM"
        assert g["tags"]["sigil.framework.name"] == "strands"
        assert g["tags"]["sigil.framework.source"] == "hooks"
        assert g["tags"]["sigil.framework.language"] == "python"
        assert g["metadata"]["sigil.framework.run_type"] == "chat"
        assert g["system_prompt"] == "Answer weather questions."
        assert [t["name"] for t in g["tools"]] == ["get_weather"]
    calls = [p["tool_call"] for p in gens[0]["output"][0]["parts"] if "tool_call" in p]
    assert [c["name"] for c in calls] == ["get_weather", "get_weather"]
    assert gens[0]["usage"]["input_tokens"] == "96"
    assert gens[0]["stop_reason"] == "tool_use"
    # The second call carries both tool results back, and answers in text.
    results = [p["tool_result"] for m in gens[1]["input"] for p in m["parts"] if "tool_result" in p]
    assert sorted(r["tool_call_id"] for r in results) == sorted(c["id"] for c in calls)
    assert {r["content"] for r in results} == {"Paris: 18 C", "Oslo: 18 C"}
    assert gens[1]["output"][0]["parts"][0]["text"] == "Paris is sunny today."
    assert ttft_count(fw_client) == 2
    agent_span = one_span(harness, "strands.agent forecaster")
    assert agent_span["attributes"]["sigil.framework.run_type"] == "invocation"
    assert agent_span["attributes"]["gen_ai.conversation.id"] == "conv-strands"
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 2
    for child in [*tools, *(generation_span(harness, g) for g in gens)]:
        assert parent_of(harness, child)["span_id"] == agent_span["span_id"]


def test_a_streamed_run(harness, fake_provider, fw_client, otel):
    fake_provider.reply(CHAT, Reply.sse("openai.chat/stream_text.jsonl"))
    agent = make_agent(fake_provider, fw_client)

    async def main() -> str:
        text = []
        async for event in agent.stream_async(PROMPT, invocation_state={"thread_id": "thread-7"}):
            if "data" in event:
                text.append(event["data"])
        return "".join(text)

    text = asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=1, span_names=("strands.agent forecaster",))
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["conversation_id"] == "thread-7"
    assert g["metadata"]["sigil.framework.thread_id"] == "thread-7"
    assert g["output"][0]["parts"][0]["text"] == text == "Paris is sunny today."
    ttft_inside_the_call(fw_client, g)  # the first chunk


def test_a_model_without_streaming_is_a_sync_generation(harness, fake_provider, fw_client, otel):
    fake_provider.reply(CHAT, Reply.json("openai.chat/response_text.json"))
    make_agent(fake_provider, fw_client, stream=False)(PROMPT)
    settle(harness, fw_client, otel, generation_count=1, span_names=("strands.agent",))
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert fake_provider.request_bodies(CHAT)[0].get("stream") is False
    assert ttft_count(fw_client) == 0


def test_an_agent_keeps_its_conversation_across_calls(harness, fake_provider, fw_client, otel):
    fake_provider.reply(CHAT, Reply.sse("openai.chat/stream_text.jsonl"))
    agent = make_agent(fake_provider, fw_client)
    agent(PROMPT)
    agent("And tomorrow?")
    settle(harness, fw_client, otel, generation_count=2, span_names=("strands.agent",))
    gens = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    # No id given: the agent's Strands session id, the same for both calls (the agent keeps its history).
    assert {g["conversation_id"] for g in gens} == {agent.session_id}
    assert len(gens[1]["input"]) == 3  # the first exchange, then the new question


def test_an_erroring_tool(harness, fake_provider, fw_client, otel):
    fake_provider.replies(CHAT, tool_call_replies())
    agent = make_agent(fake_provider, fw_client, tools=(get_weather_failing,))
    # The fixture's model calls `get_weather`: name the failing tool so.
    agent.tool_registry.registry["get_weather"] = agent.tool_registry.registry.pop("get_weather_failing")
    agent(PROMPT)
    settle(harness, fw_client, otel, generation_count=2, span_names=("strands.agent forecaster",))
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 2
    for span in tools:
        assert span["status"]["code"] == "STATUS_CODE_ERROR"
        assert "weather service down" in span["status"]["message"]
    # Strands hands the failure back to the model as an error result: the run goes on and ends well.
    gens = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    results = [p["tool_result"] for m in gens[1]["input"] for p in m["parts"] if "tool_result" in p]
    assert results and all(r.get("is_error") for r in results)
    assert one_span(harness, "strands.agent forecaster")["status"]["code"] != "STATUS_CODE_ERROR"


def test_a_failing_model_call(harness, fake_provider, fw_client, otel):
    fake_provider.reply(CHAT, Reply.error(400, {"error": {"message": "bad model", "type": "invalid"}}))
    with pytest.raises(Exception, match="bad model"):
        make_agent(fake_provider, fw_client)(PROMPT, invocation_state={"session_id": "s-1"})
    settle(harness, fw_client, otel, generation_count=1, span_names=("strands.agent",))
    (g,) = generations(harness)
    assert "bad model" in g["call_error"]
    assert g["conversation_id"] == "s-1"
    assert g["input"][0]["parts"][0]["text"] == PROMPT  # the request is kept with the failure
    span = failed_span(harness, "strands.agent forecaster", "bad model")
    assert span["attributes"]["error.type"] == "framework_error"


def test_concurrent_agents_never_mix(harness, fake_provider, fw_client, otel):
    for route in ("/alpha", "/beta"):
        fake_provider.replies(route + "/v1" + CHAT, tool_call_replies())
    alpha = make_agent(fake_provider, fw_client, name="alpha", route="/alpha")
    beta = make_agent(fake_provider, fw_client, name="beta", route="/beta")

    async def main() -> None:
        await asyncio.gather(alpha.invoke_async(PROMPT, invocation_state={"conversation_id": "c-alpha"}),
                             beta.invoke_async(PROMPT, invocation_state={"conversation_id": "c-beta"}))

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=4, span_names=("strands.agent alpha", "strands.agent beta"))
    gens = generations(harness, 4)
    for name in ("alpha", "beta"):
        agent_span = one_span(harness, f"strands.agent {name}")
        mine = [g for g in gens if parent_of(harness, generation_span(harness, g))["span_id"] == agent_span["span_id"]]
        assert len(mine) == 2
        assert {g["conversation_id"] for g in mine} == {f"c-{name}"}
        assert {g["metadata"]["sigil.framework.component_name"] for g in mine} == {name}
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 4
    assert len({parent_of(harness, t)["span_id"] for t in tools}) == 2


def test_an_existing_agent_is_instrumented_once(harness, fake_provider, fw_client, otel):
    fake_provider.reply(CHAT, Reply.sse("openai.chat/stream_text.jsonl"))
    model = OpenAIModel(client_args={"base_url": fake_provider.url + "/v1", "api_key": "test"}, model_id="gpt-4o")
    agent = Agent(name="plain", model=model, callback_handler=None)
    assert with_sigil_strands_hooks(agent, client=fw_client) is agent
    with_sigil_strands_hooks(agent, client=fw_client)
    agent(PROMPT)
    settle(harness, fw_client, otel, generation_count=1, span_names=("strands.agent plain",))
    assert len(generations(harness)) == 1
    assert ttft_count(fw_client) == 1
    kwargs = with_sigil_strands_hooks({"hooks": []}, client=fw_client)
    assert with_sigil_strands_hooks(kwargs, client=fw_client)["hooks"] == kwargs["hooks"]
    assert isinstance(kwargs["hooks"][0], SigilStrandsHookProvider)
    with pytest.raises(TypeError, match="strands Agent"):
        with_sigil_strands_hooks(object(), client=fw_client)
