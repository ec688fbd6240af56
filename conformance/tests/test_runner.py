"""Self-tests of the conformance runner: the expectation language, the identity check, scenario
loading, and end-to-end runs with fake languages built on the C driver (a proxy that forwards the
line protocol, optionally changing it). The end-to-end tests need the C driver built; point
SIGIL_BUILD_DIR at the CMake build directory (default: build).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]
REPO = CONFORMANCE.parent
sys.path.insert(0, str(CONFORMANCE))

from suite import identity, matching, scenarios  # noqa: E402
from suite.captured import Captured  # noqa: E402

BUILD_DIR = Path(os.environ.get("SIGIL_BUILD_DIR", REPO / "build")).resolve()
C_DRIVER = BUILD_DIR / "conformance" / "drivers" / "c" / "sigil-conformance-driver-c"


# ---- the expectation language ----------------------------------------------------------------

@pytest.mark.parametrize("expected, actual", [
    ({"a": 1}, {"a": 1.0, "b": 2}),
    ({"a": {"$absent": True}}, {"b": 1}),
    ({"a": {"$exists": True}}, {"a": None}),
    ({"$exact": {"a": 1}}, {"a": 1}),
    ({"a": {"$regex": "[0-9a-f]{4}"}}, {"a": "beef"}),
    ({"a": {"$len": 2}}, {"a": [1, 2]}),
    ({"a": {"$json": {"k": [1]}}}, {"a": '{"k": [1], "x": 0}'}),
    ({"$unordered": [2, 1]}, [1, 2]),
    ({"$contains": [{"n": 2}]}, [{"n": 1}, {"n": 2}]),
    ({"a": {"$not": "x"}}, {"a": "y"}),
    ([{"a": 1}], [{"a": 1, "b": 2}]),
])
def test_matching_accepts(expected, actual):
    assert matching.mismatches(expected, actual) == []


@pytest.mark.parametrize("expected, actual, fragment", [
    ({"a": 1}, {"a": 2}, "value.a: expected 1, got 2"),
    ({"a": True}, {"a": 1}, "expected true, got 1"),
    ({"a": "1"}, {"a": 1}, 'expected "1", got 1'),
    ({"a": {"$absent": True}}, {"a": 0}, "expected absent"),
    ({"$exact": {"a": 1}}, {"a": 1, "b": 2}, "unexpected keys ['b']"),
    ({"m": {"x.y": 1}}, {"m": {}}, 'value.m["x.y"]: expected 1, but it is absent'),
    ([1, 2], [1], "expected 2 items, got 1"),
    ({"a": {"$json": {"k": 1}}}, {"a": "not json"}, "expected JSON text"),
    ({"a": {"$bogus": 1}}, {"a": 1}, "unknown operator $bogus"),
])
def test_matching_reports(expected, actual, fragment):
    problems = matching.mismatches(expected, actual)
    assert problems and fragment in problems[0], problems


# ---- identity: masking keeps structure, differences are reported ----------------------------------

def _snapshot(gen_id="gen_0123456789abcdef", trace="a" * 32, span="b" * 16, tag="t", started="2026-01-01T00:00:00Z"):
    generation = {"id": gen_id, "trace_id": trace, "span_id": span, "started_at": started,
                  "tags": {"k": tag}, "metadata": {"sigil.sdk.name": "sdk-x"}}
    span_view = {"name": "generateText m", "trace_id": trace, "span_id": span, "parent_span_id": "",
                 "start_time_unix_nano": 5, "resource": {"telemetry.sdk.language": "x"},
                 "attributes": {"sigil.generation.id": gen_id, "sigil.sdk.name": "sdk-x"}}
    point = {"name": "gen_ai.client.operation.duration", "unit": "s", "attributes": {}, "count": 1, "sum": 0.123}
    return {"grpc_exports": [{"seq": 1, "generations": [generation]}],
            "otlp_traces": [{"spans": [span_view]}], "otlp_metrics": [{"points": [point]}]}


def test_identity_masks_what_varies_between_runs():
    a = identity.normalize(Captured(_snapshot()))
    other = _snapshot(gen_id="gen_fedcba9876543210", trace="c" * 32, span="d" * 16, started="2027-02-02T00:00:00Z")
    other["otlp_metrics"][0]["points"][0]["sum"] = 9.9
    b = identity.normalize(Captured(other))
    assert identity.diff("one", a, "two", b) == []
    # The masked ids still link the generation to its span.
    assert a["generations"][0]["trace_id"] == a["spans"][0]["trace_id"] == "<trace-1>"
    assert a["generations"][0]["id"] == a["spans"][0]["attributes"]["sigil.generation.id"]
    assert "sigil.sdk.name" not in a["generations"][0]["metadata"]


def test_identity_reports_a_difference_as_a_unified_diff():
    a = identity.normalize(Captured(_snapshot()))
    b = identity.normalize(Captured(_snapshot(tag="changed")))
    lines = identity.diff("c/grpc", a, "python/grpc", b)
    assert lines[0] == "--- c/grpc" and lines[1] == "+++ python/grpc"
    assert any(line.startswith("-") and '"t"' in line for line in lines)
    assert any(line.startswith("+") and '"changed"' in line for line in lines)


# ---- scenario files -----------------------------------------------------------------------------

def test_every_shipped_scenario_loads():
    loaded = scenarios.load_all(CONFORMANCE / "scenarios")
    names = {s.name for s in loaded}
    assert {"sync_roundtrip", "conversation_title", "user_id", "agent_identity", "streaming", "tool_execution",
            "embedding", "validation_and_errors", "rating", "shutdown_flush", "env_config",
            "invalid_utf8"} <= names


def test_scenario_typos_are_refused(tmp_path):
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"name": "typo", "description": "d", "transports": ["grpc"], "steps": [],
                                "expect": {"generation": {"count": 1}}}))
    with pytest.raises(scenarios.ScenarioError, match="expect takes only"):
        scenarios.load(path)


def test_variables_and_saved_traceparents():
    variables = {"x": "1"}
    scenarios.save_variable(variables, "tp", "00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    assert scenarios.substitute({"k": ["${x}", "${tp.span_id}"]}, variables) == {"k": ["1", "b" * 16]}
    with pytest.raises(scenarios.ScenarioError, match="unknown variable"):
        scenarios.substitute("${nope}", variables)


def test_fixtures_expand_to_the_files_text_and_lines(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "body.json").write_text('{"a": "${not_a_variable}", "é": 1}\n', encoding="utf-8")
    (tmp_path / "api" / "events.jsonl").write_text('{"n":1}\n\n{"n":2}\n', encoding="utf-8")
    step = {"op": "x", "body": {"$fixture": "api/body.json"}, "events": {"$fixture_lines": "api/events.jsonl"},
            "other": {"$fixture": "a", "extra": 1}}
    out = scenarios.expand_fixtures(step, tmp_path)
    assert out["body"] == '{"a": "${not_a_variable}", "é": 1}\n'  # byte for byte, no substitution
    assert out["events"] == ['{"n":1}', '{"n":2}']
    assert out["other"] == {"$fixture": "a", "extra": 1}  # not a marker: two keys
    with pytest.raises(scenarios.ScenarioError, match="no fixture"):
        scenarios.expand_fixtures({"$fixture": "api/missing.json"}, tmp_path)


def test_a_scenario_naming_a_missing_fixture_is_refused(tmp_path):
    path = tmp_path / "nofix.json"
    path.write_text(json.dumps({"name": "nofix", "description": "d", "transports": ["grpc"], "steps": [
        {"op": "generation.set_provider_response", "handle": "g", "api": "openai.chat",
         "body": {"$fixture": "openai.chat/no_such_file.json"}}]}))
    with pytest.raises(scenarios.ScenarioError, match="no fixture"):
        scenarios.load(path)


# ---- end to end with fake languages ----------------------------------------------------------------

needs_driver = pytest.mark.skipif(not C_DRIVER.exists(), reason=f"C driver not built at {C_DRIVER}")


def _drivers(tmp_path: Path, **proxies: str) -> Path:
    """A drivers directory with the real C driver plus proxy languages (name -> proxy mode)."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "driver.json").write_text(json.dumps({"sdk_name": "sdk-c", "command": [str(C_DRIVER)]}))
    for name, mode in proxies.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "driver.json").write_text(json.dumps({
            "sdk_name": "sdk-c",
            "command": ["{python}", str(Path(__file__).with_name("proxy_driver.py")), "--mode", mode, "--",
                        str(C_DRIVER)],
        }))
    return tmp_path


