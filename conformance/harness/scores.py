"""Score ingest: POST /api/v1/scores:export with a JSON ExportScoresRequest (on the API server).

Answers as the score ingest contract says (grafana/sigil docs/references/score-ingest-contract.md):
202 with one result per item, {"score_id", "accepted", "error"}; validation is per item; an unknown
field anywhere is a 400 for the whole request; a score id this harness already accepted (since the
last reset) is accepted again and the first score is kept (idempotency on score id).
"""

from __future__ import annotations

import json
from typing import Any

from .httpbase import Reply, Request, json_reply, scripted_reply, text_reply
from .script import ScriptBook
from .store import CaptureStore

PATH = "/api/v1/scores:export"

_FIELDS = {"score_id", "generation_id", "conversation_id", "trace_id", "span_id", "evaluator_id",
           "evaluator_version", "rule_id", "run_id", "score_key", "value", "passed", "explanation",
           "metadata", "created_at", "source"}
_REQUIRED = ("score_id", "generation_id", "evaluator_id", "evaluator_version", "score_key")
_VALUE_TYPES = {"number": (int, float), "bool": (bool,), "string": (str,)}


class ScoresApp:
    def __init__(self, store: CaptureStore, scripts: ScriptBook) -> None:
        self._store = store
        self._scripts = scripts

    def handle(self, req: Request) -> Reply:
        scripted = self._scripts.pop("api")
        hold = lambda: self._scripts.hold("api", scripted)  # noqa: E731
        capture: dict[str, Any] = {
            **req.common_capture(),
            "body": req.body.decode("utf-8", errors="replace"),
            "json": None,
            "error": req.decode_error,
            "results": [],
        }
        if capture["error"] is None:
            try:
                capture["json"] = json.loads(req.body)
                capture["error"] = _shape_error(capture["json"])
            except ValueError as exc:
                capture["error"] = f"invalid JSON: {exc}"

        if scripted and scripted.close:
            self._store.add("scores", {**capture, "response": {"closed": True, "scripted": True}})
            return Reply(close=True, hold=hold)
        reply = scripted_reply(scripted, 202, hold)
        if reply is None and capture["error"] is not None:
            reply = text_reply(400, "invalid request body")
            reply.hold = hold
        elif reply is None:
            capture["results"] = self._results(capture["json"]["scores"])
            reply = json_reply(202, {"results": capture["results"]}, scripted.headers if scripted else None)
            reply.hold = hold
        self._store.add("scores", {**capture, "response": {"status": reply.status, "scripted": scripted is not None}})
        return reply

    def _results(self, scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
        stored = {r["score_id"] for c in self._store.get("scores") for r in c["results"] if r["accepted"]}
        results = []
        for item in scores:
            score_id = item.get("score_id", "")
            error = _item_error(item)
            if not error and score_id in stored:
                error = ""  # idempotent: accepted, the first score is kept
            elif not error:
                stored.add(score_id)
            results.append({"score_id": score_id, "accepted": not error, "error": error})
        return results


def _shape_error(body: Any) -> str | None:
    """What makes the whole request invalid (the reference decodes with unknown fields refused)."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    if set(body) - {"scores"}:
        return f"unknown fields: {sorted(set(body) - {'scores'})}"
    scores = body.get("scores")
    if not isinstance(scores, list) or not all(isinstance(s, dict) for s in scores):
        return "scores is not an array of objects"
    for item in scores:
        unknown = set(item) - _FIELDS
        if unknown:
            return f"unknown score fields: {sorted(unknown)}"
        value = item.get("value")
        if value is not None and (not isinstance(value, dict) or set(value) - set(_VALUE_TYPES)):
            return "value must be an object of number / bool / string"
    return None


def _item_error(item: dict[str, Any]) -> str:
    for name in _REQUIRED:
        if not isinstance(item.get(name), str) or not item[name].strip():
            return f"{name} is required"
    value = item.get("value") or {}
    if len(value) != 1:
        return "value must have exactly one of number, bool, string"
    (kind, v), = value.items()
    if kind == "number" and isinstance(v, bool) or not isinstance(v, _VALUE_TYPES[kind]):
        return f"value.{kind} has the wrong type"
    return ""
