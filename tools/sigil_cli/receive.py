"""`sigil receive` (alias `sigil dev`): a local receiver with a web page.

Listens where the library's defaults point, so a program with no configuration at all sends here:
gRPC generation ingest on 4317, HTTP JSON ingest + ratings API + the web page on 8080, OTLP/HTTP
traces and metrics on 4318. Everything received is stored in SQLite and printed, one line per item.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from . import _wire
from ._ingest import Ingest
from ._store import Store, default_db_path

__all__ = ["register", "Receiver", "DEFAULT_PORTS"]

DEFAULT_PORTS = {"grpc": 4317, "http": 8080, "otlp": 4318}
GRPC_METHOD = "/sigil.v1.GenerationIngestService/ExportGenerations"
EXPORT_PATH = "/api/v1/generations:export"
_RATINGS = re.compile(r"^/api/v1/conversations/([^/]+)/ratings$")
_CONVERSATION = re.compile(r"^/api/local/conversations/([^/]+)$")
_WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web")
_WEB_FILES = {"/": ("index.html", "text/html; charset=utf-8"),
              "/app.js": ("app.js", "text/javascript; charset=utf-8"),
              "/style.css": ("style.css", "text/css; charset=utf-8")}
_MAX_BODY = 64 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    for name in ("receive", "dev"):
        p = subparsers.add_parser(
            name, help="run a local receiver with a web page" + (" (alias of receive)" if name == "dev" else ""),
            description="Receive generations (gRPC and HTTP), spans and metrics (OTLP/HTTP) on loopback, store "
            "them in SQLite and show them on a web page. The default ports are where the library's defaults point.")
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--grpc-port", type=int, default=_env_port("grpc"),
                       help="gRPC generation ingest (default 4317; env SIGIL_RECEIVE_GRPC_PORT)")
        p.add_argument("--http-port", type=int, default=_env_port("http"),
                       help="HTTP ingest, ratings API and web page (default 8080; env SIGIL_RECEIVE_HTTP_PORT)")
        p.add_argument("--otlp-port", type=int, default=_env_port("otlp"),
                       help="OTLP/HTTP traces and metrics (default 4318; env SIGIL_RECEIVE_OTLP_PORT)")
        p.add_argument("--no-grpc", action="store_true", help="do not start the gRPC ingest")
        p.add_argument("--db", default=os.environ.get("SIGIL_RECEIVE_DB") or default_db_path(),
                       help=f"SQLite database (default {default_db_path()}; ':memory:' keeps nothing)")
        p.add_argument("--quiet", action="store_true", help="do not print a line per received item")
        p.set_defaults(func=run)


def _env_port(kind: str) -> int:
    raw = os.environ.get(f"SIGIL_RECEIVE_{kind.upper()}_PORT", "")
    try:
        return int(raw) if raw.strip() else DEFAULT_PORTS[kind]
    except ValueError:
        print(f"sigil receive: ignoring SIGIL_RECEIVE_{kind.upper()}_PORT={raw!r} (not a port number)",
              file=sys.stderr)
        return DEFAULT_PORTS[kind]


def ports_free(host: str, ports: tuple[int, ...]) -> bool:
    """Whether every port can be bound on host now (before starting on the default ports)."""
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


class _Reply:
    def __init__(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8") -> None:
        self.status, self.body, self.content_type = status, body, content_type


def _text(status: int, message: str) -> _Reply:
    return _Reply(status, (message + "\n").encode("utf-8"))


def _json(status: int, value: Any) -> _Reply:
    return _Reply(status, json.dumps(value, separators=(",", ":")).encode("utf-8"), "application/json")


def _make_handler(route: Callable[[str, str, dict[str, str], bytes], _Reply]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "sigil-receive"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                body = b"".join(chunks)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                if length > _MAX_BODY:
                    raise ValueError(f"body of {length} bytes is over the {_MAX_BODY} byte limit")
                body = self.rfile.read(length) if length else b""
            encoding = self.headers.get("Content-Encoding", "").lower()
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding not in ("", "identity"):
                raise ValueError(f"unsupported Content-Encoding {encoding}")
            return body

        def _serve(self, method: str) -> None:
            try:
                body = self._body() if method == "POST" else b""
                reply = route(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            except (ValueError, OSError, EOFError, zlib.error) as exc:
                reply = _text(400, f"cannot read the request body: {exc}")
                self.close_connection = True
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            if method == "GET":
                self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(reply.body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._serve("PUT")

        def do_DELETE(self) -> None:  # noqa: N802
            self._serve("DELETE")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Receiver:
    """The three listeners over one store. Ports may be 0 (any free port); `ports` has the real ones."""

    def __init__(self, store: Store, host: str = "127.0.0.1", grpc_port: int | None = DEFAULT_PORTS["grpc"],
                 http_port: int = DEFAULT_PORTS["http"], otlp_port: int = DEFAULT_PORTS["otlp"],
                 say: Callable[[str], None] = print) -> None:
        self.store = store
        self.host = host
        self.ingest = Ingest(store, say)
        self.ports: dict[str, int] = {}
        self.grpc_note = ""
        self._servers: list[_Server] = []
        self._grpc = None
        self._start_http("http", http_port, self._route_api)
        self._start_http("otlp", otlp_port, self._route_otlp)
        if grpc_port is not None:
            self._start_grpc(grpc_port)
        else:
            self.grpc_note = "gRPC ingest off (--no-grpc)"

    # -- listeners ------------------------------------------------------------------------

    def _start_http(self, kind: str, port: int, route: Callable) -> None:
        try:
            server = _Server((self.host, port), _make_handler(route))
        except OSError as exc:
            self.close()
            raise OSError(f"cannot listen on {self.host}:{port} for {kind} ({exc.strerror or exc}); another "
                          f"receiver may be running, or pick another port with --{kind}-port") from None
        self._servers.append(server)
        self.ports[kind] = server.server_address[1]
        threading.Thread(target=server.serve_forever, name=f"sigil-receive-{kind}", daemon=True).start()

    def _start_grpc(self, port: int) -> None:
        try:
            import grpc
        except ImportError:
            self.grpc_note = ("gRPC ingest OFF: the grpcio package is not installed (pip install grpcio); "
                              "HTTP ingest and OTLP are on. Programs on the default gRPC endpoint need it, or "
                              "SIGIL_PROTOCOL=http SIGIL_ENDPOINT=" + self.http_url)
            return
        from concurrent import futures

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="sigil-receive-grpc"),
                             options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", _MAX_BODY)])

        def export(raw: bytes, context: Any) -> bytes:
            try:
                request = _wire.decode("ExportGenerationsRequest", raw)
            except _wire.WireError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"cannot decode ExportGenerationsRequest: {exc}")
            return _wire.encode_export_response(self.ingest.export_generations(request, "grpc"))

        handler = grpc.unary_unary_rpc_method_handler(export)
        service, method = GRPC_METHOD.rsplit("/", 1)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.strip("/"),
                                                                              {method: handler}),))
        try:
            bound = server.add_insecure_port(f"{self.host}:{port}")
        except RuntimeError:
            bound = 0
        if bound == 0:
            self.close()
            raise OSError(f"cannot listen on {self.host}:{port} for grpc; another receiver may be running, or "
                          "pick another port with --grpc-port (or --no-grpc)")
        server.start()
        self._grpc = server
        self.ports["grpc"] = bound

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []
        if self._grpc is not None:
            self._grpc.stop(grace=1).wait()
            self._grpc = None

    @property
    def http_url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{self.ports.get('http')}"

    # -- routes ---------------------------------------------------------------------------

    def _route_api(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        url = urlsplit(target)
        path = url.path
        if path == EXPORT_PATH:
            if method != "POST":
                return _text(405, "method not allowed")
            try:
                request = self.ingest.decode_generations_json(body)
            except _wire.WireError as exc:
                return _text(400, str(exc))
            return _json(202, {"results": self.ingest.export_generations(request, "http")})
        match = _RATINGS.match(path)
        if match:
            if method != "POST":
                return _text(405, "method not allowed")
            try:
                rating = json.loads(body)
            except ValueError as exc:
                return _text(400, f"invalid JSON: {exc}")
            if not isinstance(rating, dict):
                return _text(400, "body is not a JSON object")
            return _json(200, self.ingest.submit_rating(unquote(match.group(1)), rating))
        if method not in ("GET", "HEAD"):
            return _text(405 if path in _WEB_FILES or path.startswith("/api/local/") else 404,
                         f"no route for {method} {path}")
        if path in _WEB_FILES:
            name, content_type = _WEB_FILES[path]
            with open(os.path.join(_WEB_DIR, name), "rb") as f:
                return _Reply(200, f.read(), content_type)
        return self._route_local(path, parse_qs(url.query))

    def _route_local(self, path: str, query: dict[str, list[str]]) -> _Reply:
        """The page's JSON API."""
        arg = lambda name: (query.get(name) or [""])[0]  # noqa: E731
        if path == "/api/local/revision":
            return _json(200, {"revision": self.store.revision, "counts": self.store.counts()})
        if path == "/api/local/conversations":
            return _json(200, {"conversations": self.store.conversations(
                agent=arg("agent"), model=arg("model"), has_error=arg("has_error") in ("1", "true")),
                "facets": self.store.facets()})
        match = _CONVERSATION.match(path)
        if match:
            conversation = self.store.conversation(unquote(match.group(1)))
            return _json(200, conversation) if conversation else _text(404, "no such conversation")
        if path == "/api/local/metrics":
            return _json(200, {"exports": self.store.metric_exports()})
        return _text(404, f"no route for GET {path}")

    def _route_otlp(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        path = urlsplit(target).path
        kinds = {"/v1/traces": ("ExportTraceServiceRequest", self.ingest.export_traces),
                 "/v1/metrics": ("ExportMetricsServiceRequest", self.ingest.export_metrics)}
        if path not in kinds:
            return _text(404, f"no route for {method} {path}")
        if method != "POST":
            return _text(405, "method not allowed")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-protobuf":
            return _text(415, f"unsupported content-type {content_type or '(none)'}: this receiver reads OTLP "
                         "protobuf (application/x-protobuf)")
        name, handle = kinds[path]
        try:
            request = _wire.decode(name, body)
        except _wire.WireError as exc:
            return _text(400, f"cannot decode {name}: {exc}")
        handle(request)
        # An empty Export*ServiceResponse: everything accepted.
        return _Reply(200, b"", "application/x-protobuf")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        store = Store(args.db)
    except Exception as exc:  # sqlite3.Error, OSError: a path we cannot use
        print(f"sigil receive: cannot open the database {args.db}: {exc}", file=sys.stderr)
        return 1
    lock = threading.Lock()

    def say(line: str) -> None:
        if not args.quiet:
            with lock:
                print(line, flush=True)

    try:
        receiver = Receiver(store, host=args.host, grpc_port=None if args.no_grpc else args.grpc_port,
                            http_port=args.http_port, otlp_port=args.otlp_port, say=say)
    except OSError as exc:
        print(f"sigil receive: {exc}", file=sys.stderr)
        return 1
    elapsed_ms = (time.monotonic() - started) * 1000
    ports = receiver.ports
    counts = store.counts()
    print(f"sigil receive: listening on {args.host} (ready in {elapsed_ms:.0f} ms)", flush=True)
    if "grpc" in ports:
        print(f"  gRPC ingest       {args.host}:{ports['grpc']}   (the library's default SIGIL_ENDPOINT)")
    else:
        print(f"  {receiver.grpc_note}")
    print(f"  HTTP ingest       {receiver.http_url}{EXPORT_PATH}   (SIGIL_PROTOCOL=http)")
    print(f"  ratings API       {receiver.http_url}/api/v1/conversations/{{id}}/ratings")
    otlp_host = receiver.http_url.rsplit(":", 1)[0]
    print(f"  OTLP/HTTP         {otlp_host}:{ports['otlp']}/v1/traces, /v1/metrics")
    print(f"  database          {args.db} ({counts['generations']} generations, {counts['spans']} spans kept)")
    print(f"  web page          {receiver.http_url}/", flush=True)
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()
        store.close()
    return 0