def _run(drivers_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CONFORMANCE / "runner.py"), "--build-dir", str(BUILD_DIR),
         "--drivers-dir", str(drivers_dir), *args],
        capture_output=True, text=True, timeout=120)


@needs_driver
def test_identical_languages_pass(tmp_path):
    proc = _run(_drivers(tmp_path, twin="passthrough"), "--scenario", "sync_roundtrip,tags_metadata_merge")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "PASS twin sync_roundtrip/grpc" in lines
    assert lines[-1] == "8 passed, 0 failed"


@needs_driver
def test_a_wire_difference_between_languages_fails_with_a_diff(tmp_path):
    proc = _run(_drivers(tmp_path, mutant="extra-tag"), "--scenario", "streaming", "--transport", "grpc")
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "PASS c streaming/grpc" in out
    assert "FAIL mutant streaming/grpc" in out
    assert "wire data differs from c/grpc" in out
    assert "--- c/grpc" in out and "+++ mutant/grpc" in out
    assert any(line.strip().startswith('+') and '"mutant": "1"' in line for line in out.splitlines())
    assert out.splitlines()[-1] == "1 passed, 1 failed"


@needs_driver
def test_unsupported_ops_skip_and_unknown_error_names_fail(tmp_path):
    drivers = _drivers(tmp_path, partial="unsupported-rating", liar="bad-error-name")
    proc = _run(drivers, "--lang", "partial,liar", "--scenario", "rating,queue_full", "--transport", "none,grpc")
    out = proc.stdout
    assert "SKIP partial rating" in out
    assert "PASS partial queue_full/grpc" in out
    assert "FAIL liar queue_full/grpc" in out and "not a canonical error name" in out
    assert out.splitlines()[-1] == "1 passed, 2 failed, 1 skipped", out
    assert proc.returncode == 1
