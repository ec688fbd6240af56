"""The harness as one object: all capture servers plus the control server, in this process."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from typing import Any, TextIO

from . import codegen
from .control import ControlApp
from .httpbase import HOST, HarnessHTTPServer
from .ingest_grpc import GRPCIngestServer
from .ingest_http import EXPORT_PATH, HTTPIngestApp
from .otlp import OTLPApp
from .printer import Printer
from .ratings import RatingsApp
from .scores import PATH as SCORES_PATH, ScoresApp
from .script import ScriptBook
from .store import Capture, CaptureStore
from .tls import TlsFiles


class Harness:
    """Start with `with Harness() as h:` (or start()/close()).

    h.ports   {"http", "grpc", "otlp", "api", "control"} -> port on 127.0.0.1
    h.urls    ready-made endpoints for the engine's configuration
    h.wait(kind, count, timeout) -> captures, raising TimeoutError when too few arrived
    h.script(target, responses), h.stall(target, delay_ms), h.reset(), h.captures(kind)
    h.pb2 / h.pb2_grpc are the generated sigil.v1 modules (for building requests in tests).

    With `tls` (harness.tls.TlsFiles) the ingest, OTLP and API servers speak HTTPS and gRPC over
    TLS with that certificate, and require a client certificate when it names a client CA; the
    control server stays plaintext. h.urls then give https:// endpoints.
    """

    def __init__(self, *, proto_root: Path | None = None, gen_dir: Path | None = None,
                 print_to: TextIO | None = None, verbose: bool = False, tls: TlsFiles | None = None) -> None:
        self._proto_root = proto_root
        self._gen_dir = gen_dir
        self._print_to = print_to
        self._verbose = verbose
        self.tls = tls
        self._shutdown_requested = threading.Event()
        self._http_servers: list[HarnessHTTPServer] = []
        self._grpc: GRPCIngestServer | None = None
        self.store = CaptureStore()
        self.scripts = ScriptBook()
        self.ports: dict[str, int] = {}
        self.pb2 = self.pb2_grpc = None

    # ---- lifecycle ----

    def start(self) -> "Harness":
        self.pb2, self.pb2_grpc = codegen.load(self._proto_root, self._gen_dir)
        if self._print_to is not None:
            self.store.subscribe(Printer(self._print_to))
        try:
            apps = {
                "http": HTTPIngestApp(self.pb2, self.store, self.scripts),
                "otlp": OTLPApp(self.store, self.scripts),
                "api": _ApiApp(RatingsApp(self.store, self.scripts), ScoresApp(self.store, self.scripts)),
                "control": ControlApp(self),
            }
            context = _server_context(self.tls) if self.tls is not None else None
            for name, app in apps.items():
                self._http_servers.append(
                    HarnessHTTPServer(name, app, self._verbose, None if name == "control" else context))
            self._grpc = GRPCIngestServer(self.pb2, self.store, self.scripts, tls=self.tls)
            self._grpc.start()
            for server in self._http_servers:
                server.start()
        except BaseException:
            self.close()
            raise
        self.ports = {server.name: server.port for server in self._http_servers}
        self.ports["grpc"] = self._grpc.port
        self.ports = {key: self.ports[key] for key in ("http", "grpc", "otlp", "api", "control")}
        return self

    def close(self) -> None:
        """Release held requests and waiters, then stop every server. Idempotent."""
        self.scripts.close()
        self.store.close()
        stoppers = [threading.Thread(target=s.stop) for s in self._http_servers]
        if self._grpc is not None:
            stoppers.append(threading.Thread(target=self._grpc.stop))
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        self._http_servers, self._grpc = [], None

    def __enter__(self) -> "Harness":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def request_shutdown(self) -> None:
        """Called by POST /shutdown; whoever owns the harness waits for it and closes."""
        self._shutdown_requested.set()

    def wait_for_shutdown_request(self, timeout: float | None = None) -> bool:
        return self._shutdown_requested.wait(timeout)

    # ---- endpoints ----

    @property
    def urls(self) -> dict[str, str]:
        p = self.ports
        if self.tls is not None:
            return {
                "http_export": f"https://{HOST}:{p['http']}{EXPORT_PATH}",
                "http_base": f"https://{HOST}:{p['http']}",
                "grpc": f"https://{HOST}:{p['grpc']}",
                "otlp": f"https://{HOST}:{p['otlp']}",
                "api": f"https://{HOST}:{p['api']}",
                "control": f"http://{HOST}:{p['control']}",
            }
        return {
            "http_export": f"http://{HOST}:{p['http']}{EXPORT_PATH}",
            "http_base": f"http://{HOST}:{p['http']}",
            "grpc": f"{HOST}:{p['grpc']}",
            "otlp": f"http://{HOST}:{p['otlp']}",
            "api": f"http://{HOST}:{p['api']}",
            "control": f"http://{HOST}:{p['control']}",
        }

    # ---- captures and scripting ----

    def captures(self, kind: str | None = None) -> Any:
        return self.store.snapshot() if kind is None else self.store.get(kind)

    def wait(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Capture]:
        captures, complete = self.store.wait(kind, count, timeout)
        if not complete:
            raise TimeoutError(f"waited {timeout}s for {count} {kind}, got {len(captures)}")
        return captures

    def script(self, target: str, responses: list[dict[str, Any]]) -> int:
        return self.scripts.push(target, responses)

    def stall(self, target: str, delay_ms: int) -> None:
        self.scripts.set_stall(target, delay_ms)

    def reset(self) -> None:
        """Forget captures, scripts and stalls (held requests are released)."""
        self.scripts.reset()
        self.store.reset()


def _server_context(tls: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    if tls.client_ca is not None:
        context.load_verify_locations(cafile=tls.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


class _ApiApp:
    """The Sigil API server: score ingest at its path, ratings (and their 404s) for the rest."""

    def __init__(self, ratings: RatingsApp, scores: ScoresApp) -> None:
        self._ratings = ratings
        self._scores = scores

    def handle(self, req: Any) -> Any:
        if req.raw_path_only == SCORES_PATH and req.method == "POST":
            return self._scores.handle(req)
        return self._ratings.handle(req)
