"""sigil_sdk_litellm's callback logger with the real LiteLLM routing to the fake provider on loopback
(OpenAI-compatible route): sync, async, streamed and failing calls, nesting under the caller's
span, and no double recording next to the litellm auto-instrumentation."""

from __future__ import annotations

import asyncio

import pytest

litellm = pytest.importorskip("litellm", reason="litellm is not installed (make deps-python)")

import sigil_sdk  # noqa: E402
from fake_provider import Reply  # noqa: E402
from sigil_sdk_litellm import SigilLiteLLMLogger, create_sigil_litellm_logger  # noqa: E402

from conftest import generations, wait_span  # noqa: E402
from support import parent_of, settle, ttft_count  # noqa: E402

MESSAGES = [{"role": "user", "content": "Weather in Paris and Oslo?"}]
TEXT = "Paris: 18 °C, clear. Oslo: 7 °C, rain."


def span_of(harness, g: dict) -> dict:
    """The generation's span, which LiteLLM's worker thread may end after the generation arrived."""
    return wait_span(harness, lambda s: s["attributes"].get("sigil.generation.id") == g["id"], "the generation span")


@pytest.fixture
def logged(fw_client, fake_provider, monkeypatch):
    """A Sigil logger in litellm.callbacks (restored after); the keyword arguments routing to the fake."""
    logger = create_sigil_litellm_logger(client=fw_client, agent_name="router")
    # LiteLLM copies `callbacks` into its per-event lists on the first call: each test starts clean.
    for name in ("input_callback", "success_callback", "failure_callback", "_async_input_callback",
                 "_async_success_callback", "_async_failure_callback"):
        monkeypatch.setattr(litellm, name, [])
    monkeypatch.setattr(litellm, "callbacks", [logger])
    return {"model": "openai/gpt-4o-mini", "api_base": fake_provider.url + "/v1", "api_key": "secret-key"}


def test_a_sync_call(harness, fake_provider, fw_client, otel, logged):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_tool_calls.json"))
    tracer = otel.get_tracer("app")
    with tracer.start_as_current_span("handle-request"):
        litellm.completion(messages=MESSAGES, metadata={"conversation_id": "conv-ll"}, temperature=0.2, **logged)
    settle(harness, fw_client, otel, generation_count=1, span_names=("handle-request",))
    (g,) = generations(harness)
    assert g["conversation_id"] == "conv-ll"
    assert g["agent_name"] == "router"
    assert g["tags"]["sigil.framework.name"] == "litellm"
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
    assert g["mode"] == "GENERATION_MODE_SYNC"
    assert g["input"][0]["parts"][0]["text"] == MESSAGES[0]["content"]
    assert [p["tool_call"]["id"] for p in g["output"][0]["parts"]] == ["call_a1", "call_b2"]
    assert g["usage"]["input_tokens"] != "0"
    assert "secret-key" not in str(g)
    assert parent_of(harness, span_of(harness, g))["name"] == "handle-request"


def test_a_stream(harness, fake_provider, fw_client, otel, logged):
    fake_provider.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
    chunks = litellm.completion(messages=MESSAGES, stream=True, **logged)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert litellm.callbacks[0].wait_reported()  # the end is recorded on LiteLLM's worker thread
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert g["output"][0]["parts"][0]["text"] == text
    assert ttft_count(fw_client) == 1


def test_async_calls_never_mix(harness, fake_provider, fw_client, otel, logged):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))

    handler = litellm.callbacks[0].sigil_handler

    async def main() -> None:
        await asyncio.gather(*(litellm.acompletion(messages=MESSAGES, metadata={"session_id": f"s-{i}"}, **logged)
                               for i in range(5)))
        # LiteLLM reports async successes from tasks on this loop: keep it running until they have.
        deadline = asyncio.get_running_loop().time() + 5
        while handler._runs and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

    asyncio.run(main())
    settle(harness, fw_client, otel, generation_count=5)
    gens = generations(harness, 5)
    assert sorted(g["conversation_id"] for g in gens) == [f"s-{i}" for i in range(5)]
    assert all(g["output"][0]["parts"][0]["text"] == TEXT for g in gens)


def test_a_failing_call(harness, fake_provider, fw_client, otel, logged):
    fake_provider.reply("/chat/completions", Reply.error(400, {"error": {"message": "bad model", "type": "invalid"}}))
    with pytest.raises(Exception, match="bad model"):
        litellm.completion(messages=MESSAGES, num_retries=0, **logged)
    settle(harness, fw_client, otel, generation_count=1)
    (g,) = generations(harness)
    assert "bad model" in g["call_error"]
    assert span_of(harness, g)["status"]["code"] == "STATUS_CODE_ERROR"


def test_not_recorded_twice_next_to_the_instrumentation(harness, fake_provider, fw_client, otel, logged):
    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    sigil_sdk.instrument_litellm(client=fw_client)
    try:
        litellm.completion(messages=MESSAGES, **logged)
    finally:
        sigil_sdk.instrumentation.uninstrument(["litellm"])
    settle(harness, fw_client, otel, generation_count=1)
    fw_client.flush()
    gens = [g for cap in harness.captures("http_exports") for g in cap["generations"]]
    assert len(gens) == 1
    assert "sigil.framework.name" not in gens[0].get("tags", {})  # the instrumentation's record


def test_calls_that_never_end_are_bounded(fw_client):
    logger = SigilLiteLLMLogger(client=fw_client, max_open_runs=3)
    for i in range(10):
        logger.log_pre_api_call("gpt-4o", MESSAGES, {"litellm_call_id": f"call-{i}", "model": "gpt-4o"})
    assert len(logger.sigil_handler._runs) == 3
    assert len(logger._unreported) == 3
    assert not logger.wait_reported(timeout=0.05)
