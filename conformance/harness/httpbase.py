"""A small HTTP/1.1 server shell shared by the ingest, OTLP, rating and control servers.

Each server gets an `app` with `handle(Request) -> Reply`; this module owns the socket details:
keep-alive, Content-Length and chunked request bodies, gzip request bodies, dropping a connection
on purpose, and quiet logging.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import sys
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Protocol
from urllib.parse import unquote, urlsplit

HOST = "127.0.0.1"


@dataclass
class Request:
    method: str
    raw_path: str          # request target as sent, including the query string
    path: str              # percent-decoded path without the query
    raw_path_only: str     # path as sent, without the query
    query: str
    headers: dict[str, str]  # lowercased names; repeated headers joined with ", "
    body: bytes            # after Content-Encoding is undone
    wire_size: int         # body bytes as received
    decode_error: str | None = None

    def common_capture(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "raw_path": self.raw_path,
            "query": self.query,
            "headers": self.headers,
            "body_size": self.wire_size,
        }


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    close: bool = False                       # drop the connection without answering
    hold: Callable[[], None] | None = None    # runs before answering (scripted delay, stall)


class App(Protocol):
    def handle(self, request: Request) -> Reply: ...


def json_reply(status: int, obj: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(obj).encode("utf-8"),
    )


def scripted_reply(scripted: Any, default_status: int, hold: Any) -> Reply | None:
    """The reply a scripted response with a status or a body asks for (None when it asks neither)."""
    if scripted is None or (scripted.status is None and scripted.body is None):
        return None
    status = scripted.status if scripted.status is not None else default_status
    body = scripted.body if scripted.body is not None else f"scripted status {status}\n".encode()
    content_type = "application/json" if scripted.body_is_json else "text/plain; charset=utf-8"
    return Reply(status=status, headers={"Content-Type": content_type, **scripted.headers}, body=body, hold=hold)


def text_reply(status: int, text: str) -> Reply:
    return Reply(status=status, headers={"Content-Type": "text/plain; charset=utf-8"},
                 body=(text.rstrip("\n") + "\n").encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects
    server: "HarnessHTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if self.server.verbose:
            sys.stderr.write(f"[{self.server.name}] {format % args}\n")

    def _dispatch(self) -> None:
        wire = self._read_body()
        if wire is None:
            return
        body, decode_error = _decode_content(wire, self.headers.get("Content-Encoding", ""))
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            raw_path=self.path,
            path=unquote(split.path),
            raw_path_only=split.path,
            query=split.query,
            headers=_lower_headers(self.headers.items()),
            body=body,
            wire_size=len(wire),
            decode_error=decode_error,
        )
        try:
            reply = self.server.app.handle(request)
        except Exception as exc:  # a harness bug must show up, not hang the client
            reply = text_reply(500, f"harness error: {type(exc).__name__}: {exc}")
        if reply.hold:
            reply.hold()
        if reply.close:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    self.close_connection = True
                    return None
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)  # CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


def _lower_headers(items) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _decode_content(wire: bytes, encoding: str) -> tuple[bytes, str | None]:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return wire, None
    try:
        if encoding == "gzip":
            return gzip.decompress(wire), None
        if encoding == "deflate":
            return zlib.decompress(wire), None
    except (OSError, zlib.error, EOFError) as exc:
        return wire, f"cannot decode Content-Encoding {encoding}: {exc}"
    return wire, f"unsupported Content-Encoding {encoding}"


class HarnessHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str, app: App, verbose: bool = False,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.name = name
        self.app = app
        self.verbose = verbose
        self.ssl_context = ssl_context  # set: HTTPS, the handshake runs on the handler's thread
        self._thread: threading.Thread | None = None
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout, cancelled shutdown) is expected in
        # fault tests; anything else is still reported.
        # A refused TLS handshake (no client certificate, a client that does not trust us) is
        # what TLS tests provoke.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def finish_request(self, request, client_address) -> None:
        if isinstance(request, ssl.SSLSocket):
            request.do_handshake()
        super().finish_request(request, client_address)

    # Open connections are tracked so that stop() can end idle keep-alive connections too;
    # otherwise their handler threads would wait on the client forever.
    def process_request(self, request, client_address) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> None:
        # The listening socket exists once __init__ returns; serving starts here.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2},
            name=f"harness-{self.name}", daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and close the socket. Pair with other servers' stop() in threads to
        overlap their poll intervals."""
        if self._thread:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
