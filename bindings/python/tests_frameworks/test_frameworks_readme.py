"""README code runs unchanged against the framework packages: this package's "Frameworks" examples
and the Python blocks of the reference framework packages' READMEs (read from a checkout of
grafana/sigil, $SIGIL_REFERENCE_REPO, skipped when there is none), with the real frameworks and
ChatOpenAI answered by the fake provider on loopback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("langgraph", reason="langgraph is not installed (make deps-frameworks)")
pytest.importorskip("langchain_openai", reason="langchain-openai is not installed (make deps-frameworks)")

from fake_provider import Reply  # noqa: E402

from conftest import generations, python_blocks  # noqa: E402
from support import run_readme  # noqa: E402,F401 (a fixture)

README = Path(__file__).resolve().parents[1] / "README.md"
REFERENCE_REPO = Path(os.environ.get("SIGIL_REFERENCE_REPO", "/work/.mirror/grafana+sigil/repo"))
JSON = Reply.json("openai.chat/response_text.json")
TEXT = "Paris: 18 °C, clear. Oslo: 7 °C, rain."


def reference_readme(package: str) -> str:
    if not (REFERENCE_REPO / "HEAD").exists() and not (REFERENCE_REPO / ".git").exists():
        pytest.skip(f"no grafana/sigil checkout at {REFERENCE_REPO} (set SIGIL_REFERENCE_REPO)")
    return subprocess.run(["git", "-C", str(REFERENCE_REPO), "show",
                           f"HEAD:sdks/python-frameworks/{package}/README.md"],
                          check=True, capture_output=True, text=True).stdout


def test_the_frameworks_example_runs(harness, fake_provider, run_readme):
    fake_provider.replies("/chat/completions", [Reply.json("openai.chat/response_tool_calls.json"), JSON])
    section = README.read_text().split("## Frameworks", 1)[1]
    run_readme(python_blocks(section)[0])
    first, second = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    for g in (first, second):
        assert g["conversation_id"] == "conv-weather"
        assert g["agent_name"] == "weather-bot"
        assert g["tags"]["sigil.framework.name"] == "langchain"
        assert g["metadata"]["sigil.framework.thread_id"] == "conv-weather"
        assert g["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
    assert [p["tool_call"]["name"] for p in first["output"][0]["parts"]] == ["get_weather", "get_weather"]
    assert second["output"][0]["parts"][0]["text"] == TEXT


def test_the_reference_langchain_readme_runs(harness, fake_provider, run_readme):
    # invoke, stream, then the hand-wired handler's invoke
    fake_provider.replies("/chat/completions", [JSON, Reply.sse("openai.chat/stream_text.jsonl"), JSON])
    ns = run_readme("\n".join(python_blocks(reference_readme("langchain"))))
    assert ns["result"].content == TEXT
    gens = sorted(generations(harness, 3), key=lambda g: g["started_at"])
    assert [g["mode"] for g in gens] == ["GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM", "GENERATION_MODE_SYNC"]
    assert gens[2]["agent_name"] == "langchain-example"  # the explicitly wired handler
    for g in gens:
        assert g["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
        assert g["tags"]["sigil.framework.name"] == "langchain"
        assert g["output"]


def test_the_reference_langgraph_readme_runs(harness, fake_provider, run_readme):
    fake_provider.reply("/chat/completions", JSON)
    code = "\n".join(python_blocks(reference_readme("langgraph")))
    # The README's last statement invokes the checkpointed graph without a thread id, which
    # LangGraph itself refuses; everything before it runs as written.
    with pytest.raises(ValueError, match="Checkpointer requires"):
        run_readme(code)
    # Two graph runs with the callbacks in the node; the README then shuts the client down and
    # reuses it for the checkpointed thread, which is recorded nowhere (as with the reference).
    gens = generations(harness, 2)
    assert len(gens) == 2
    for g in gens:
        assert g["tags"]["sigil.framework.name"] == "langgraph"
        assert g["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
        assert g["output"][0]["parts"][0]["text"] == TEXT
    # Both thread invocations reached the model through the graph.
    assert len(fake_provider.request_bodies("/chat/completions")) == 4


def test_the_reference_openai_agents_readme_runs(harness, fake_provider, run_readme):
    agents = pytest.importorskip("agents", reason="openai-agents is not installed (make deps-frameworks)")
    import openai

    code = "\n".join(python_blocks(reference_readme("openai-agents")))
    # The README builds run options and leaves `Runner.run(..., hooks=run_options["hooks"])` as a
    # comment; run that line too, on its client, before the namespace's client is shut down.
    code = code.replace('# Runner.run(agent, input="...", hooks=run_options["hooks"])',
                        'Runner.run_sync(agent, input="Weather?", hooks=run_options["hooks"], '
                        'run_config=RunConfig(tracing_disabled=True))')
    fake_provider.reply("/chat/completions", JSON)
    model = agents.OpenAIChatCompletionsModel(
        model="gpt-4o", openai_client=openai.AsyncOpenAI(base_url=fake_provider.url + "/v1", api_key="test"))
    prelude = {"agent": agents.Agent(name="assistant", instructions="Be brief.", model=model),
               "Runner": agents.Runner, "RunConfig": agents.RunConfig}
    ns = run_readme("\n".join(f"{k} = __prelude__[{k!r}]" for k in prelude) + "\n" + code,
                    __prelude__=prelude)
    assert isinstance(ns["run_options"]["hooks"], agents.lifecycle.RunHooksBase)
    gens = generations(harness, 2)
    assert len(gens) == 2  # the two blocks' runs
    for g in gens:
        assert g["tags"]["sigil.framework.name"] == "openai-agents"
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
        assert g["output"][0]["parts"][0]["text"] == TEXT


def test_the_openai_agents_example_runs(harness, fake_provider, run_readme, monkeypatch):
    agents = pytest.importorskip("agents", reason="openai-agents is not installed (make deps-frameworks)")
    import json

    from conftest import fixture

    def tool_call(name: str, arguments: dict, call_id: str) -> Reply:
        body = json.loads(fixture("openai.chat/response_tool_calls.json"))
        body["choices"][0]["message"]["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]
        return Reply("json", body=json.dumps(body).encode())

    fake_provider.replies("/chat/completions", [tool_call("transfer_to_weather", {}, "call_h1"),
                                                tool_call("get_weather", {"city": "Paris"}, "call_w1"), JSON])
    agents.set_default_openai_api("chat_completions")  # the fake provider speaks chat completions
    try:
        section = README.read_text().split("### OpenAI Agents", 1)[1]
        ns = run_readme(python_blocks(section)[0])
    finally:
        agents.set_default_openai_api("responses")
    assert ns["result"].final_output == TEXT
    gens = generations(harness, 3)
    assert len(gens) == 3
    assert {g["conversation_id"] for g in gens} == {"conv-7"}
    assert {g["agent_name"] for g in gens} == {"travel-desk"}


def test_the_reference_llamaindex_readme_runs(harness, run_readme, monkeypatch):
    pytest.importorskip("llama_index.core", reason="llama-index-core is not installed (make deps-frameworks)")
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.llms import MockLLM

    from sigil_sdk_llamaindex import SigilLlamaIndexCallbackHandler

    code = "\n".join(python_blocks(reference_readme("llamaindex")))
    # The README leaves the query engine as a comment; wire the last block's callback manager into
    # LlamaIndex the way it takes one (Settings), and query an index.
    monkeypatch.setattr(Settings, "_callback_manager", Settings._callback_manager)  # restored after
    code += ("\nSettings.callback_manager = config['callback_manager']"
             "\nindex = VectorStoreIndex.from_documents([Document(text='Paris is sunny.')], "
             "embed_model=MockEmbedding(embed_dim=8), callback_manager=config['callback_manager'])"
             "\nllm = MockLLM(max_tokens=2)\nllm.callback_manager = config['callback_manager']"
             "\nanswer = index.as_query_engine(llm=llm).query('Weather?')\nclient.flush()")
    ns = run_readme(code, Settings=Settings, VectorStoreIndex=VectorStoreIndex, Document=Document, MockEmbedding=MockEmbedding,
                    MockLLM=MockLLM)
    assert str(ns["answer"]) == "text text"
    assert any(isinstance(h, SigilLlamaIndexCallbackHandler) for h in ns["config"]["callback_manager"].handlers)
    (g,) = generations(harness)
    assert g["tags"]["sigil.framework.name"] == "llamaindex"
    assert g["output"][0]["parts"][0]["text"] == "text text"


def test_the_llamaindex_example_runs(harness, run_readme, monkeypatch):
    pytest.importorskip("llama_index.core", reason="llama-index-core is not installed (make deps-frameworks)")
    from llama_index.core import Settings

    from sigil_sdk_llamaindex import SigilLlamaIndexCallbackHandler

    monkeypatch.setattr(Settings, "_callback_manager", Settings._callback_manager)  # restored after
    section = README.read_text().split("### LlamaIndex", 1)[1]
    run_readme(python_blocks(section)[0])
    assert any(isinstance(h, SigilLlamaIndexCallbackHandler) for h in Settings.callback_manager.handlers)


def gemini_answers(fake_provider, monkeypatch, *parts: dict) -> None:
    """ADK's Gemini model (and google-genai) at the fake provider, answering with `parts` in order."""
    import json

    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake_provider.url)
    monkeypatch.setenv("GOOGLE_API_KEY", "test")
    fake_provider.replies(":generateContent", [Reply("json", body=json.dumps({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 40, "candidatesTokenCount": 12, "totalTokenCount": 52}}).encode())
        for part in parts])


