"""Context managers, flush, shutdown and what happens after it; ratings; engine loading."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import sigil_sdk as sigil
from sigil_sdk import ConversationRatingInput, ConversationRatingValue, GenerationStart, ModelRef

from conftest import REPO, config_for, generations

MODEL = ModelRef("openai", "gpt-5")
HELD = {"batch_size": 100, "flush_interval": timedelta(minutes=1)}


def test_shutdown_delivers_what_batching_held_back(harness, make_client):
    client = make_client("grpc", **HELD)
    with client.start_generation(GenerationStart(model=MODEL, id="held")):
        pass
    assert harness.captures("grpc_exports") == []
    assert client.stats()["queue_items"] == 1
    client.shutdown()
    assert [g["id"] for g in generations(harness, kind="grpc_exports")] == ["held"]
    assert client.stats()["generations_exported"] == 1
    client.shutdown()  # idempotent


def test_client_context_manager_shuts_down(harness):
    with sigil.Client(config_for(harness, "http", **HELD)) as client:
        with client.start_generation(GenerationStart(model=MODEL, id="cm")):
            pass
    assert [g["id"] for g in generations(harness)] == ["cm"]
    with pytest.raises(sigil.ClientShutdownError):
        client.flush()


def test_recording_after_shutdown_is_reported_at_end(harness, client):
    client.shutdown()
    rec = client.start_generation(GenerationStart(model=MODEL))  # never raises
    rec.set_result(output=[sigil.assistant_text_message("late")])
    rec.end()
    assert isinstance(rec.err(), sigil.ClientShutdownError)
    with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="late")) as t:
        pass
    assert isinstance(t.err(), sigil.ClientShutdownError)
    with pytest.raises(sigil.ClientShutdownError):
        client.submit_conversation_rating("c", ConversationRatingInput(rating_id="r", rating=ConversationRatingValue.GOOD))
    assert harness.captures("http_exports") == []


def test_recorder_end_is_idempotent_and_setters_after_end_are_ignored(client):
    rec = client.start_generation(GenerationStart(model=MODEL))
    assert not rec.ended
    rec.end()
    rec.end()
    assert rec.ended and rec.err() is None
    assert rec.set_result(output=[]) is None
    rec.set_call_error(RuntimeError("ignored"))
    rec.set_first_token_at()


def test_dropped_recorder_is_ended_by_the_safety_net(harness, client):
    rec = client.start_generation(GenerationStart(model=MODEL, id="forgotten"))
    del rec
    gc.collect()
    client.flush()
    assert [g["id"] for g in generations(harness)] == ["forgotten"]


def test_rating_round_trip(harness, client):
    response = client.submit_conversation_rating(" conv/1 ", ConversationRatingInput(
        rating_id="rat-1", rating=ConversationRatingValue.BAD, comment="wrong answer",
        metadata={"channel": "assistant", "score": 2}, generation_id="gen-1", rater_id="user-7", source="sdk"))
    (cap,) = harness.captures("ratings")
    assert cap["conversation_id"] == "conv/1"
    assert cap["json"] == {"rating_id": "rat-1", "rating": "CONVERSATION_RATING_VALUE_BAD", "comment": "wrong answer",
                           "metadata": {"channel": "assistant", "score": 2}, "generation_id": "gen-1",
                           "rater_id": "user-7", "source": "sdk"}
    r = response.rating
    assert (r.rating_id, r.conversation_id, r.rating) == ("rat-1", "conv/1", ConversationRatingValue.BAD)
    assert r.metadata == {"channel": "assistant", "score": 2} and r.created_at.tzinfo is not None
    s = response.summary
    assert (s.total_count, s.good_count, s.bad_count, s.has_bad_rating) == (1, 0, 1, True)
    assert s.latest_rating == ConversationRatingValue.BAD and s.latest_bad_at is not None


def test_rating_errors(harness, client):
    with pytest.raises(sigil.ValidationError):
        client.submit_conversation_rating("c", ConversationRatingInput(rating_id=" ", rating=ConversationRatingValue.GOOD))
    harness.script("api", [{"status": 409, "body": {"error": "conflict"}}, {"status": 400, "body": "bad"},
                           {"status": 503}])
    rating = ConversationRatingInput(rating_id="r", rating=ConversationRatingValue.GOOD)
    with pytest.raises(sigil.RatingConflictError):
        client.submit_conversation_rating("c", rating)
    with pytest.raises(sigil.ValidationError):  # the server refused it as invalid
        client.submit_conversation_rating("c", rating)
    with pytest.raises(sigil.RatingTransportError):
        client.submit_conversation_rating("c", rating)
    harness.stall("api", 2000)
    with pytest.raises(sigil.RatingTransportError):
        client.submit_conversation_rating("c", rating, timeout=0.2)
    harness.stall("api", 0)


def test_environment_configures_a_default_client(harness, monkeypatch):
    monkeypatch.setenv("SIGIL_PROTOCOL", "http")
    monkeypatch.setenv("SIGIL_ENDPOINT", harness.urls["http_base"])
    monkeypatch.setenv("SIGIL_AUTH_MODE", "tenant")
    monkeypatch.setenv("SIGIL_AUTH_TENANT_ID", "tenant-7")
    monkeypatch.setenv("SIGIL_AGENT_NAME", "env-agent")
    with sigil.Client() as client:
        with client.start_generation(GenerationStart(model=MODEL)):
            pass
    (cap,) = harness.wait("http_exports")
    assert cap["headers"]["x-scope-orgid"] == "tenant-7"
    assert cap["generations"][0]["agent_name"] == "env-agent"


def test_explicit_configuration_wins_over_the_environment(harness, monkeypatch):
    monkeypatch.setenv("SIGIL_PROTOCOL", "grpc")
    monkeypatch.setenv("SIGIL_ENDPOINT", "127.0.0.1:9")
    monkeypatch.setenv("SIGIL_AGENT_NAME", "env-agent")
    cfg = sigil.ClientConfig(generation_export_endpoint=harness.urls["http_base"], agent_name="cfg-agent",
                             generation_export=sigil.GenerationExportConfig(
                                 protocol="http", headers={"X-Extra": "1"},
                                 auth=sigil.AuthConfig(mode="bearer", bearer_token="tok")))
    with sigil.Client(cfg) as client:
        with client.start_generation(GenerationStart(model=MODEL)):
            pass
    (cap,) = harness.wait("http_exports")
    assert cap["headers"]["authorization"] == "Bearer tok" and cap["headers"]["x-extra"] == "1"
    assert cap["generations"][0]["agent_name"] == "cfg-agent"


def test_an_invalid_variable_fails_unless_the_setting_is_given_in_code(harness, monkeypatch, caplog):
    monkeypatch.setenv("SIGIL_PROTOCOL", "htp")
    with pytest.raises(sigil.ConfigError, match="SIGIL_PROTOCOL"):
        sigil.Client(sigil.ClientConfig(generation_export_endpoint=harness.urls["http_base"]))
    cfg = sigil.ClientConfig(generation_export_endpoint=harness.urls["http_base"],
                             generation_export=sigil.GenerationExportConfig(protocol="http"))
    with caplog.at_level("WARNING", logger="sigil_sdk"):
        with sigil.Client(cfg) as client:
            with client.start_generation(GenerationStart(model=MODEL)):
                pass
    (cap,) = harness.wait("http_exports")
    assert cap["generations"][0]["model"]["name"] == MODEL.name
    assert any('ignoring invalid SIGIL_PROTOCOL "htp"' in r.getMessage() for r in caplog.records)


def _run(code: str, env: dict[str, str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_missing_library_is_a_clear_import_error(tmp_path):
    env = {**os.environ, "SIGIL_LIBRARY": str(tmp_path / "libsigil.so"),
           "PYTHONPATH": str(Path(sigil.__file__).parent.parent)}
    proc = _run("import sigil_sdk", env, str(tmp_path))
    assert proc.returncode != 0
    assert "ImportError: sigil_sdk: cannot load libsigil" in proc.stderr


def test_the_installed_package_bundles_the_engine(tmp_path):
    """pip install builds a package that works on its own (here bundling the already built library)."""
    from importlib.metadata import PackageNotFoundError, version

    from sigil_sdk import _native

    try:
        if int(version("setuptools").split(".")[0]) < 64:
            pytest.skip("building without isolation needs setuptools >= 64")
    except PackageNotFoundError:
        pytest.skip("building without isolation needs setuptools")
    target = tmp_path / "site"
    env = {**os.environ, "SIGIL_LIBRARY": _native.library_path}
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(REPO / "bindings" / "python")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (target / "sigil_sdk" / "libsigil.so").is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("SIGIL_LIBRARY", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    proc = _run("import sigil_sdk, sigil_sdk._native as n; print(n.library_path)", env, str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(target / "sigil_sdk" / "libsigil.so")
    # The `sigil` command installed with it finds the bundled engine on its own.
    proc = subprocess.run([sys.executable, "-m", "sigil_cli", "doctor", "--json", "--no-send"], env=env,
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert json.loads(proc.stdout)["library"] == str(target / "sigil_sdk" / "libsigil.so"), proc.stderr
    assert (target / "bin" / "sigil").is_file()


def _in_call(thread_id: int, name: str) -> bool:
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        if frame.f_code.co_name == name:
            return True
        frame = frame.f_back
    return False


@pytest.mark.parametrize("method", ["flush", "shutdown"])
def test_ctrl_c_interrupts_a_flush_or_shutdown_waiting_on_a_stalled_server(harness, make_client, method):
    """SIGINT while flush(timeout)/shutdown(timeout) waits raises KeyboardInterrupt at once, not at the deadline.

    The server holds the export until released; a watchdog releases it if the interrupt has not
    arrived by then. Interrupted promptly, the caller sees the record still in flight; interrupted
    only after the call returned (Python runs signal handlers between bytecodes, never inside a
    foreign call), it would see it delivered and counted.
    """
    import signal
    import threading
    import time

    harness.stall("http", 600_000)
    client = make_client("http", attempt_timeout=timedelta(minutes=10))
    with client.start_generation(GenerationStart(model=MODEL, id="stalled")):
        pass
    main, interrupted = threading.get_ident(), threading.Event()

    def signaller() -> None:
        while not _in_call(main, method):
            if interrupted.wait(0.01):
                return
        os.kill(os.getpid(), signal.SIGINT)
        if not interrupted.wait(30):  # the watchdog: let a non-interruptible wait finish
            harness.stall("http", 0)

    thread = threading.Thread(target=signaller, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        try:
            getattr(client, method)(timeout=300)
        finally:
            interrupted.set()
    thread.join()
    assert client.stats()["generations_exported"] == 0  # the server has not answered yet
    assert [g["id"] for g in generations(harness)] == ["stalled"]  # it holds the request
    harness.stall("http", 0)  # the export, still in flight, now completes
    deadline = time.monotonic() + 60
    while client.stats()["generations_exported"] == 0 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert client.stats()["generations_exported"] == 1
    client.shutdown(timeout=30)
