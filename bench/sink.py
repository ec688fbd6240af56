"""Local sinks for the benchmarks: sigil.v1 gRPC and HTTP ingest, OTLP/HTTP and a control port.

Unlike the conformance harness, nothing is stored: each ingest request is decoded only as far as
needed to answer one accepted result per generation and to count it. `POST /stall?seconds=S` on
the control port holds every ingest request that arrives during the next S seconds until the stall
ends (the overload workload's backend outage).

    python3 bench/sink.py --ports-file /tmp/sink.json

The ports file ({"grpc", "http", "otlp", "control"}) is written atomically once all servers
listen and removed on exit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conformance"))
from harness import codegen  # noqa: E402  (generates the sigil.v1 modules from our .proto)

HOST = "127.0.0.1"


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.generations = 0
        self.requests = 0
        self.otlp_requests = 0
        self.stall_until = 0.0

    def add(self, generations: int) -> None:
        with self._cond:
            self.generations += generations
            self.requests += 1
            self._cond.notify_all()

    def add_otlp(self) -> None:
        with self._lock:
            self.otlp_requests += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"generations": self.generations, "requests": self.requests,
                    "otlp_requests": self.otlp_requests,
                    "stalled": max(0.0, self.stall_until - time.monotonic())}

    def reset(self) -> None:
        with self._lock:
            self.generations = self.requests = self.otlp_requests = 0
            self.stall_until = 0.0

    def stall(self, seconds: float) -> None:
        with self._lock:
            self.stall_until = time.monotonic() + seconds

    def hold_if_stalled(self) -> None:
        """A request that arrives during a stall is answered when the stall ends."""
        with self._lock:
            until = self.stall_until
        delay = until - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the outage itself: the backend is not answering

    def wait_for(self, generations: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.generations < generations:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True


def _handler_class(counters: Counters, pb2):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY the
        # second waits for the client's delayed ACK (~40 ms per request).
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # quiet
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if self.server.role == "control" and url.path == "/count":
                self._reply(200, json.dumps(counters.snapshot()).encode(), "application/json")
            elif self.server.role == "control" and url.path == "/wait":
                q = parse_qs(url.query)
                ok = counters.wait_for(int(q["generations"][0]), float(q.get("timeout", ["60"])[0]))
                body = {**counters.snapshot(), "reached": ok}
                self._reply(200, json.dumps(body).encode(), "application/json")
            else:
                self._reply(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            body = self._body()
            role = self.server.role
            if role == "http" and url.path == "/api/v1/generations:export":
                counters.hold_if_stalled()
                try:
                    request = json.loads(body)
                    ids = [g.get("id", "") for g in request.get("generations", [])]
                except (ValueError, AttributeError) as exc:
                    self._reply(400, f"bad request: {exc}".encode(), "text/plain")
                    return
                counters.add(len(ids))
                results = [{"generation_id": i, "accepted": True} for i in ids]
                self._reply(202, json.dumps({"results": results}).encode(), "application/json")
            elif role == "otlp" and url.path in ("/v1/traces", "/v1/metrics"):
                counters.add_otlp()
                self._reply(200, b"", "application/x-protobuf")
            elif role == "control" and url.path == "/stall":
                counters.stall(float(parse_qs(url.query)["seconds"][0]))
                self._reply(200, b"{}", "application/json")
            elif role == "control" and url.path == "/reset":
                counters.reset()
                self._reply(200, b"{}", "application/json")
            else:
                self._reply(404, b"not found", "text/plain")

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, role: str, handler) -> None:
        super().__init__((HOST, 0), handler)
        self.role = role


def start_grpc(counters: Counters, pb2) -> tuple[grpc.Server, int]:
    def export(raw: bytes, context):
        counters.hold_if_stalled()
        request = pb2.ExportGenerationsRequest.FromString(raw)
        response = pb2.ExportGenerationsResponse()
        for generation in request.generations:
            response.results.add(generation_id=generation.id, accepted=True)
        counters.add(len(request.generations))
        return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.so_reuseport", 0),
                                  ("grpc.max_receive_message_length", 64 << 20)])
    handler = grpc.unary_unary_rpc_method_handler(
        export, request_deserializer=None, response_serializer=lambda m: m.SerializeToString())
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "sigil.v1.GenerationIngestService", {"ExportGenerations": handler}),))
    port = server.add_insecure_port(f"{HOST}:0")
    server.start()
    return server, port


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ports-file", required=True)
    args = ap.parse_args()
    ports_file = Path(args.ports_file)
    ports_file.unlink(missing_ok=True)

    pb2, _ = codegen.load()
    counters = Counters()
    handler = _handler_class(counters, pb2)
    servers = {role: Server(role, handler) for role in ("http", "otlp", "control")}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    grpc_server, grpc_port = start_grpc(counters, pb2)

    ports = {role: server.server_address[1] for role, server in servers.items()}
    ports["grpc"] = grpc_port
    tmp = ports_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(ports))
    os.replace(tmp, ports_file)

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    grpc_server.stop(0)
    for server in servers.values():
        server.shutdown()
    ports_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
