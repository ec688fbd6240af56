"""`sigil doctor`: what configuration the library resolves here, and whether it works.

The engine resolves the configuration (sigil_options_describe: the same options >
SIGIL_* / OTEL_* > defaults resolution a client runs, with sources and masked
credentials). Then, in order: DNS, TCP, TLS when the endpoint uses it, the protocol
the endpoint speaks, and a test generation sent through the engine, whose answer
also says whether the credentials are accepted. Every failure comes with the fix.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import socket
import ssl
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import _engine

CONNECT_TIMEOUT_S = 3.0
SEND_TIMEOUT_MS = 15000
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HTTP2_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
HTTP_INGEST_PATH = "/api/v1/generations:export"
ENV_VAR = re.compile(r"\b((?:SIGIL|OTEL)_[A-Z_]+)\b")
AUTH_REFUSED = re.compile(r"\b(401|403)\b|unauthenticated|permission.denied|unauthorized", re.IGNORECASE)


@dataclass
class Check:
    name: str
    status: str  # "ok", "fail", "warn" or "skip"
    detail: str
    fix: str = ""
    log: list[str] = field(default_factory=list)


@dataclass
class Report:
    library: str = ""
    config: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)

    def add(self, *args: Any, **kwargs: Any) -> Check:
        check = Check(*args, **kwargs)
        self.checks.append(check)
        return check

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "doctor", help="check the configuration the library resolves and the endpoint it points at",
        description="Resolve the configuration exactly as the library does (SIGIL_* and OTEL_* variables, "
        "defaults), print it with where each setting came from, then check DNS, TCP, TLS, the protocol "
        "spoken at the endpoint, the credentials and a test generation. Exit status 0 when every check "
        "passes, 1 when one fails.")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--no-send", action="store_true",
                   help="skip the test generation (and so the check that the credentials are accepted)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = diagnose(send=not args.no_send)
    if args.json:
        print(json.dumps({"ok": report.ok, "library": report.library, "config": report.config,
                          "checks": [asdict(c) for c in report.checks]}, indent=2))
    else:
        print_report(report, sys.stdout)
    return 0 if report.ok else 1


# ---- the checks ---------------------------------------------------------------------------------

def diagnose(send: bool = True) -> Report:
    report = Report()
    try:
        _, report.library = _engine.load()
        described = _engine.describe_config()
    except _engine.EngineError as exc:
        report.add("library", "fail", str(exc), "install libsigil (make install) or set SIGIL_LIBRARY")
        return report
    report.config = described
    report.add("library", "ok", report.library)
    for warning in described["warnings"]:
        report.add("configuration", "warn", warning, _fix_for_variable(warning))
    if not described["valid"]:
        message = described["error"]["message"]
        report.add("configuration", "fail", message, _fix_for_variable(message)
                   or "correct the setting it names (the sources above say where each one came from)")
        return report
    report.add("configuration", "ok", "resolved without errors")

    cfg = described["config"]["generation_export"]
    target = described["export_target"]
    protocol = cfg["protocol"]
    if target is None:
        report.add("endpoint", "skip", f"generation export is off (protocol {protocol})")
        return report
    source = _source_text(described, "endpoint")
    host, port = _split_authority(target["authority"], default_port=443 if target["tls"] else 80)
    if not _probe_endpoint(report, host, port, target["tls"], protocol, cfg, source):
        return report
    for key, signal in (("otlp_traces_endpoint", "traces"), ("otlp_metrics_endpoint", "metrics")):
        url = described["config"].get(key) or ""
        if url:
            _probe_otlp(report, signal, url, cfg, _source_text(described, key))
    if send:
        _send_test_generation(report, protocol, source)
    else:
        report.add("test generation", "skip", "--no-send: no test generation sent, credentials not checked")
    return report


def _probe_endpoint(report: Report, host: str, port: int, tls: bool, protocol: str, cfg: dict[str, Any],
                    source: str) -> bool:
    where = f"{host}:{port}"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        report.add("dns", "fail", f"{host}: {exc.strerror}",
                   f"check the host in the endpoint ({source}); it does not resolve from here")
        return False
    report.add("dns", "ok", f"{host} -> {', '.join(sorted({a[4][0] for a in addresses}))}")

    sock = _connect(report, where, host, port, source)
    if sock is None:
        return False
    with sock:
        if tls:
            sock = _tls_handshake(report, sock, host, protocol, cfg, source)
            if sock is None:
                return False
        _check_protocol(report, sock, host, protocol, tls)
    return True


def _connect(report: Report, where: str, host: str, port: int, source: str) -> socket.socket | None:
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        why = exc.strerror or str(exc)
        report.add("tcp", "fail", f"cannot connect to {where}: {why}",
                   f"nothing accepts connections at {where}: start the receiver there (`sigil receive` "
                   f"for a local one) or point the endpoint ({source}) at where it listens")
        return None
    report.add("tcp", "ok", f"connected to {where}")
    return sock


def _tls_handshake(report: Report, sock: socket.socket, host: str, protocol: str, cfg: dict[str, Any],
                   source: str) -> socket.socket | None:
    context = ssl.create_default_context(cafile=cfg.get("ca_file") or None, capath=cfg.get("ca_dir") or None)
    if cfg.get("client_cert"):
        try:
            context.load_cert_chain(cfg["client_cert"], cfg.get("client_key") or None)
        except (OSError, ssl.SSLError) as exc:
            report.add("tls", "fail", f"client certificate: {exc}",
                       "set SIGIL_CLIENT_CERT / SIGIL_CLIENT_KEY to a readable certificate and key")
            return None
    context.set_alpn_protocols(["h2"] if protocol == "grpc" else ["http/1.1"])
    try:
        wrapped = context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        report.add("tls", "fail", f"the server's certificate is not trusted: {exc.verify_message}",
                   "set SIGIL_CA_FILE to the CA bundle that signed the server's certificate")
        return None
    except (ssl.SSLError, OSError) as exc:
        plaintext = "WRONG_VERSION_NUMBER" in str(exc) or "record layer" in str(exc)
        report.add("tls", "fail", f"TLS handshake failed: {exc}",
                   f"the endpoint does not speak TLS: use an http:// endpoint ({source}) or "
                   "SIGIL_INSECURE=true" if plaintext else
                   "check the certificate settings (SIGIL_CA_FILE, SIGIL_CLIENT_CERT, SIGIL_CLIENT_KEY)")
        return None
    report.add("tls", "ok", f"{wrapped.version()}, certificate verified, ALPN {wrapped.selected_alpn_protocol()}")
    return wrapped


def _check_protocol(report: Report, sock: socket.socket, host: str, protocol: str, tls: bool) -> None:
    """Sends the opening of the configured protocol and reads what comes back: an
    HTTP/2 SETTINGS frame (gRPC) or an HTTP/1.x status line."""
    scheme = "https" if tls else "http"
    if protocol == "grpc":
        hello = HTTP2_PREFACE + HTTP2_EMPTY_SETTINGS
    else:
        hello = f"GET {HTTP_INGEST_PATH} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    try:
        sock.sendall(hello)
        answer = _read_some(sock)
    except OSError as exc:
        report.add("protocol", "warn", f"the endpoint closed the connection on the {protocol} opening: {exc}",
                   "see the test generation's result below")
        return
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    speaks_http2 = len(answer) >= 9 and answer[3] == 0x04  # a SETTINGS frame
    # An HTTP/1.x server answers the HTTP/2 preface with a status line, or (as
    # Python's http.server does for an unknown version) with a bare text page.
    speaks_http1 = answer.startswith(b"HTTP/1.") or (not speaks_http2 and _is_text(answer))
    port = sock.getpeername()[1]
    if protocol == "grpc" and speaks_http1:
        report.add("protocol", "fail", f"the endpoint answers HTTP/1.1, not gRPC (HTTP/2): "
                   f"{status_line}",
                   f"for an HTTP ingest endpoint set SIGIL_PROTOCOL=http and "
                   f"SIGIL_ENDPOINT={scheme}://{host}:{port}{HTTP_INGEST_PATH}; for gRPC point SIGIL_ENDPOINT "
                   "at the gRPC port")
    elif protocol == "http" and speaks_http2:
        report.add("protocol", "fail", "the endpoint answers HTTP/2 only (a gRPC port), not HTTP/1.1",
                   f"for a gRPC ingest endpoint set SIGIL_PROTOCOL=grpc and SIGIL_ENDPOINT={host}:{port}; for "
                   "HTTP point SIGIL_ENDPOINT at the HTTP port")
    elif (protocol == "grpc" and speaks_http2) or (protocol == "http" and speaks_http1):
        report.add("protocol", "ok", "speaks HTTP/2 (gRPC)" if protocol == "grpc" else
                   f"speaks HTTP/1.1 ({status_line})")
    else:
        report.add("protocol", "warn", f"no recognisable {protocol} answer ({len(answer)} bytes)",
                   "see the test generation's result below")


def _is_text(data: bytes) -> bool:
    head = data[:64]
    return bool(head) and all(32 <= b < 127 or b in b"\r\n\t" for b in head)


def _read_some(sock: socket.socket) -> bytes:
    sock.settimeout(CONNECT_TIMEOUT_S)
    data = b""
    while len(data) < 9:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def _probe_otlp(report: Report, signal: str, url: str, cfg: dict[str, Any], source: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    name = f"otlp {signal}"
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        report.add(name, "fail", f"cannot connect to {host}:{port} for {url}: {exc.strerror or exc}",
                   f"start the OTLP receiver there or point {source} at where it listens "
                   "(unset it to send no spans or metrics)")
        return
    with sock:
        if parts.scheme == "https":
            try:
                context = ssl.create_default_context(cafile=cfg.get("ca_file") or None)
                sock = context.wrap_socket(sock, server_hostname=host)
            except (ssl.SSLError, OSError) as exc:
                report.add(name, "fail", f"TLS to {url} failed: {exc}",
                           "set OTEL_EXPORTER_OTLP_CERTIFICATE (or SIGIL_CA_FILE) to the CA that signed it")
                return
        try:
            sock.sendall(f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = _read_some(sock)
        except OSError:
            answer = b""
    if answer.startswith(b"HTTP/1."):
        report.add(name, "ok", f"{url} speaks HTTP/1.1")
    else:
        report.add(name, "fail", f"{url} does not answer HTTP/1.1 (OTLP/HTTP)",
                   f"point {source} at an OTLP/HTTP receiver (port 4318 by convention), not OTLP/gRPC")


def _send_test_generation(report: Report, protocol: str, source: str) -> None:
    gen_id = "sigil-doctor-" + secrets.token_hex(8)
    generation = {
        "id": gen_id,
        "model": {"provider": "sigil-doctor", "name": "connectivity-check"},
        "agent_name": "sigil-doctor",
        "tags": {"sigil.doctor": "true"},
        "input": [{"role": "MESSAGE_ROLE_USER", "parts": [{"text": "sigil doctor: is this endpoint reachable?"}]}],
        "output": [{"role": "MESSAGE_ROLE_ASSISTANT", "parts": [{"text": "sigil doctor test generation"}]}],
    }
    try:
        # No spool: a test generation that does not arrive now is not delivered later.
        client = _engine.Client(spool_dir="", max_retries=0)
    except _engine.EngineError as exc:
        report.add("test generation", "fail", f"the engine refused the configuration: {exc}",
                   _fix_for_variable(str(exc)))
        return
    started = time.monotonic()
    error = ""
    try:
        client.record(generation)
        client.flush(SEND_TIMEOUT_MS)
    except _engine.EngineError as exc:
        error = f": {exc}"
    stats = client.stats()
    client.close(1000)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    log = client.warnings()
    if stats["generations_exported"] == 1:
        report.add("auth", "ok", "the server accepted the credentials")
        report.add("test generation", "ok", f"{gen_id} accepted in {elapsed_ms} ms")
        return
    refused_auth = any(AUTH_REFUSED.search(line) for line in log)
    if refused_auth:
        report.add("auth", "fail", "the server refused the credentials",
                   "set SIGIL_AUTH_MODE with SIGIL_AUTH_TENANT_ID / SIGIL_AUTH_TOKEN (or SIGIL_HEADERS) to "
                   "credentials this server accepts", log=log)
    what = ("rejected by the server" if stats["generations_rejected"] else "not delivered") + error
    hint = next((line for line in log if "SIGIL_PROTOCOL=" in line), "")
    fix = ("the protocol does not match the endpoint: " + hint.split(": ")[-1]) if hint else (
        "fix the credentials (above)" if refused_auth else
        f"check the endpoint ({source}) and the engine's messages below")
    report.add("test generation", "fail", f"{gen_id} {what}", fix, log=log)


# ---- helpers ------------------------------------------------------------------------------------

def _split_authority(authority: str, default_port: int) -> tuple[str, int]:
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = authority.rpartition(":")
    if not sep:
        return authority, default_port
    return host, int(port)


def _source_text(described: dict[str, Any], setting: str) -> str:
    src = described["sources"].get(setting, {})
    if src.get("source") == "env":
        return f"from {src['variable']}"
    if src.get("source") == "option":
        return "set in code"
    return {"endpoint": "the default; set SIGIL_ENDPOINT",
            "otlp_traces_endpoint": "the default; set OTEL_EXPORTER_OTLP_ENDPOINT",
            "otlp_metrics_endpoint": "the default; set OTEL_EXPORTER_OTLP_ENDPOINT"}.get(setting, "the default")


def _fix_for_variable(message: str) -> str:
    match = ENV_VAR.search(message)
    if not match:
        return ""
    var = match.group(1)
    expected = re.search(r"\(expected ([^)]*)\)", message)
    if expected:
        return f"set {var} to {expected.group(1)}, or unset it"
    return f"correct {var}, or unset it"


# ---- output -------------------------------------------------------------------------------------

MARKS = {"ok": "ok  ", "fail": "FAIL", "warn": "warn", "skip": "skip"}


def print_report(report: Report, out) -> None:
    if report.library:
        out.write(f"libsigil: {report.library}\n")
    described = report.config
    if described and described.get("config"):
        cfg = described["config"]
        ex = cfg["generation_export"]
        target = described.get("export_target") or {}
        src = lambda key: _source_text(described, key)  # noqa: E731
        out.write("configuration:\n")
        out.write(f"  protocol        {ex['protocol']:<40} ({src('protocol')})\n")
        out.write(f"  endpoint        {ex['endpoint']:<40} ({src('endpoint')})\n")
        if target:
            out.write(f"  tls             {'yes' if target['tls'] else 'no':<40}\n")
        headers = ", ".join(f"{k}: {v}" for k, v in ex["headers"].items()) or "none"
        out.write(f"  headers         {headers:<40} ({src('auth_mode')})\n")
        for key in ("otlp_traces_endpoint", "otlp_metrics_endpoint"):
            out.write(f"  {key.replace('_endpoint', ''):<15} {cfg[key] or 'off':<40} ({src(key)})\n")
        out.write(f"  api endpoint    {cfg['api']['endpoint']:<40} ({src('api_endpoint')})\n")
        out.write(f"  content capture {cfg['content_capture']:<40} ({src('content_capture')})\n")
    out.write("checks:\n")
    for check in report.checks:
        out.write(f"  [{MARKS[check.status]}] {check.name}: {check.detail}\n")
        if check.fix and check.status in ("fail", "warn"):
            out.write(f"         fix: {check.fix}\n")
        for line in check.log:
            out.write(f"         engine: {line}\n")
    failed = [c.name for c in report.checks if c.status == "fail"]
    out.write(f"result: {'FAILED (' + ', '.join(failed) + ')' if failed else 'ok'}\n")


__all__ = ["register", "diagnose", "Report", "Check"]
