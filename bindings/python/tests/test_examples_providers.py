"""examples/python/<provider>.py run as written against the local receiver, each answering itself
from the fake provider: what arrives is one recorded generation per provider call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sigil_sdk

from conftest import REPO

EXAMPLES = {  # example -> (generations, mode of the last one)
    "openai_chat.py": (1, "GENERATION_MODE_SYNC"),
    "anthropic_stream.py": (1, "GENERATION_MODE_STREAM"),
    "gemini_generate.py": (1, "GENERATION_MODE_SYNC"),
    "bedrock_converse.py": (2, "GENERATION_MODE_STREAM"),
}
PROVIDER_VARS = ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "AWS_", "SIGIL_", "OTEL_")


def run_python(harness, script: Path, **env_vars: str) -> subprocess.CompletedProcess:
    """Runs a script configured by SIGIL_* against the local receiver, with no provider credentials
    or endpoints from the developer's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PROVIDER_VARS)}
    env.update({
        "PYTHONPATH": str(Path(sigil_sdk.__file__).resolve().parent.parent),
        "SIGIL_LIBRARY": sigil_sdk._native.library_path,
        "SIGIL_PROTOCOL": "http",
        "SIGIL_ENDPOINT": harness.urls["http_base"],
        "OTEL_EXPORTER_OTLP_ENDPOINT": harness.urls["otlp"],
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **env_vars,
    })
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_provider_example(harness, example):
    proc = run_python(harness, REPO / "examples" / "python" / example)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    count, mode = EXAMPLES[example]
    gens = [g for cap in harness.captures("http_exports") for g in cap["generations"]]
    assert len(gens) == count
    assert gens[-1]["mode"] == mode
    assert all(g["output"] for g in gens)
    assert all(g["conversation_id"].startswith("conv-") for g in gens)


def test_readme_auto_instrumentation_runs(harness, fake_provider, tmp_path):
    import re

    from fake_provider import Reply

    fake_provider.reply("/chat/completions", Reply.json("openai.chat/response_text.json"))
    section = (REPO / "bindings" / "python" / "README.md").read_text().split("### Auto-instrumentation", 1)[1]
    script = tmp_path / "auto.py"
    script.write_text(re.search(r"```python\n(.*?)```", section, re.S).group(1))
    proc = run_python(harness, script, OPENAI_BASE_URL=fake_provider.url + "/v1", OPENAI_API_KEY="test")
    assert proc.returncode == 0, proc.stderr
    (cap,) = harness.wait("http_exports")
    (g,) = cap["generations"]
    assert (g["conversation_id"], g["agent_name"]) == ("conv-1", "travel-assistant")
    assert g["output"][0]["parts"][0]["text"]
