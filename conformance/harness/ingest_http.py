"""HTTP generation ingest: POST /api/v1/generations:export with a protojson body.

Answers like the reference Sigil API: a protojson ExportGenerationsResponse with proto field names.
The reference answers 202 Accepted; DEFAULT_STATUS follows it and a script can choose another.
"""

from __future__ import annotations

from google.protobuf import json_format

from .httpbase import Reply, Request, text_reply
from .ingest import build_response, generations_view, to_dict
from .script import ScriptBook
from .store import CaptureStore

EXPORT_PATH = "/api/v1/generations:export"
DEFAULT_STATUS = 202


class HTTPIngestApp:
    def __init__(self, pb2, store: CaptureStore, scripts: ScriptBook) -> None:
        self._pb2 = pb2
        self._store = store
        self._scripts = scripts

    def handle(self, req: Request) -> Reply:
        if req.path != EXPORT_PATH or req.method != "POST":
            self._store.add("unmatched", {"server": "http", **req.common_capture()})
            if req.path == EXPORT_PATH:
                return text_reply(405, "method not allowed")
            return text_reply(404, f"no route for {req.method} {req.path}")

        # Every request to the route consumes one scripted entry, in arrival order. A scripted
        # status, body or close decides the answer; without one a malformed body gets 400.
        scripted = self._scripts.pop("http")
        hold = lambda: self._scripts.hold("http", scripted)  # noqa: E731
        capture = {**req.common_capture(), "body": req.body.decode("utf-8", errors="replace"),
                   "request": None, "generations": [], "error": None}

        request = self._pb2.ExportGenerationsRequest()
        error = req.decode_error
        if error is None:
            try:
                json_format.Parse(req.body, request, ignore_unknown_fields=False)
            except Exception as exc:  # ParseError, bad UTF-8, bad JSON: all the client's doing
                error = f"{type(exc).__name__}: {exc}"
        if error is None:
            capture.update(request=to_dict(request), generations=generations_view(request))
        else:
            capture["error"] = error
        was_scripted = scripted is not None

        if scripted and scripted.close:
            self._store.add("http_exports", {**capture, "response": {"closed": True, "scripted": True}})
            return Reply(close=True, hold=hold)

        headers = dict(scripted.headers) if scripted else {}
        if scripted and scripted.status is not None:
            status = scripted.status
        else:
            status = DEFAULT_STATUS if error is None else 400
        if scripted and scripted.body is not None:
            body = scripted.body
            headers.setdefault("Content-Type", "application/json" if scripted.body_is_json
                               else "text/plain; charset=utf-8")
        elif error is not None:
            body = (error + "\n").encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif 200 <= status < 300:
            response = build_response(self._pb2, request, scripted)
            body = json_format.MessageToJson(
                response, preserving_proto_field_name=True, indent=None
            ).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = f"scripted status {status}\n".encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")

        self._store.add("http_exports", {
            **capture, "response": {"status": status, "scripted": was_scripted},
        })
        return Reply(status=status, headers=headers, body=body, hold=hold)
