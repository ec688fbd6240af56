"""A fake LLM provider on loopback: a real HTTP server that answers the provider SDKs with the
engine's fixtures (conformance/fixtures/providers/<api>/).

Replies are set per route (a substring of the request path): a JSON body, a server-sent event
stream (OpenAI, Anthropic, Gemini), an AWS event stream (Bedrock ConverseStream, binary frames with
CRCs), an error status, or a stream cut after N events (ended cleanly, or the connection dropped
mid-body). Every request is kept (path and body) for tests to read.

    with FakeProvider() as fake:
        fake.reply("/chat/completions", Reply.sse("openai.chat/stream_text.jsonl"))
        client = openai.OpenAI(base_url=fake.url + "/v1", api_key="test", max_retries=0)
"""

from __future__ import annotations

import binascii
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

FIXTURES = Path(__file__).resolve().parents[3] / "conformance" / "fixtures" / "providers"


def fixture_text(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="utf-8")


def fixture_events(path: str) -> list[str]:
    return [line for line in fixture_text(path).splitlines() if line.strip()]


@dataclass
class Reply:
    """One answer. kind: "json" (body), "sse" (events as data payloads), "eventstream" (events as
    Bedrock one-member objects). cut_after: send only that many events; drop: then drop the
    connection without ending the body (the client sees a broken stream)."""

    kind: str = "json"
    status: int = 200
    body: bytes = b"{}"
    events: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: Optional[int] = None
    drop: bool = False

    @classmethod
    def json(cls, path: str, **kw: object) -> "Reply":
        return cls("json", body=fixture_text(path).encode(), **kw)  # type: ignore[arg-type]

    @classmethod
    def sse(cls, path: str, **kw: object) -> "Reply":
        return cls("sse", events=fixture_events(path), **kw)  # type: ignore[arg-type]

    @classmethod
    def eventstream(cls, path: str, **kw: object) -> "Reply":
        return cls("eventstream", events=fixture_events(path), **kw)  # type: ignore[arg-type]

    @classmethod
    def error(cls, status: int, body: object, headers: Optional[dict[str, str]] = None) -> "Reply":
        return cls("json", status=status, body=json.dumps(body).encode(), headers=dict(headers or {}))


# --- AWS event stream framing (application/vnd.amazon.eventstream) ----------------


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v  # 7: string


def eventstream_frame(event_type: str, payload: bytes, message_type: str = "event") -> bytes:
    """One event stream message: prelude (total and headers length, CRC32), headers, payload, CRC32."""
    if message_type == "exception":
        headers = (_header(":exception-type", event_type) + _header(":content-type", "application/json")
                   + _header(":message-type", "exception"))
    else:
        headers = (_header(":event-type", event_type) + _header(":content-type", "application/json")
                   + _header(":message-type", "event"))
    total = 4 + 4 + 4 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + payload
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


def bedrock_frame(event_json: str) -> bytes:
    """A fixture event ({"contentBlockDelta": {...}}) as its frame: the key is the event type."""
    (event_type, payload), = json.loads(event_json).items()
    kind = "exception" if event_type.endswith("Exception") else "event"
    return eventstream_frame(event_type, json.dumps(payload).encode(), kind)


def sse_frame(data: str) -> bytes:
    """One server-sent event; typed payloads (Anthropic, OpenAI Responses) also name their event."""
    name = ""
    if data.startswith("{"):
        try:
            kind = json.loads(data).get("type")
            if isinstance(kind, str):
                name = f"event: {kind}\n"
        except ValueError:
            pass
    return f"{name}data: {data}\n\n".encode()


# --- the server -----------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every reply back for tens of milliseconds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length) if length else b"")

    def _answer(self, body: bytes) -> None:
        fake = self.server.fake
        reply = fake._record(self.path, body, dict(self.headers))
        if reply is None:
            self._send_json(404, b'{"error":{"message":"no reply set for this path"}}', {})
            return
        if reply.kind == "json" or reply.status >= 400:
            self._send_json(reply.status, reply.body, reply.headers)
            return
        events = reply.events if reply.cut_after is None else reply.events[:reply.cut_after]
        if reply.kind == "eventstream":
            ctype, frames = "application/vnd.amazon.eventstream", [bedrock_frame(e) for e in events]
        else:
            ctype, frames = "text/event-stream", [sse_frame(e) for e in events]
        self.send_response(reply.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        for frame in frames:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many concurrent clients connect at once
    fake: "FakeProvider"


class FakeProvider:
    """The server; ``url`` is http://127.0.0.1:<port>. Use as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str, list[Reply]] = {}
        self.requests: list[dict] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-provider", daemon=True)

    def reply(self, route: str, reply: Reply) -> None:
        """Answers every request whose path contains `route` (the longest matching route wins)."""
        with self._lock:
            self._replies[route] = [reply]

    def replies(self, route: str, replies: list[Reply]) -> None:
        """Answers the requests on `route` with `replies` in order, the last one from then on (an agent
        loop: a tool call first, then the answer)."""
        if not replies:
            raise ValueError("replies: give at least one reply")
        with self._lock:
            self._replies[route] = list(replies)

    def clear(self) -> None:
        with self._lock:
            self._replies.clear()
            self.requests.clear()

    def _record(self, path: str, body: bytes, headers: dict) -> Optional[Reply]:
        with self._lock:
            self.requests.append({"path": path, "body": body, "headers": headers})
            matches = [r for r in self._replies if r in path]
            if not matches:
                return None
            queue = self._replies[max(matches, key=len)]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def request_bodies(self, route: str = "") -> list[dict]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.requests if route in r["path"] and r["body"]]

    def __enter__(self) -> "FakeProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def reply_from_spec(spec: str) -> Reply:
    """A reply from its command-line form: KIND[,cut=N][,drop]:FIXTURE with KIND json, sse or eventstream
    (a fixture reply, cut after N events, then the connection dropped), or error:STATUS (the provider's
    JSON error body {"error": {"message": "fake STATUS", ...}} with that status)."""
    head, _, path = spec.partition(":")
    kind, *options = head.split(",")
    if kind == "error":
        status = int(path)
        return Reply.error(status, {"error": {"message": f"fake {status}", "type": "fake_error", "code": f"fake_{status}"}})
    makers = {"json": Reply.json, "sse": Reply.sse, "eventstream": Reply.eventstream}
    if kind not in makers or not path:
        raise ValueError(f"reply {spec!r}: expected KIND[,cut=N][,drop]:FIXTURE or error:STATUS")
    kw: dict[str, object] = {}
    for option in options:
        name, _, value = option.partition("=")
        if name == "cut" and value.isdigit():
            kw["cut_after"] = int(value)
        elif name == "drop" and not value:
            kw["drop"] = True
        else:
            raise ValueError(f"reply {spec!r}: unknown option {option!r}")
    return makers[kind](path, **kw)


def main(argv: list[str]) -> None:
    """python3 fake_provider.py ROUTE=SPEC ...: serves (SPEC as reply_from_spec reads it), prints its URL
    on the first line of stdout, and stops when stdin closes (used by bench/, examples/ and the Rust
    binding's tests)."""
    import sys

    with FakeProvider() as fake:
        for arg in argv:
            route, _, spec = arg.partition("=")
            fake.reply(route, reply_from_spec(spec))
        print(fake.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
