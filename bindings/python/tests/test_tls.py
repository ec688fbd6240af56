"""TLS against the capture harness serving HTTPS and gRPC over TLS with a CA made for the test run:
a private CA is refused until the client is told to trust it (option, SIGIL_* variable or
SSL_CERT_FILE / SSL_CERT_DIR), a server that demands a client certificate gets one (mTLS), and a
file that cannot be read is a configuration error naming where it came from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import generations, spans

from harness import Harness
from harness.tls import Pki, make_pki

import sigil_sdk as sigil
from sigil_sdk.config import resolve_config
from sigil_sdk import ConversationRatingInput, ConversationRatingValue, GenerationStart, ModelRef

MODEL = ModelRef("openai", "gpt-5")
KIND = {"http": "http_exports", "grpc": "grpc_exports"}
TLS_ENV = ("SIGIL_CA_FILE", "SIGIL_CA_DIR", "SIGIL_CLIENT_CERT", "SIGIL_CLIENT_KEY", "SSL_CERT_FILE",
           "SSL_CERT_DIR", "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
           "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY")

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _harness(pki: Pki, require_client_cert: bool):
    gen_dir = os.environ.get("SIGIL_HARNESS_GEN_DIR")
    return Harness(gen_dir=Path(gen_dir) if gen_dir else None, tls=pki.server(require_client_cert))


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_session(pki):
    with _harness(pki, False) as h:
        yield h


@pytest.fixture(scope="module")
def mtls_session(pki):
    with _harness(pki, True) as h:
        yield h


@pytest.fixture
def tls(tls_session):
    tls_session.reset()
    yield tls_session
    tls_session.reset()


@pytest.fixture
def mtls(mtls_session):
    mtls_session.reset()
    yield mtls_session
    mtls_session.reset()


@pytest.fixture(autouse=True)
def clean_tls_environment(monkeypatch):
    for name in TLS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clients():
    made: list[sigil.Client] = []
    yield made
    for c in made:
        c.shutdown(timeout=5)


def make(clients: list, h: Harness, protocol: str, *, use_environment: bool = False, otlp: bool = False,
         **export: object) -> sigil.Client:
    endpoint = h.urls["http_base"] if protocol == "http" else h.urls["grpc"]
    export.setdefault("max_retries", 0)
    cfg = sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(protocol=protocol, endpoint=endpoint, **export),
        api=sigil.ApiConfig(endpoint=h.urls["api"]),
        otlp_endpoint=h.urls["otlp"] if otlp else "",
        use_environment=use_environment,
    )
    client = sigil.Client(cfg)
    clients.append(client)
    return client


def record(client: sigil.Client, gen_id: str) -> None:
    with client.start_generation(GenerationStart(MODEL, id=gen_id, conversation_id="conv-tls")) as rec:
        rec.set_result(output=[sigil.assistant_text_message("over TLS")])
    assert rec.err() is None


def delivered(client: sigil.Client, h: Harness, protocol: str, gen_id: str) -> None:
    record(client, gen_id)
    client.flush(timeout=10)
    assert [g["id"] for g in generations(h, 1, KIND[protocol])] == [gen_id]
    assert client.stats()["generations_exported"] == 1


def refused(client: sigil.Client, h: Harness, protocol: str, caplog) -> None:
    with caplog.at_level("WARNING", logger="sigil_sdk"):
        record(client, "refused")
        client.flush(timeout=10)
    stats = client.stats()
    assert stats["generations_exported"] == 0 and stats["dropped_retry_exhausted"] == 1
    assert h.captures(KIND[protocol]) == []
    assert "SSL" in caplog.text or "certificate" in caplog.text


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_a_private_ca_is_refused_by_default(tls, clients, protocol, caplog):
    refused(make(clients, tls, protocol), tls, protocol, caplog)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_the_ca_file_option_makes_the_server_trusted(tls, clients, pki, protocol):
    delivered(make(clients, tls, protocol, ca_file=str(pki.ca_cert)), tls, protocol, f"ca-{protocol}")


@pytest.mark.parametrize("variable", ["SIGIL_CA_FILE", "SSL_CERT_FILE"])
def test_the_ca_file_comes_from_the_environment(tls, clients, pki, monkeypatch, variable):
    monkeypatch.setenv(variable, str(pki.ca_cert))
    client = make(clients, tls, "grpc", use_environment=True)
    delivered(client, tls, "grpc", f"env-{variable}")


def test_a_hashed_ca_directory_from_ssl_cert_dir(tls, clients, pki, monkeypatch, tmp_path):
    subject_hash = subprocess.run(["openssl", "x509", "-noout", "-subject_hash", "-in", str(pki.ca_cert)],
                                  check=True, capture_output=True, text=True).stdout.strip()
    shutil.copy(pki.ca_cert, tmp_path / f"{subject_hash}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    client = make(clients, tls, "http", use_environment=True)
    assert resolve_config(sigil.ClientConfig()).generation_export.ca_dir == str(tmp_path)
    delivered(client, tls, "http", "ca-dir")


def test_an_explicit_ca_wins_over_the_environment(tls, clients, pki, monkeypatch, tmp_path):
    monkeypatch.setenv("SIGIL_CA_FILE", str(pki.client_cert))  # does not vouch for the server
    delivered(make(clients, tls, "http", use_environment=True, ca_file=pki.ca_cert), tls, "http", "explicit")


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_mtls_with_a_client_certificate(mtls, clients, pki, protocol):
    client = make(clients, mtls, protocol, ca_file=str(pki.ca_cert), client_cert=str(pki.client_cert),
                  client_key=str(pki.client_key))
    delivered(client, mtls, protocol, f"mtls-{protocol}")


def test_mtls_with_certificate_and_key_in_one_file_from_the_environment(mtls, clients, pki, monkeypatch):
    monkeypatch.setenv("SIGIL_CA_FILE", str(pki.ca_cert))
    monkeypatch.setenv("SIGIL_CLIENT_CERT", str(pki.client_combined))
    delivered(make(clients, mtls, "grpc", use_environment=True), mtls, "grpc", "mtls-env")


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_mtls_without_a_client_certificate_is_refused(mtls, clients, pki, protocol, caplog):
    client = make(clients, mtls, protocol, ca_file=str(pki.ca_cert))
    with caplog.at_level("WARNING", logger="sigil_sdk"):
        record(client, "no-cert")
        client.flush(timeout=10)
    assert client.stats()["dropped_retry_exhausted"] == 1
    assert mtls.captures(KIND[protocol]) == []


def test_ratings_use_the_same_trust_and_identity(mtls, clients, pki):
    rating = ConversationRatingInput(rating_id="r-tls", rating=ConversationRatingValue.GOOD)
    without = make(clients, mtls, "http", ca_file=str(pki.ca_cert))
    with pytest.raises(sigil.SigilError):
        without.submit_conversation_rating("conv-tls", rating)
    assert mtls.captures("ratings") == []
    client = make(clients, mtls, "http", ca_file=str(pki.ca_cert), client_cert=str(pki.client_cert),
                  client_key=str(pki.client_key))
    response = client.submit_conversation_rating("conv-tls", rating)
    assert response.rating.rating_id == "r-tls"
    (cap,) = mtls.captures("ratings")
    assert cap["conversation_id"] == "conv-tls"


def test_otlp_falls_back_to_the_sigil_tls_settings(mtls, clients, pki):
    client = make(clients, mtls, "http", otlp=True, ca_file=str(pki.ca_cert), client_cert=str(pki.client_cert),
                  client_key=str(pki.client_key))
    record(client, "otlp-fallback")
    client.flush(timeout=10)
    mtls.wait("otlp_traces", 1, timeout=10)
    assert any(s["attributes"].get("sigil.generation.id") == "otlp-fallback" for s in spans(mtls))


def test_otlp_takes_the_opentelemetry_variables(tls, clients, pki, monkeypatch):
    # Only OTLP is told about the CA; the per-signal variable wins over the shared one (here a
    # certificate that does not vouch for the server).
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", str(pki.client_cert))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", str(pki.ca_cert))
    cfg = sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none"),
                             otlp_endpoint=tls.urls["otlp"])
    client = sigil.Client(cfg)
    clients.append(client)
    record(client, "otlp-env")
    client.flush(timeout=10)
    tls.wait("otlp_traces", 1, timeout=10)
    assert any(s["attributes"].get("sigil.generation.id") == "otlp-env" for s in spans(tls))


def test_otlp_options_win(mtls, clients, pki):
    cfg = sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(protocol="none"),
        otlp_endpoint=mtls.urls["otlp"], use_environment=False,
        otlp_certificate=str(pki.ca_cert), otlp_client_certificate=str(pki.client_cert),
        otlp_client_key=str(pki.client_key))
    client = sigil.Client(cfg)
    clients.append(client)
    record(client, "otlp-options")
    client.flush(timeout=10)
    mtls.wait("otlp_traces", 1, timeout=10)


@pytest.mark.parametrize("field, what", [
    ("ca_file", "CA file option"),
    ("client_cert", "client certificate option"),
    ("client_key", "client key option"),
    ("ca_dir", "CA directory option"),
])
def test_a_missing_file_is_a_config_error_naming_the_option(tmp_path, pki, field, what):
    export = {"client_cert": str(pki.client_cert)} if field == "client_key" else {}
    export[field] = str(tmp_path / "missing.pem")
    with pytest.raises(sigil.ConfigError, match=f"{what} .*missing.pem.*No such file"):
        sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none", **export),
                                        use_environment=False))


def test_environment_paths_are_checked_and_named(monkeypatch, tmp_path, pki):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "gone.pem"))
    with pytest.raises(sigil.ConfigError, match="SSL_CERT_FILE .*gone.pem"):
        sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none")))
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", str(pki.ca_cert))
    with pytest.raises(sigil.ConfigError, match="SSL_CERT_DIR .*is not a directory"):
        sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none")))
    monkeypatch.delenv("SSL_CERT_DIR")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", str(tmp_path))
    with pytest.raises(sigil.ConfigError, match="OTEL_EXPORTER_OTLP_CERTIFICATE .*is a directory"):
        sigil.Client(sigil.ClientConfig(generation_export=sigil.GenerationExportConfig(protocol="none"),
                                        otlp_endpoint="http://127.0.0.1:1"))


def test_a_key_without_a_certificate_is_a_config_error(pki):
    with pytest.raises(sigil.ConfigError, match="client key option is set without a client certificate"):
        sigil.Client(sigil.ClientConfig(
            generation_export=sigil.GenerationExportConfig(protocol="none", client_key=str(pki.client_key)),
            use_environment=False))


def test_resolve_config_reports_the_tls_paths(pki, monkeypatch):
    monkeypatch.setenv("SIGIL_CLIENT_CERT", str(pki.client_combined))
    cfg = resolve_config(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(ca_file=str(pki.ca_cert), flush_interval=timedelta(1))))
    ex = cfg.generation_export
    assert (ex.ca_file, ex.ca_dir, ex.client_cert, ex.client_key) == (
        str(pki.ca_cert), None, str(pki.client_combined), None)
