"""sigil_sdk_google_adk with the real Google ADK: agents on ADK's Gemini model class (the real
google-genai client) answered by the fake provider on loopback; a triage agent transfers to a
weather agent that calls a tool, streamed and not, a tool that raises, concurrent invocations."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("google.adk", reason="google-adk is not installed (make deps-frameworks)")

from google.adk.agents import LlmAgent  # noqa: E402
from google.adk.agents.run_config import RunConfig, StreamingMode  # noqa: E402
from google.adk.models.google_llm import Gemini  # noqa: E402
from google.adk.runners import InMemoryRunner  # noqa: E402
from google.genai import types  # noqa: E402

from fake_provider import Reply  # noqa: E402
from sigil_sdk_google_adk import (  # noqa: E402
    SigilGoogleAdkCallbacks,
    SigilGoogleAdkPlugin,
    with_sigil_google_adk_callbacks,
    with_sigil_google_adk_plugins,
)

from conftest import generations  # noqa: E402
from support import failed_span, generation_span, one_span, parent_of, settle, spans_named, ttft_count  # noqa: E402

TEXT = "Paris: 18 °C, clear."
USAGE = {"promptTokenCount": 40, "candidatesTokenCount": 12, "totalTokenCount": 52}


def answer(parts: list[dict], **extra: object) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
            "usageMetadata": USAGE, "modelVersion": "gemini-2.5-flash-001", **extra}


def call_reply(name: str, args: dict, call_id: str) -> Reply:
    return Reply("json", body=json.dumps(answer([{"functionCall": {"id": call_id, "name": name, "args": args}}])).encode())


def text_reply(text: str = TEXT) -> Reply:
    return Reply("json", body=json.dumps(answer([{"text": text}])).encode())


def stream_reply(*chunks: str) -> Reply:
    events = [{"candidates": [{"content": {"role": "model", "parts": [{"text": c}]}}], "modelVersion": "gemini-2.5-flash-001"}
              for c in chunks]
    events[-1] = answer([{"text": chunks[-1]}])
    return Reply("sse", events=[json.dumps(e) for e in events])


def get_weather(city: str) -> dict:
    """The current weather in a city."""
    if city == "Atlantis":
        raise ValueError("no weather station in Atlantis")
    return {"city": city, "weather": "18 °C, clear"}


@pytest.fixture
def agents(fake_provider, monkeypatch):
    """agents(**weather_kwargs): a triage agent with a weather sub-agent, on Gemini at the fake provider."""
    monkeypatch.setenv("GOOGLE_API_KEY", "test")

    def make(**weather_kwargs: object) -> LlmAgent:
        model = Gemini(model="gemini-2.5-flash", base_url=fake_provider.url)
        weather = LlmAgent(name="weather", model=model, instruction="Answer weather questions.",
                           tools=[get_weather], **weather_kwargs)
        return LlmAgent(name="triage", model=model, instruction="Hand weather questions over.",
                        sub_agents=[weather])

    return make


async def run_agent(agent: LlmAgent, runner_kwargs: dict, question: str = "Weather in Paris?", *,
                    session_id: str = "sess-1", state: dict | None = None, run_config: RunConfig | None = None) -> str:
    runner = InMemoryRunner(agent=agent, app_name="travel", **runner_kwargs)
    await runner.session_service.create_session(app_name="travel", user_id="u1", session_id=session_id,
                                                state=state or {})
    final = ""
    async for event in runner.run_async(user_id="u1", session_id=session_id, run_config=run_config,
                                        new_message=types.Content(role="user", parts=[types.Part(text=question)])):
        if event.is_final_response() and event.content and event.content.parts:
            final = "".join(p.text or "" for p in event.content.parts)
    return final


def by_start(gens: list[dict]) -> list[dict]:
    return sorted(gens, key=lambda g: g["started_at"])


def test_a_transfer_and_a_tool(harness, fake_provider, fw_client, otel, agents):
    fake_provider.replies(":generateContent", [
        call_reply("transfer_to_agent", {"agent_name": "weather"}, "fc-t"),
        call_reply("get_weather", {"city": "Paris"}, "fc-w"),
        text_reply(),
    ])
    config = with_sigil_google_adk_plugins(None, client=fw_client, agent_name="travel-desk")
    assert asyncio.run(run_agent(agents(), config, state={"thread_id": "thread-9"})) == TEXT
    settle(harness, fw_client, otel, generation_count=3, span_names=("google-adk.chain triage",))

    gens = by_start(generations(harness, 3))
    assert [g["metadata"]["sigil.framework.component_name"] for g in gens] == ["triage", "weather", "weather"]
    for g in gens:
        assert g["conversation_id"] == "sess-1"
        assert g["agent_name"] == "travel-desk"
        assert g["tags"]["sigil.framework.name"] == "google-adk"
        assert g["tags"]["sigil.framework.source"] == "handler"
        assert g["metadata"]["sigil.framework.thread_id"] == "thread-9"
        assert g["metadata"]["sigil.framework.event_id"].startswith("e-")
        assert g["model"] == {"provider": "gemini", "name": "gemini-2.5-flash"}
        assert g["response_model"] == "gemini-2.5-flash-001"
        assert g["usage"]["input_tokens"] == "40" and g["usage"]["output_tokens"] == "12"
        assert g["mode"] == "GENERATION_MODE_SYNC"
    # The engine mapped the genai request and response: tools, system prompt, calls, results, text.
    assert [p["tool_call"]["name"] for p in gens[0]["output"][0]["parts"]] == ["transfer_to_agent"]
    assert [p["tool_call"]["name"] for p in gens[1]["output"][0]["parts"]] == ["get_weather"]
    assert "get_weather" in [t["name"] for t in gens[1]["tools"]]
    assert gens[1]["system_prompt"].startswith("Answer weather questions.")
    results = [p["tool_result"]["tool_call_id"] for m in gens[2]["input"] for p in m["parts"] if "tool_result" in p]
    assert "fc-w" in results
    assert gens[2]["output"][0]["parts"][0]["text"] == TEXT
    assert gens[2]["stop_reason"] == "STOP"

    invocation, triage = sorted(spans_named(harness, "google-adk.chain triage"),
                                key=lambda s: s["attributes"]["sigil.framework.run_type"])[::-1]
    assert invocation["attributes"]["sigil.framework.run_type"] == "invocation"
    assert triage["attributes"]["sigil.framework.run_type"] == "agent"
    weather = one_span(harness, "google-adk.chain weather")
    assert parent_of(harness, triage) == invocation
    assert parent_of(harness, weather) == triage
    assert parent_of(harness, generation_span(harness, gens[0])) == triage
    assert parent_of(harness, generation_span(harness, gens[1])) == weather
    (tool,) = spans_named(harness, "execute_tool get_weather")
    assert parent_of(harness, tool) == weather
    assert tool["attributes"]["gen_ai.tool.call.id"] == "fc-w"
    assert tool["attributes"]["gen_ai.conversation.id"] == "sess-1"
    (transfer,) = spans_named(harness, "execute_tool transfer_to_agent")
    assert parent_of(harness, transfer) == triage
    for span in (invocation, triage, weather):
        assert span["status"]["code"] == "STATUS_CODE_OK", (span["name"], span["attributes"], span["status"])
        assert span["attributes"]["gen_ai.conversation.id"] == "sess-1"


def test_a_streamed_call(harness, fake_provider, fw_client, otel, agents):
    fake_provider.reply(":streamGenerateContent", stream_reply("Paris: 18 °C", ", clear."))
    config = with_sigil_google_adk_plugins(None, client=fw_client)
    weather = agents().sub_agents[0]
    final = asyncio.run(run_agent(weather, config, run_config=RunConfig(streaming_mode=StreamingMode.SSE)))
    assert final == TEXT
    settle(harness, fw_client, otel, generation_count=1, span_names=("google-adk.chain weather",))
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["operation_name"] == "streamText"
    assert g["output"][0]["parts"][0]["text"] == TEXT  # the aggregated response, once
    assert ttft_count(fw_client) == 1
    assert g["usage"]["total_tokens"] == "52"


def test_a_tool_that_raises(harness, fake_provider, fw_client, otel, agents):
    fake_provider.reply(":generateContent", call_reply("get_weather", {"city": "Atlantis"}, "fc-a"))
    config = with_sigil_google_adk_plugins(None, client=fw_client)
    weather = agents().sub_agents[0]
    with pytest.raises(Exception, match="Atlantis"):
        asyncio.run(run_agent(weather, config, question="Weather in Atlantis?"))
    settle(harness, fw_client, otel, generation_count=1, span_names=("google-adk.chain weather",
                                                                     "execute_tool get_weather"))
    tool = failed_span(harness, "execute_tool get_weather", "Atlantis")
    chains = spans_named(harness, "google-adk.chain weather")
    assert {s["attributes"]["sigil.framework.run_type"] for s in chains} == {"invocation", "agent"}
    for span in chains:
        assert span["status"]["code"] == "STATUS_CODE_ERROR"
        assert span["attributes"]["error.type"] == "framework_error"
    agent_span = next(s for s in chains if s["attributes"]["sigil.framework.run_type"] == "agent")
    assert parent_of(harness, tool) == agent_span


def test_a_failing_model_call(harness, fake_provider, fw_client, otel, agents):
    fake_provider.reply(":generateContent", Reply.error(400, {"error": {"code": 400, "message": "bad request",
                                                                        "status": "INVALID_ARGUMENT"}}))
    config = with_sigil_google_adk_plugins(None, client=fw_client)
    with pytest.raises(Exception):
        asyncio.run(run_agent(agents().sub_agents[0], config))
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert "bad request" in g["call_error"]
    assert generation_span(harness, g)["status"]["code"] == "STATUS_CODE_ERROR"


def test_agent_callback_fields(harness, fake_provider, fw_client, otel, agents):
    fake_provider.replies(":generateContent", [call_reply("get_weather", {"city": "Paris"}, "fc-1"), text_reply()])
    seen = []

    def mine(callback_context, llm_request):
        seen.append(callback_context.agent_name)

    fields = with_sigil_google_adk_callbacks({"before_model_callback": mine}, client=fw_client, provider="gemini")
    assert fields["before_model_callback"][0] is mine
    assert isinstance(fields["after_tool_callback"].__self__, SigilGoogleAdkCallbacks)
    assert with_sigil_google_adk_callbacks(fields, client=fw_client)["after_tool_callback"] is fields["after_tool_callback"]
    weather = agents(**fields).sub_agents[0]
    assert asyncio.run(run_agent(weather, {})) == TEXT
    assert seen == ["weather", "weather"]
    settle(harness, fw_client, otel, generation_count=2)
    first, second = by_start(generations(harness, 2))
    assert [p["tool_call"]["name"] for p in first["output"][0]["parts"]] == ["get_weather"]
    assert second["output"][0]["parts"][0]["text"] == TEXT
    (tool,) = spans_named(harness, "execute_tool get_weather")
    assert tool["attributes"]["gen_ai.conversation.id"] == "sess-1"
    assert not spans_named(harness, "google-adk.chain")  # the callback fields see no agent turns


def test_concurrent_invocations_keep_their_own_trees(harness, fake_provider, fw_client, otel, agents):
    fake_provider.reply(":generateContent", text_reply())
    config = with_sigil_google_adk_plugins(None, client=fw_client)
    weather = agents().sub_agents[0]

    async def main() -> None:
        await asyncio.gather(*(run_agent(weather, config, session_id=f"s-{i}") for i in range(5)))

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=5, span_names=("google-adk.chain weather",))
    gens = generations(harness, 5)
    assert sorted(g["conversation_id"] for g in gens) == [f"s-{i}" for i in range(5)]
    for g in gens:
        agent_span = parent_of(harness, generation_span(harness, g))
        assert agent_span["attributes"]["sigil.framework.run_type"] == "agent"
        assert agent_span["attributes"]["gen_ai.conversation.id"] == g["conversation_id"]
        assert parent_of(harness, agent_span)["attributes"]["gen_ai.conversation.id"] == g["conversation_id"]


def test_invocations_that_never_end_are_bounded(fw_client):
    plugin = with_sigil_google_adk_plugins(None, client=fw_client, max_open_runs=3)["plugins"][0]
    assert isinstance(plugin, SigilGoogleAdkPlugin)

    class Context:
        def __init__(self, i: int) -> None:
            self.invocation_id = f"inv-{i}"
            self.agent = type("Agent", (), {"name": "weather"})()

    async def main() -> None:
        for i in range(10):
            await plugin.before_run_callback(invocation_context=Context(i))

    asyncio.run(main())
    assert len(plugin._runs._invocations) == 3
    assert len(plugin._sigil_handler._chain_spans) <= 3


def test_capture_flags_leave_content_out(harness, fake_provider, fw_client, otel, agents):
    fake_provider.reply(":generateContent", text_reply())
    config = with_sigil_google_adk_plugins(None, client=fw_client, capture_inputs=False, capture_outputs=False)
    asyncio.run(run_agent(agents().sub_agents[0], config, question="secret question"))
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert "output" not in g and "input" not in g
    assert g["usage"]["input_tokens"] == "40"
