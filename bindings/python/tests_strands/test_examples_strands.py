"""examples/python/frameworks/strands_agent.py runs as written against the local receiver (the capture
harness), answering itself from the fake provider."""

from __future__ import annotations

import pytest

pytest.importorskip("strands", reason="strands-agents is not installed (make test-strands builds its venv)")

from conftest import REPO, spans  # noqa: E402
from test_examples_providers import run_python  # noqa: E402


def test_strands_example(harness):
    proc = run_python(harness, REPO / "examples" / "python" / "frameworks" / "strands_agent.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gens = [g for cap in harness.captures("http_exports") for g in cap["generations"]]
    assert len(gens) == 3
    assert {g["conversation_id"] for g in gens} == {"conv-strands-example"}
    assert {g["agent_name"] for g in gens} == {"travel-desk"}
    assert {g["mode"] for g in gens} == {"GENERATION_MODE_STREAM"}
    assert all(g["output"] for g in gens)
    harness.wait("otlp_traces", 1, 5)
    names = [s["name"] for s in spans(harness)]
    assert names.count("strands.agent forecaster") == 2
    assert names.count("execute_tool get_weather") == 2
