"""gRPC generation ingest: sigil.v1.GenerationIngestService/ExportGenerations on 127.0.0.1.

The handler takes the raw request bytes (no deserializer) so it can record their size and report a
decode failure itself instead of letting grpcio answer INTERNAL.
"""

from __future__ import annotations

from concurrent import futures

import grpc

from .httpbase import HOST
from .ingest import b64, build_response, generations_view, to_dict
from .script import ScriptBook
from .store import CaptureStore
from .tls import TlsFiles

SERVICE = "sigil.v1.GenerationIngestService"
METHOD = "ExportGenerations"
FULL_METHOD = f"/{SERVICE}/{METHOD}"


class GRPCIngestServer:
    def __init__(self, pb2, store: CaptureStore, scripts: ScriptBook, max_workers: int = 32,
                 tls: TlsFiles | None = None) -> None:
        self._pb2 = pb2
        self._store = store
        self._scripts = scripts
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="harness-grpc"),
            options=[
                ("grpc.so_reuseport", 0),  # never share the port with another process
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ],
        )
        handler = grpc.unary_unary_rpc_method_handler(
            self._export,
            request_deserializer=None,  # raw bytes
            response_serializer=lambda m: m.SerializeToString(),
        )
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {METHOD: handler}),)
        )
        if tls is None:
            self.port = self._server.add_insecure_port(f"{HOST}:0")
        else:
            credentials = grpc.ssl_server_credentials(
                [(tls.key.read_bytes(), tls.cert.read_bytes())],
                root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
                require_client_auth=tls.client_ca is not None,
            )
            self.port = self._server.add_secure_port(f"{HOST}:0", credentials)
        if not self.port:
            raise OSError(f"cannot bind gRPC ingest on {HOST}")

    def start(self) -> None:
        self._server.start()

    def stop(self, grace: float = 0.5) -> None:
        self._server.stop(grace).wait()

    def _export(self, raw: bytes, context: grpc.ServicerContext):
        scripted = self._scripts.pop("grpc")
        capture = {
            "method": FULL_METHOD,
            "metadata": _metadata_dict(context.invocation_metadata()),
            "peer": context.peer(),
            "body_size": len(raw),
            "request": None,
            "generations": [],
            "error": None,
        }
        request = self._pb2.ExportGenerationsRequest()
        try:
            request.ParseFromString(raw)
        except Exception as exc:  # DecodeError and friends
            capture["error"] = f"{type(exc).__name__}: {exc}"
        else:
            capture.update(request=to_dict(request), generations=generations_view(request))

        if scripted and scripted.code != "OK":
            code, message = scripted.code, scripted.message
        elif capture["error"]:
            code, message = "INVALID_ARGUMENT", capture["error"]
        else:
            code, message = "OK", ""
        self._store.add("grpc_exports", {
            **capture,
            "response": {"code": code, "message": message, "scripted": scripted is not None},
        })

        self._scripts.hold("grpc", scripted)
        if scripted and scripted.trailers:
            context.set_trailing_metadata(tuple(scripted.trailers.items()))
        if code != "OK":
            context.abort(grpc.StatusCode[code], message)
        return build_response(self._pb2, request, scripted)


def _metadata_dict(metadata) -> dict[str, str]:
    """Keys are lowercase on the wire already; repeated keys are joined with ", ".
    Binary (-bin) values are given base64."""
    out: dict[str, str] = {}
    for item in metadata or ():
        key, value = item.key, item.value
        if isinstance(value, bytes):
            value = b64(value)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
