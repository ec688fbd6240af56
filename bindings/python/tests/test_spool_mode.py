"""The spool mode reaches the engine: in write-ahead mode a generation is in the spool when end
returns (the backend is down, so nothing else could have written it); in fallback mode it waits in
memory. An unknown mode is a configuration error."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import sigil_sdk as sigil
from sigil_sdk import GenerationStart, ModelRef


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spool_bytes(spool: Path) -> bytes:
    return b"".join(p.read_bytes() for p in spool.glob("seg-*.sgs"))


def client_for(spool: Path, mode: str) -> sigil.Client:
    return sigil.Client(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(
            protocol="http", endpoint=f"http://127.0.0.1:{closed_port()}", max_retries=50,
            spool_dir=str(spool), spool_mode=mode, spool_sync="batch"),
        use_environment=False,
    ))


def record(client: sigil.Client, gen_id: str) -> None:
    rec = client.start_generation(GenerationStart(
        id=gen_id, conversation_id="conv-spool", model=ModelRef(provider="openai", name="gpt-4o")))
    rec.set_result(sigil.Generation(input=[sigil.user_text_message("hi")]))
    rec.end()
    assert rec.err() is None


@pytest.mark.parametrize("mode,in_spool", [("write_ahead", True), ("fallback", False)])
def test_spool_mode_decides_whether_end_writes_the_spool(tmp_path: Path, mode: str, in_spool: bool) -> None:
    client = client_for(tmp_path / "spool", mode)
    try:
        record(client, f"gen-py-{mode}")
        assert (f"gen-py-{mode}".encode() in spool_bytes(tmp_path / "spool")) is in_spool
    finally:
        client.shutdown(timeout=0)


def test_unknown_spool_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(sigil.ConfigError, match="spool mode"):
        client_for(tmp_path / "spool", "sometimes")


def test_write_ahead_needs_a_spool_directory() -> None:
    with pytest.raises(sigil.ConfigError, match="spool directory"):
        sigil.Client(sigil.ClientConfig(
            generation_export=sigil.GenerationExportConfig(protocol="http", endpoint="http://127.0.0.1:1",
                                                           spool_mode="write_ahead"),
            use_environment=False))


def test_spans_the_collector_missed_are_spooled_and_counted_not_dropped(harness, tmp_path: Path) -> None:
    # Generations reach the harness; the OTLP collector is down for the client's whole life.
    client = sigil.Client(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(
            protocol="http", endpoint=harness.urls["http_base"], max_retries=0, spool_dir=str(tmp_path / "spool")),
        otlp_endpoint=f"http://127.0.0.1:{closed_port()}",
        use_environment=False,
    ))
    for i in range(3):
        record(client, f"gen-py-otlp-spool-{i}")
    client.shutdown(timeout=10)
    stats = client.stats()
    assert (stats["spans_spooled"], stats["spans_dropped"], stats["spans_exported"]) == (3, 0, 0)
    assert stats["metric_exports_spooled"] == 1
    assert stats["spans_replayed"] == stats["metric_exports_replayed"] == 0
    assert b"spans:3:" in spool_bytes(tmp_path / "spool")
