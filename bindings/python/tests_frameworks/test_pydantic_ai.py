"""sigil_sdk_pydantic_ai with the real Pydantic AI: an agent on OpenAIChatModel (the real openai client)
answered by the fake provider on loopback, calling a tool; streamed, failing and concurrent runs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (make deps-frameworks)")

from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_pydantic_ai import create_sigil_pydantic_ai_capability, with_sigil_pydantic_ai  # noqa: E402

from conftest import generations  # noqa: E402
from support import (failed_span, generation_span, one_span, parent_of, settle, spans_named,  # noqa: E402
                     ttft_inside_the_call)

TEXT = "Paris: 18 °C, clear. Oslo: 7 °C, rain."
PROMPT = "Weather in Paris and Oslo?"


def weather_agent(fake_provider, fw_client, *, tool_fails: bool = False) -> Agent:
    model = OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=fake_provider.url + "/v1", api_key="test"))
    agent = Agent(model, name="forecaster", instructions="Answer weather questions.",
                  **with_sigil_pydantic_ai(client=fw_client, agent_name="forecaster"))

    @agent.tool_plain
    def get_weather(city: str, unit: str = "c") -> str:
        """The current weather in a city."""
        if tool_fails:
            raise RuntimeError(f"weather service down for {city}")
        return f"{city}: 18 {unit}"

    return agent


def test_a_run_with_tools(harness, fake_provider, fw_client, otel):
    fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_tool_calls.json"),
                                                Reply.json("openai.chat/response_text.json")])
    result = weather_agent(fake_provider, fw_client).run_sync(PROMPT, conversation_id="conv-pa")
    assert result.output == TEXT
    settle(harness, fw_client, otel, generation_count=2, span_names=("pydantic-ai.chain forecaster",))
    gens = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    assert {g["conversation_id"] for g in gens} == {"conv-pa"}
    for g in gens:
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
        assert g["tags"]["sigil.framework.name"] == "pydantic-ai"
        assert g["mode"] == "GENERATION_MODE_SYNC"
        assert g["usage"]["input_tokens"] != "0"
    assert [p["tool_call"]["id"] for p in gens[0]["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert gens[1]["output"][0]["parts"][0]["text"] == TEXT
    # The second request carries the tool results back.
    results = [p["tool_result"] for m in gens[1]["input"] for p in m["parts"] if "tool_result" in p]
    assert [r["tool_call_id"] for r in results] == ["call_a1", "call_b2"]
    agent_span = one_span(harness, "pydantic-ai.chain forecaster")
    tools = spans_named(harness, "execute_tool get_weather")
    assert len(tools) == 2
    for child in [*tools, *(generation_span(harness, g) for g in gens)]:
        assert parent_of(harness, child)["span_id"] == agent_span["span_id"]


def test_a_streamed_run(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    agent = weather_agent(fake_provider, fw_client)

    async def main() -> str:
        async with agent.run_stream(PROMPT, conversation_id="conv-stream", metadata={"thread_id": "thread-7"}) as run:
            return "".join([chunk async for chunk in run.stream_text(delta=True)])

    text = asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=1, span_names=("pydantic-ai.chain forecaster",))
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["conversation_id"] == "conv-stream"
    assert g["metadata"]["sigil.framework.thread_id"] == "thread-7"
    assert g["output"][0]["parts"][0]["text"] == text
    ttft_inside_the_call(fw_client, g)  # Pydantic AI's first chunk


def test_a_failing_tool(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_tool_calls.json"))
    with pytest.raises(RuntimeError, match="weather service down"):
        weather_agent(fake_provider, fw_client, tool_fails=True).run_sync(PROMPT)
    settle(harness, fw_client, otel, generation_count=1, span_names=("pydantic-ai.chain",))
    (g,) = generations(harness)
    assert g["conversation_id"]  # Pydantic AI gives every run a conversation id
    tool = spans_named(harness, "execute_tool get_weather")[0]
    assert tool["status"]["code"] == "STATUS_CODE_ERROR"
    agent_span = failed_span(harness, "pydantic-ai.chain forecaster", "weather service down")
    assert agent_span["attributes"]["error.type"] == "framework_error"


def test_a_failing_model_request(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.error(400, {"error": {"message": "bad model", "type": "invalid"}}))
    with pytest.raises(Exception, match="bad model"):
        weather_agent(fake_provider, fw_client).run_sync(PROMPT)
    settle(harness, fw_client, otel, generation_count=1, span_names=("pydantic-ai.chain",))
    (g,) = generations(harness)
    assert "bad model" in g["call_error"]
    failed_span(harness, "pydantic-ai.chain forecaster", "bad model")


def test_concurrent_runs_never_mix(harness, fake_provider, fw_client, otel):
    fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_text.json")])
    agent = weather_agent(fake_provider, fw_client)

    async def main() -> None:
        await asyncio.gather(*(agent.run(PROMPT, conversation_id=f"c-{i}") for i in range(5)))

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=5, span_names=("pydantic-ai.chain",))
    gens = generations(harness, 5)
    assert sorted(g["conversation_id"] for g in gens) == [f"c-{i}" for i in range(5)]
    agents = {s["span_id"]: s for s in spans_named(harness, "pydantic-ai.chain forecaster")}
    assert len(agents) == 5
    # Each generation nests in its own run's span.
    assert len({parent_of(harness, generation_span(harness, g))["span_id"] for g in gens}) == 5


def test_an_agent_delegated_to_from_a_tool_nests_in_the_tool(harness, fake_provider, fw_client, otel):
    capability = create_sigil_pydantic_ai_capability(client=fw_client)
    model = OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=fake_provider.url + "/v1", api_key="test"))
    weather = Agent(model, name="weather", capabilities=[capability])
    triage = Agent(model, name="triage", capabilities=[capability])

    @triage.tool_plain
    async def get_weather(city: str, unit: str = "c") -> str:
        """Asks the weather agent."""
        return (await weather.run(f"Weather in {city}?")).output

    fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_tool_calls.json"),
                                                Reply.json("openai.chat/response_text.json")])
    triage.run_sync(PROMPT)
    settle(harness, fw_client, otel, generation_count=4, span_names=("pydantic-ai.chain triage",))
    generations(harness, 4)
    triage_span = one_span(harness, "pydantic-ai.chain triage")
    inner = spans_named(harness, "pydantic-ai.chain weather")
    assert len(inner) == 2
    for span in inner:
        tool = parent_of(harness, span)
        assert tool["name"] == "execute_tool get_weather"
        assert parent_of(harness, tool)["span_id"] == triage_span["span_id"]


def test_requests_that_never_end_are_bounded(fw_client):
    capability = create_sigil_pydantic_ai_capability(client=fw_client, max_open_runs=3)
    ctx = SimpleNamespace(model=None, agent=None, metadata=None, conversation_id="c", run_id="r")
    request = SimpleNamespace(model=SimpleNamespace(model_name="gpt-4o", system="openai"), messages=[],
                              streaming=False)

    async def main() -> int:
        never = asyncio.Event()

        async def pending(_request):
            await never.wait()

        tasks = [asyncio.create_task(capability.wrap_model_request(ctx, request_context=request, handler=pending))
                 for _ in range(10)]
        await asyncio.sleep(0)
        open_runs = len(capability.sigil_handler._runs)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return open_runs

    assert asyncio.run(main()) == 3