def test_the_google_adk_example_runs(harness, fake_provider, run_readme, monkeypatch):
    pytest.importorskip("google.adk", reason="google-adk is not installed (make deps-frameworks)")
    gemini_answers(fake_provider, monkeypatch, {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                   {"text": TEXT})
    section = README.read_text().split("### Google ADK", 1)[1]
    run_readme(python_blocks(section)[0])
    gens = sorted(generations(harness, 2), key=lambda g: g["started_at"])
    assert [g["conversation_id"] for g in gens] == ["conv-9", "conv-9"]
    assert {g["agent_name"] for g in gens} == {"travel-desk"}
    assert gens[1]["output"][0]["parts"][0]["text"] == TEXT


def test_the_reference_google_adk_readme_runs(harness, fake_provider, run_readme, monkeypatch):
    pytest.importorskip("google.adk", reason="google-adk is not installed (make deps-frameworks)")
    import asyncio

    from google.adk.agents import LlmAgent
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    from sigil_sdk_google_adk import SigilGoogleAdkPlugin

    def run(runner_kwargs: dict, agent_kwargs: dict) -> None:
        """What the README's `Runner(..., **runner_config)` / `LlmAgent(..., **agent_config)` stand for."""
        agent = LlmAgent(name="assistant", model="gemini-2.5-flash", instruction="Be brief.", **agent_kwargs)
        runner = InMemoryRunner(agent=agent, app_name="readme", **runner_kwargs)

        async def main() -> None:
            await runner.session_service.create_session(app_name="readme", user_id="u", session_id="readme-session")
            async for _ in runner.run_async(user_id="u", session_id="readme-session",
                                            new_message=types.Content(role="user", parts=[types.Part(text="Hi")])):
                pass

        asyncio.run(main())

    gemini_answers(fake_provider, monkeypatch, {"text": TEXT})
    code = "\n".join(python_blocks(reference_readme("google-adk")))
    # The README leaves the runner and the agent as comments; run them, on the blocks' clients.
    code = code.replace("# Runner(..., **runner_config)", "__run__(runner_config, {})")
    code = code.replace("# LlmAgent(..., **agent_config)", "__run__({}, agent_config)")
    ns = run_readme(code, __run__=run)
    assert isinstance(ns["runner_config"]["plugins"][0], SigilGoogleAdkPlugin)
    gens = generations(harness, 2)
    assert len(gens) == 2  # one model call through the plugin, one through the agent callbacks
    for g in gens:
        assert g["tags"]["sigil.framework.name"] == "google-adk"
        assert g["conversation_id"] == "readme-session"
        assert g["model"] == {"provider": "gemini", "name": "gemini-2.5-flash"}
        assert g["output"][0]["parts"][0]["text"] == TEXT


def test_the_litellm_example_runs(harness, fake_provider, run_readme, monkeypatch):
    litellm = pytest.importorskip("litellm", reason="litellm is not installed (make deps-python)")
    for name in ("callbacks", "input_callback", "success_callback", "failure_callback", "_async_input_callback",
                 "_async_success_callback", "_async_failure_callback"):
        monkeypatch.setattr(litellm, name, [])  # restored after
    monkeypatch.setattr(litellm, "api_base", fake_provider.url + "/v1")
    fake_provider.reply("/chat/completions", JSON)
    section = README.read_text().split("### LiteLLM", 1)[1]
    ns = run_readme(python_blocks(section)[0])
    assert ns["reply"].choices[0].message.content == TEXT
    (g,) = generations(harness)
    assert g["conversation_id"] == "conv-11"
    assert g["tags"]["sigil.framework.name"] == "litellm"
    assert g["output"][0]["parts"][0]["text"] == TEXT


def test_the_pydantic_ai_example_runs(harness, fake_provider, run_readme):
    pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (make deps-frameworks)")
    fake_provider.reply("/chat/completions", JSON)
    section = README.read_text().split("### Pydantic AI", 1)[1]
    ns = run_readme(python_blocks(section)[0])
    assert ns["result"].output == TEXT
    (g,) = generations(harness)
    assert g["conversation_id"] == "conv-12"
    assert g["agent_name"] == "travel-desk"
    assert g["tags"]["sigil.framework.name"] == "pydantic-ai"
    assert g["output"][0]["parts"][0]["text"] == TEXT
