"""examples/python/quickstart.py runs as written against the local receiver, over HTTP and gRPC."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sigil_sdk

from conftest import REPO


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_quickstart(harness, protocol):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_"))}
    env.update({
        "PYTHONPATH": str(Path(sigil_sdk.__file__).resolve().parent.parent),
        "SIGIL_LIBRARY": sigil_sdk._native.library_path,
        "SIGIL_PROTOCOL": protocol,
        "SIGIL_ENDPOINT": harness.urls["http_base"] if protocol == "http" else harness.urls["grpc"],
        "SIGIL_API_ENDPOINT": harness.urls["api"],
        "OTEL_EXPORTER_OTLP_ENDPOINT": harness.urls["otlp"],
    })
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "quickstart.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout
    gens = [g for cap in harness.captures(f"{protocol}_exports") for g in cap["generations"]]
    assert len(gens) == 3
    assert {g["metadata"]["sigil.sdk.name"] for g in gens} == {"sdk-python"}
    assert {g["conversation_id"] for g in gens} == {"conv-quickstart"}
    assert any(g.get("call_error") for g in gens)
    assert len(harness.captures("ratings")) == 1
    names = {s["name"] for cap in harness.captures("otlp_traces") for s in cap["spans"]}
    assert {"execute_tool get_weather", "embeddings text-embedding-3-small"} <= names
