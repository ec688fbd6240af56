"""SQLite storage of what `sigil receive` received: generations, spans, metric exports, ratings.

One connection shared by the server threads behind a lock; a file database uses WAL so a reader
never waits on a writer for long. Every write bumps a revision the web page polls.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from typing import Any

__all__ = ["Store", "DuplicateGeneration", "NO_CONVERSATION"]

# The conversation key of generations that carry no conversation id.
NO_CONVERSATION = "(none)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  agent_name TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  call_error TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  received_at REAL NOT NULL,
  transport TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS generations_conversation ON generations (conversation_id);
CREATE TABLE IF NOT EXISTS spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  conversation_id TEXT NOT NULL,
  status_code TEXT NOT NULL,
  service_name TEXT NOT NULL,
  received_at REAL NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_conversation ON spans (conversation_id);
CREATE TABLE IF NOT EXISTS metric_exports (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at REAL NOT NULL,
  metrics TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  received_at REAL NOT NULL,
  rating TEXT NOT NULL
);
"""


class DuplicateGeneration(Exception):
    pass


def default_db_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "sigil", "receive.db")


class Store:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._revision = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @property
    def revision(self) -> int:
        return self._revision

    # -- writes ---------------------------------------------------------------------------

    def add_generation(self, record: dict[str, Any], transport: str) -> None:
        """Stores one generation (already normalized); DuplicateGeneration if its id is stored."""
        usage = record.get("usage", {})
        model = record.get("model", {})
        row = (record["id"], record.get("conversation_id") or NO_CONVERSATION, record.get("agent_name", ""),
               model.get("provider", ""), model.get("name", ""), record.get("call_error", ""),
               int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)), record.get("trace_id", ""),
               record.get("started_at", ""), time.time(), transport, json.dumps(record))
        with self._lock:
            try:
                self._db.execute("INSERT INTO generations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            except sqlite3.IntegrityError:
                raise DuplicateGeneration(record["id"]) from None
            self._revision += 1

    def add_spans(self, spans: list[dict[str, Any]]) -> None:
        now = time.time()
        rows = [(s["trace_id"], s["span_id"], s["parent_span_id"], s["name"], s["start_ns"], s["end_ns"],
                 s["conversation_id"], s["status_code"], s["service_name"], now, json.dumps(s)) for s in spans]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO spans VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            self._revision += 1

    def add_metric_export(self, metrics: list[dict[str, Any]]) -> None:
        with self._lock:
            self._db.execute("INSERT INTO metric_exports (received_at, metrics) VALUES (?, ?)",
                             (time.time(), json.dumps(metrics)))
            self._revision += 1

    def add_rating(self, conversation_id: str, rating: dict[str, Any]) -> list[dict[str, Any]]:
        """Stores a rating; every rating of the conversation so far, oldest first."""
        with self._lock:
            self._db.execute("INSERT INTO ratings (conversation_id, received_at, rating) VALUES (?, ?, ?)",
                             (conversation_id, time.time(), json.dumps(rating)))
            self._revision += 1
            rows = self._db.execute("SELECT rating FROM ratings WHERE conversation_id = ? ORDER BY seq",
                                    (conversation_id,)).fetchall()
        return [json.loads(r["rating"]) for r in rows]

    # -- reads ----------------------------------------------------------------------------

    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("generations", "spans", "metric_exports", "ratings"):
            out[table] = self._query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
        return out

    def conversations(self, agent: str = "", model: str = "", has_error: bool = False) -> list[dict[str, Any]]:
        """Newest first; a filter keeps the conversations with at least one matching generation."""
        where, args = [], []
        if agent:
            where.append("agent_name = ?")
            args.append(agent)
        if model:
            where.append("model = ?")
            args.append(model)
        if has_error:
            where.append("call_error != ''")
        keep = ""
        if where:
            keep = "WHERE conversation_id IN (SELECT conversation_id FROM generations WHERE " + " AND ".join(where) + ")"
        rows = self._query(
            "SELECT conversation_id, COUNT(*) AS generations, SUM(call_error != '') AS errors, "
            "SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, "
            "GROUP_CONCAT(DISTINCT agent_name) AS agents, GROUP_CONCAT(DISTINCT model) AS models, "
            "MIN(received_at) AS first_received, MAX(received_at) AS last_received "
            f"FROM generations {keep} GROUP BY conversation_id ORDER BY last_received DESC", tuple(args))
        span_counts = {r["conversation_id"]: r["n"] for r in self._query(
            "SELECT conversation_id, COUNT(*) AS n FROM spans WHERE conversation_id != '' GROUP BY conversation_id")}
        return [{
            "id": r["conversation_id"],
            "generations": r["generations"],
            "errors": r["errors"],
            "input_tokens": r["input_tokens"],
            "output_tokens": r["output_tokens"],
            "agents": sorted(a for a in (r["agents"] or "").split(",") if a),
            "models": sorted(m for m in (r["models"] or "").split(",") if m),
            "first_received": r["first_received"],
            "last_received": r["last_received"],
            "spans": span_counts.get(r["conversation_id"], 0),
        } for r in rows]

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        generations = self._query(
            "SELECT record, transport, received_at FROM generations WHERE conversation_id = ? "
            "ORDER BY started_at, received_at", (conversation_id,))
        if not generations:
            return None
        records = []
        for row in generations:
            record = json.loads(row["record"])
            record["_transport"], record["_received_at"] = row["transport"], row["received_at"]
            records.append(record)
        traces = sorted({r["trace_id"] for r in records if r.get("trace_id")})
        marks = ",".join("?" * len(traces))
        span_sql = "SELECT record FROM spans WHERE conversation_id = ?"
        if traces:
            span_sql += f" OR trace_id IN ({marks})"
        spans = [json.loads(r["record"]) for r in self._query(span_sql + " ORDER BY start_ns",
                                                                (conversation_id, *traces))]
        ratings = [json.loads(r["rating"]) for r in self._query(
            "SELECT rating FROM ratings WHERE conversation_id = ? ORDER BY seq", (conversation_id,))]
        return {"id": conversation_id, "generations": records, "spans": spans, "ratings": ratings}

    def facets(self) -> dict[str, list[str]]:
        agents = [r["agent_name"] for r in self._query(
            "SELECT DISTINCT agent_name FROM generations WHERE agent_name != '' ORDER BY agent_name")]
        models = [r["model"] for r in self._query(
            "SELECT DISTINCT model FROM generations WHERE model != '' ORDER BY model")]
        return {"agents": agents, "models": models}

    def metric_exports(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._query("SELECT received_at, metrics FROM metric_exports ORDER BY seq DESC LIMIT ?", (limit,))
        return [{"received_at": r["received_at"], "metrics": json.loads(r["metrics"])} for r in rows]
