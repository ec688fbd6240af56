"""`sigil doctor`, `sigil send` and `sigil spool` run as users run them (a subprocess of
`python -m sigil_cli`, configured by the environment alone) against the capture harness on
loopback, over the built libsigil."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))

from harness import Harness  # noqa: E402
from harness.fixtures import harness, harness_session  # noqa: E402,F401 (fixtures)

LIBRARY = os.environ.get("SIGIL_LIBRARY") or str(REPO / "build" / "libsigil.so")


def sigil(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60):
    """Runs the command with a clean configuration: only SIGIL_LIBRARY and `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGIL_", "OTEL_"))}
    base.update({"SIGIL_LIBRARY": LIBRARY, "PYTHONPATH": str(REPO / "tools")})
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "sigil_cli", *args], env=base, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def doctor_json(env: dict[str, str], *extra: str) -> tuple[int, dict]:
    proc = sigil("doctor", "--json", *extra, env=env)
    return proc.returncode, json.loads(proc.stdout)


def checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"] if c["name"] != "configuration" or c["status"] != "warn"}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def generation(gen_id: str, **extra) -> dict:
    return {"id": gen_id, "model": {"provider": "openai", "name": "gpt-5"},
            "input": [{"role": "MESSAGE_ROLE_USER", "parts": [{"text": "hello"}]}],
            "output": [{"role": "MESSAGE_ROLE_ASSISTANT", "parts": [{"text": "hi"}]}], **extra}


def exported_ids(captures) -> list[str]:
    return [g["id"] for c in captures for g in c["generations"]]


# ---- doctor ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_doctor_passes_against_a_working_receiver_and_its_test_generation_arrives(harness, protocol, tmp_path):
    endpoint = harness.urls["http_export"] if protocol == "http" else harness.urls["grpc"]
    # A write-ahead spool in the environment: the test generation is still never spooled.
    code, report = doctor_json({"SIGIL_PROTOCOL": protocol, "SIGIL_ENDPOINT": endpoint,
                                "SIGIL_SPOOL_MODE": "write_ahead", "SIGIL_SPOOL_DIR": str(tmp_path / "spool")})
    assert code == 0, report
    got = checks(report)
    for name in ("library", "configuration", "dns", "tcp", "protocol", "auth", "test generation"):
        assert got[name]["status"] == "ok", got[name]
    assert report["config"]["sources"]["endpoint"] == {"source": "env", "variable": "SIGIL_ENDPOINT"}
    kind = "http_exports" if protocol == "http" else "grpc_exports"
    (capture,) = harness.wait(kind)
    (gen,) = capture["generations"]
    assert gen["id"].startswith("sigil-doctor-") and gen["id"] in got["test generation"]["detail"]
    assert gen["agent_name"] == "sigil-doctor"
    assert not list((tmp_path / "spool").glob("seg-*.sgs"))


def test_doctor_names_a_closed_port_and_says_what_to_set():
    port = closed_port()
    code, report = doctor_json({"SIGIL_ENDPOINT": f"127.0.0.1:{port}"})
    assert code == 1
    tcp = checks(report)["tcp"]
    assert tcp["status"] == "fail" and f"127.0.0.1:{port}" in tcp["detail"]
    assert "sigil receive" in tcp["fix"] and "SIGIL_ENDPOINT" in tcp["fix"]
    assert "test generation" not in checks(report), "no send after a failed connect"

    text = sigil("doctor", env={"SIGIL_ENDPOINT": f"127.0.0.1:{port}"})
    assert text.returncode == 1
    assert "[FAIL] tcp:" in text.stdout and "fix: nothing accepts connections" in text.stdout
    assert "result: FAILED (tcp)" in text.stdout


def test_doctor_names_grpc_sent_to_an_http_port(harness):
    port = harness.ports["http"]
    code, report = doctor_json({"SIGIL_PROTOCOL": "grpc", "SIGIL_ENDPOINT": f"127.0.0.1:{port}"}, "--no-send")
    assert code == 1
    proto = checks(report)["protocol"]
    assert proto["status"] == "fail" and "HTTP/1.1, not gRPC" in proto["detail"]
    assert "SIGIL_PROTOCOL=http" in proto["fix"]
    assert f"http://127.0.0.1:{port}/api/v1/generations:export" in proto["fix"]
    assert checks(report)["test generation"]["status"] == "skip"


def test_doctor_names_http_sent_to_a_grpc_port(harness):
    port = harness.ports["grpc"]
    code, report = doctor_json({"SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": f"http://127.0.0.1:{port}"},
                               "--no-send")
    assert code == 1
    proto = checks(report)["protocol"]
    assert proto["status"] == "fail" and "SIGIL_PROTOCOL=grpc" in proto["fix"], proto


def test_doctor_reports_refused_credentials_without_showing_them(harness):
    harness.script("http", [{"status": 401, "body": "invalid credentials"}])
    code, report = doctor_json({"SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": harness.urls["http_export"],
                                "SIGIL_AUTH_MODE": "bearer", "SIGIL_AUTH_TOKEN": "not-the-right-token"})
    assert code == 1
    got = checks(report)
    assert got["auth"]["status"] == "fail" and "SIGIL_AUTH_TOKEN" in got["auth"]["fix"]
    assert got["test generation"]["status"] == "fail"
    assert any("401" in line for line in got["auth"]["log"]), got["auth"]
    assert report["config"]["config"]["generation_export"]["headers"]["Authorization"] == "Bearer ****"
    (capture,) = harness.wait("http_exports")
    assert capture["headers"]["authorization"] == "Bearer not-the-right-token"  # sent, never printed
    assert "not-the-right-token" not in json.dumps(report)


def test_doctor_reports_an_invalid_variable_with_the_values_it_takes():
    code, report = doctor_json({"SIGIL_PROTOCOL": "htp"})
    assert code == 1
    config = [c for c in report["checks"] if c["name"] == "configuration"][-1]
    assert config["status"] == "fail" and 'SIGIL_PROTOCOL "htp"' in config["detail"]
    assert config["fix"] == "set SIGIL_PROTOCOL to grpc, http or none, or unset it"
    assert report["config"]["sources"]["protocol"] == {"source": "env", "variable": "SIGIL_PROTOCOL"}
    assert "dns" not in checks(report), "nothing is probed with a configuration that does not resolve"


# ---- send -----------------------------------------------------------------------------------------

def http_env(harness) -> dict[str, str]:
    return {"SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": harness.urls["http_export"]}


def test_send_records_every_generation_of_the_files_and_stdin(harness, tmp_path):
    (tmp_path / "two.json").write_text(json.dumps([generation("gen-send-1"), generation("gen-send-2")]))
    proc = sigil("send", str(tmp_path / "two.json"), "-", env=http_env(harness),
                 stdin=json.dumps({"generations": [generation("gen-send-3")]}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "3 of 3 generations accepted"
    captures = harness.wait("http_exports")
    assert sorted(exported_ids(captures)) == ["gen-send-1", "gen-send-2", "gen-send-3"]


def test_send_refuses_a_file_that_is_not_json_before_sending_anything(harness, tmp_path):
    (tmp_path / "good.json").write_text(json.dumps(generation("gen-never-sent")))
    (tmp_path / "bad.json").write_text('{"model": ')
    proc = sigil("send", str(tmp_path / "good.json"), str(tmp_path / "bad.json"), env=http_env(harness))
    assert proc.returncode == 2
    assert f"{tmp_path / 'bad.json'}: not JSON" in proc.stderr
    assert harness.captures("http_exports") == []


def test_send_names_an_invalid_record_and_still_sends_the_others(harness, tmp_path):
    records = [generation("gen-ok-1"), {"id": "gen-no-model", "output": []}, generation("gen-ok-2")]
    (tmp_path / "mixed.json").write_text(json.dumps(records))
    proc = sigil("send", "--json", str(tmp_path / "mixed.json"), env=http_env(harness))
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["accepted"] == 2 and result["invalid"] == 1 and result["failed"] == 1
    (error,) = result["errors"]
    assert error.startswith(f"{tmp_path / 'mixed.json'}: record 1: SIGIL_E_VALIDATION")
    captures = harness.wait("http_exports")
    assert sorted(exported_ids(captures)) == ["gen-ok-1", "gen-ok-2"]


# ---- spool ----------------------------------------------------------------------------------------

def spool_while_down(spool: Path, ids: list[str], tmp_path: Path) -> None:
    """Generations the engine spooled because the receiver was down (its harness closed)."""
    with Harness() as gone:
        endpoint = gone.urls["http_export"]
    (tmp_path / "batch.json").write_text(json.dumps([generation(i) for i in ids]))
    proc = sigil("send", "--json", "--timeout", "30", str(tmp_path / "batch.json"),
                 env={"SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": endpoint, "SIGIL_SPOOL_DIR": str(spool)})
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["spooled"] == len(ids), proc.stdout


def test_spool_ls_then_replay_delivers_what_the_engine_spooled_while_the_receiver_was_down(harness, tmp_path):
    spool = tmp_path / "spool"
    spool_while_down(spool, ["gen-spooled-1", "gen-spooled-2"], tmp_path)
    (spool / "README.txt").write_text("not a segment")

    ls = sigil("spool", "ls", "--json", str(spool))
    assert ls.returncode == 0, ls.stderr
    doc = json.loads(ls.stdout)
    assert doc["totals"]["pending"] == 2 and doc["totals"]["segments"] >= 1
    assert sum(s["records"]["G"] for s in doc["segments"]) == 2
    assert doc["other_files"] == ["README.txt"]
    text = sigil("spool", "ls", str(spool)).stdout
    assert "2 pending" in text and "not spool segments (left alone): README.txt" in text

    replay = sigil("spool", "replay", "--json", str(spool), env=http_env(harness))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    counts = json.loads(replay.stdout)
    assert counts["generations_replayed"] == 2 and counts["remaining"] == 0
    assert sorted(exported_ids(harness.captures("http_exports"))) == ["gen-spooled-1", "gen-spooled-2"]
    assert json.loads(sigil("spool", "ls", "--json", str(spool)).stdout)["segments"] == []


def test_spool_replay_reports_what_remains_when_the_receiver_is_still_down(tmp_path):
    spool = tmp_path / "spool"
    spool_while_down(spool, ["gen-waits"], tmp_path)
    proc = sigil("spool", "replay", "--json", "--timeout", "1", str(spool),
                 env={"SIGIL_PROTOCOL": "http", "SIGIL_ENDPOINT": f"http://127.0.0.1:{closed_port()}"})
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["remaining"] == 1


def test_spool_purge_asks_first_and_removes_only_segments(tmp_path):
    spool = tmp_path / "spool"
    spool_while_down(spool, ["gen-purged"], tmp_path)
    (spool / "notes.txt").write_text("mine")
    segments = sorted(p.name for p in spool.glob("seg-*.sgs"))
    assert segments

    declined = sigil("spool", "purge", str(spool), stdin="n\n")
    assert declined.returncode == 1 and "nothing deleted" in declined.stdout
    assert sorted(p.name for p in spool.glob("seg-*.sgs")) == segments

    done = sigil("spool", "purge", "--yes", str(spool))
    assert done.returncode == 0, done.stderr
    assert "deleted" in done.stdout and "1 records not yet delivered" in done.stdout
    assert not list(spool.glob("seg-*.sgs")), list(spool.iterdir())
    assert (spool / "notes.txt").read_text() == "mine"


def test_spool_commands_name_a_directory_they_cannot_read(tmp_path):
    proc = sigil("spool", "ls", str(tmp_path / "missing"))
    assert proc.returncode == 2 and str(tmp_path / "missing") in proc.stderr
