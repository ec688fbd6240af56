"""The README's quick start runs as written (configured by SIGIL_* against the local receiver)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import sigil_sdk

README = Path(__file__).resolve().parents[1] / "README.md"


def run_section(harness, tmp_path, heading: str, **env_vars: str) -> None:
    section = README.read_text().split(heading, 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    script = tmp_path / "quick_start.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_"))}
    env.update({"PYTHONPATH": str(Path(sigil_sdk.__file__).resolve().parent.parent),
                "SIGIL_LIBRARY": sigil_sdk._native.library_path,
                "SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": harness.urls["http_base"], **env_vars})
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # no mapping problem reported


def test_readme_quick_start_runs(harness, tmp_path):
    run_section(harness, tmp_path, "## Quick start")
    (cap,) = harness.wait("http_exports")
    (g,) = cap["generations"]
    assert g["conversation_id"] == "conv-1"
    assert g["output"][0]["parts"][0]["text"] == "It is 18°C and sunny."


def test_readme_provider_example_runs(harness, tmp_path):
    run_section(harness, tmp_path, "## Provider responses")
    (cap,) = harness.wait("http_exports")
    (g,) = cap["generations"]
    assert g["model"] == {"provider": "openai", "name": "gpt-4o-mini"}
    assert g["output"][0]["parts"][0]["text"] == "18°C and sunny."
    assert g["usage"]["input_tokens"] == "12"


def test_readme_agent_tracing_runs(harness, tmp_path):
    run_section(harness, tmp_path, "## Agent tracing", OTEL_EXPORTER_OTLP_ENDPOINT=harness.urls["otlp"])
    names = {s["name"]: s for cap in harness.wait("otlp_traces") for s in cap["spans"]}
    agent, chain, retriever = names["invoke_agent weather-agent"], names["answer"], names["search"]
    assert chain["parent_span_id"] == agent["span_id"]
    assert retriever["parent_span_id"] == chain["span_id"]
    assert names["generateText gpt-4o"]["parent_span_id"] == chain["span_id"]
