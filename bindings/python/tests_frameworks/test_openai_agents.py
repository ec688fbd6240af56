"""sigil_sdk_openai_agents with the real OpenAI Agents SDK: agents on OpenAI's chat completions
model (the real openai client) answered by the fake provider on loopback; a triage agent hands off
to a weather agent that calls a tool."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("agents", reason="openai-agents is not installed (make deps-frameworks)")

import openai  # noqa: E402
from agents import Agent, OpenAIChatCompletionsModel, RunConfig, Runner, function_tool  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_openai_agents import SigilOpenAIAgentsRunHooks, with_sigil_openai_agents_hooks  # noqa: E402

from conftest import fixture, generations  # noqa: E402
from support import generation_span, one_span, parent_of, settle, spans_named  # noqa: E402

TEXT = "Paris: 18 °C, clear. Oslo: 7 °C, rain."


def tool_call_reply(name: str, arguments: dict, call_id: str) -> Reply:
    """openai.chat/response_tool_calls.json with one call to `name`."""
    body = json.loads(fixture("openai.chat/response_tool_calls.json"))
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]
    return Reply("json", body=json.dumps(body).encode())


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: 18 c"


def agents_for(fake_provider) -> Agent:
    client = openai.AsyncOpenAI(base_url=fake_provider.url + "/v1", api_key="test", max_retries=0)
    model = OpenAIChatCompletionsModel(model="gpt-4o", openai_client=client)
    weather = Agent(name="weather", instructions="Answer weather questions.", model=model, tools=[get_weather])
    return Agent(name="triage", instructions="Hand weather questions over.", model=model, handoffs=[weather])


def run_config() -> RunConfig:
    return RunConfig(tracing_disabled=True)


def test_a_handoff_and_a_tool(harness, fake_provider, fw_client, otel):
    fake_provider.replies("/chat/completions", [
        tool_call_reply("transfer_to_weather", {}, "call_h1"),
        tool_call_reply("get_weather", {"city": "Paris"}, "call_w1"),
        Reply.json("openai.chat/response_text.json"),
    ])
    options = with_sigil_openai_agents_hooks(None, client=fw_client, agent_name="travel-desk")
    result = Runner.run_sync(agents_for(fake_provider), "Weather in Paris?", run_config=run_config(),
                             context={"conversation_id": "conv-agents"}, **options)
    assert result.final_output == TEXT
    settle(harness, fw_client, otel, generation_count=3, span_names=("openai-agents.chain triage",))

    gens = sorted(generations(harness, 3), key=lambda g: g["started_at"])
    assert [g["metadata"]["sigil.framework.component_name"] for g in gens] == ["triage", "weather", "weather"]
    for g in gens:
        assert g["conversation_id"] == "conv-agents"
        assert g["agent_name"] == "travel-desk"
        assert g["tags"]["sigil.framework.name"] == "openai-agents"
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert [g["usage"]["input_tokens"] for g in gens] == ["1117", "1117", "210"]
    # The engine mapped the Responses-shaped input and output: tool calls, tool results, text.
    assert [p["tool_call"]["name"] for p in gens[0]["output"][0]["parts"]] == ["transfer_to_weather"]
    assert [p["tool_call"]["name"] for p in gens[1]["output"][0]["parts"]] == ["get_weather"]
    results = [p["tool_result"]["tool_call_id"] for m in gens[2]["input"] for p in m["parts"] if "tool_result" in p]
    assert "call_w1" in results
    assert gens[2]["output"][0]["parts"][0]["text"] == TEXT
    assert gens[0]["system_prompt"] == "Hand weather questions over."

    triage = one_span(harness, "openai-agents.chain triage")
    weather = one_span(harness, "openai-agents.chain weather")
    handoff = one_span(harness, "openai-agents.chain agent_handoff")
    assert triage["attributes"]["sigil.framework.run_type"] == "agent"
    assert parent_of(harness, weather) == triage
    assert parent_of(harness, handoff) == triage
    assert parent_of(harness, generation_span(harness, gens[0])) == triage
    assert parent_of(harness, generation_span(harness, gens[1])) == weather
    (tool,) = spans_named(harness, "execute_tool get_weather")
    assert parent_of(harness, tool) == weather
    assert tool["attributes"]["gen_ai.tool.call.id"] == "call_w1"
    assert tool["attributes"]["gen_ai.conversation.id"] == "conv-agents"
    for span in (triage, weather):
        assert span["status"]["code"] == "STATUS_CODE_OK"


def test_concurrent_runs_keep_their_own_trees(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    agent = agents_for(fake_provider).handoffs[0]  # the weather agent alone
    options = with_sigil_openai_agents_hooks(None, client=fw_client)

    async def main() -> None:
        await asyncio.gather(*(Runner.run(agent, "Weather?", run_config=run_config(),
                                          context={"session_id": f"s-{i}"}, **options) for i in range(5)))

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=5, span_names=("openai-agents.chain weather",))
    gens = generations(harness, 5)
    assert sorted(g["conversation_id"] for g in gens) == [f"s-{i}" for i in range(5)]
    for g in gens:
        agent_span = parent_of(harness, generation_span(harness, g))
        assert agent_span["name"] == "openai-agents.chain weather"
        assert agent_span["attributes"]["gen_ai.conversation.id"] == g["conversation_id"]


def test_existing_hooks_keep_being_called(fw_client):
    from agents.lifecycle import RunHooksBase

    class Mine(RunHooksBase):
        pass

    mine = Mine()
    options = with_sigil_openai_agents_hooks({"hooks": mine, "max_turns": 3}, client=fw_client)
    assert options["max_turns"] == 3
    assert isinstance(options["hooks"], SigilOpenAIAgentsRunHooks) and options["hooks"]._delegate is mine
    assert with_sigil_openai_agents_hooks(options, client=fw_client)["hooks"] is options["hooks"]
    with pytest.raises(TypeError):
        with_sigil_openai_agents_hooks({"hooks": [mine]}, client=fw_client)


def test_a_shut_down_client_never_breaks_the_run(harness, fake_provider, fw_client, otel, caplog):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    options = with_sigil_openai_agents_hooks(None, client=fw_client)
    fw_client.shutdown()
    result = Runner.run_sync(agents_for(fake_provider).handoffs[0], "Weather?", run_config=run_config(), **options)
    assert result.final_output == TEXT
    assert "client is shut down" in caplog.text


def test_capture_flags_leave_content_out(harness, fake_provider, fw_client, otel):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    options = with_sigil_openai_agents_hooks(None, client=fw_client, capture_inputs=False, capture_outputs=False)
    Runner.run_sync(agents_for(fake_provider).handoffs[0], "secret question", run_config=run_config(), **options)
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert "output" not in g and "input" not in g
    assert g["usage"]["input_tokens"] == "210"
