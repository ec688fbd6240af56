"""Conversation rating API: POST /api/v1/conversations/{conversation_id}/ratings with a JSON body.

The default answer is shaped like the reference API's SubmitConversationRatingResponse: a `rating`
echoing the input plus conversation_id and created_at, and a `summary` over the ratings this
harness has received for that conversation since the last reset.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from .httpbase import Reply, Request, json_reply, scripted_reply, text_reply
from .script import ScriptBook
from .store import CaptureStore

_ROUTE = re.compile(r"^/api/v1/conversations/([^/]+)/ratings$")
_GOOD = "CONVERSATION_RATING_VALUE_GOOD"
_BAD = "CONVERSATION_RATING_VALUE_BAD"
_ZERO_TIME = "0001-01-01T00:00:00Z"
_ECHOED = ("rating_id", "generation_id", "rating", "comment", "metadata", "rater_id", "source")


class RatingsApp:
    def __init__(self, store: CaptureStore, scripts: ScriptBook) -> None:
        self._store = store
        self._scripts = scripts

    def handle(self, req: Request) -> Reply:
        # Match on the path as sent so that an escaped "/" (%2F) stays inside the id.
        match = _ROUTE.match(req.raw_path_only)
        if match is None or req.method != "POST":
            self._store.add("unmatched", {"server": "api", **req.common_capture()})
            return text_reply(404 if match is None else 405, f"no route for {req.method} {req.path}")

        scripted = self._scripts.pop("api")
        hold = lambda: self._scripts.hold("api", scripted)  # noqa: E731
        conversation_id = unquote(match.group(1))
        text = req.body.decode("utf-8", errors="replace")
        capture: dict[str, Any] = {
            **req.common_capture(),
            "conversation_id": conversation_id,
            "body": text,
            "json": None,
            "error": req.decode_error,
        }
        if capture["error"] is None:
            try:
                capture["json"] = json.loads(req.body)
                if not isinstance(capture["json"], dict):
                    capture["error"] = "body is not a JSON object"
            except ValueError as exc:
                capture["error"] = f"invalid JSON: {exc}"

        if scripted and scripted.close:
            self._store.add("ratings", {**capture, "response": {"closed": True, "scripted": True}})
            return Reply(close=True, hold=hold)

        reply = scripted_reply(scripted, 200, hold)
        if reply is None and capture["error"] is not None:
            reply = text_reply(400, capture["error"])
            reply.hold = hold
        elif reply is None:
            reply = json_reply(200, self._answer(conversation_id, capture["json"]),
                               scripted.headers if scripted else None)
            reply.hold = hold
        self._store.add("ratings", {
            **capture, "response": {"status": reply.status, "scripted": scripted is not None},
        })
        return reply

    def _answer(self, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(timezone.utc)
        rating = {key: body[key] for key in _ECHOED if body.get(key) not in (None, "", {})}
        rating.update(conversation_id=conversation_id, created_at=_rfc3339(now))

        # (time, value) of the earlier accepted ratings of this conversation, then this one.
        history = [
            (datetime.fromtimestamp(c["time"], timezone.utc), c["json"].get("rating"))
            for c in self._store.get("ratings")
            if c["conversation_id"] == conversation_id and c["json"] is not None
            and 200 <= c["response"].get("status", 0) < 300
        ] + [(now, body.get("rating"))]
        bad_times = [t for t, value in history if value == _BAD]
        return {
            "rating": rating,
            "summary": {
                "total_count": len(history),
                "good_count": sum(1 for _, value in history if value == _GOOD),
                "bad_count": len(bad_times),
                "latest_rating": body.get("rating", ""),
                "latest_rated_at": _rfc3339(now),
                "latest_bad_at": _rfc3339(bad_times[-1]) if bad_times else _ZERO_TIME,
                "has_bad_rating": bool(bad_times),
            },
        }


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
