"""The Python README's "Strands Agents" example runs unchanged, its OpenAIModel answered by the fake
provider on loopback (a tool call, then the answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("strands", reason="strands-agents is not installed (make test-strands builds its venv)")

from fake_provider import Reply  # noqa: E402

from conftest import generations, python_blocks  # noqa: E402
from support import run_readme  # noqa: E402,F401 (a fixture)

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_strands_example_runs(harness, fake_provider, run_readme):
    fake_provider.replies("/chat/completions", [Reply.sse("openai.chat/stream_tool_calls.jsonl"),
                                                Reply.sse("openai.chat/stream_text.jsonl")])
    section = README.read_text().split("### Strands Agents", 1)[1]
    run_readme(python_blocks(section)[0])
    gens = generations(harness, 2)
    assert {g["conversation_id"] for g in gens} == {"conv-12"}
    for g in gens:
        assert g["model"] == {"provider": "openai", "name": "gpt-4o"}
        assert g["tags"]["sigil.framework.name"] == "strands"
    assert sum(1 for p in (g["output"][0]["parts"] for g in gens) for part in p if "tool_call" in part) == 2
