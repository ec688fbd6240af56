"""`sigil send FILE.json [...]`: records generations from JSON through the engine.

A file (or `-`, standard input) holds one generation object in the ABI's JSON form
(docs/abi-json.md: the sigil.v1 Generation protojson shape), an array of them, or
{"generations": [...]} (an ExportGenerationsRequest). The engine validates, exports
with the configuration the environment resolves, and the command reports what the
server accepted. Every file is read and checked before anything is recorded, so a
malformed file stops the command with nothing half-sent.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import _engine

FLUSH_TIMEOUT_MS = 30000


class InputError(Exception):
    pass


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "send", help="record generations from JSON files through the library",
        description="Record the generations in each FILE (JSON: one generation object, an array of them, or "
        "{\"generations\": [...]}; - reads standard input) with the configuration the environment resolves "
        "(as `sigil doctor` shows), flush, and report how many the server accepted. Exit status 0 when "
        "every generation was accepted, 1 when any was refused or not delivered, 2 for unreadable input.")
    p.add_argument("files", nargs="+", metavar="FILE", help="a JSON file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    p.add_argument("--timeout", type=float, default=FLUSH_TIMEOUT_MS / 1000,
                   help="seconds to wait for the server's answers (default %(default)s)")
    p.set_defaults(func=run)


def load_records(name: str, text: str) -> list[dict[str, Any]]:
    """The generation objects in one file; InputError naming the file (and the record
    index) for anything that is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(doc, dict) and isinstance(doc.get("generations"), list):
        records = doc["generations"]
    elif isinstance(doc, list):
        records = doc
    elif isinstance(doc, dict):
        records = [doc]
    else:
        raise InputError(f"{name}: expected a generation object, an array of them or {{\"generations\": [...]}}")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise InputError(f"{name}: record {index}: a generation is a JSON object, not {type(record).__name__}")
    return records


def _read(name: str) -> str:
    try:
        if name == "-":
            return sys.stdin.read()
        with open(name, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read: {exc}") from None


def run(args: argparse.Namespace) -> int:
    try:
        batches = [(name, load_records(name, _read(name))) for name in args.files]
    except InputError as exc:
        print(f"sigil send: {exc}", file=sys.stderr)
        return 2
    try:
        client = _engine.Client()
    except _engine.EngineError as exc:
        print(f"sigil send: {exc} (`sigil doctor` says where each setting came from)", file=sys.stderr)
        return 2

    invalid: list[str] = []
    with client:
        for name, records in batches:
            for index, record in enumerate(records):
                try:
                    client.record(record)
                except _engine.EngineError as exc:
                    invalid.append(f"{name}: record {index}: {exc.status}: {exc}")
        flush_error = ""
        try:
            client.flush(int(args.timeout * 1000))
        except _engine.EngineError as exc:
            flush_error = str(exc)
        stats = client.stats()
    total = sum(len(records) for _, records in batches)
    counts = {
        "records": total,
        "invalid": len(invalid),
        "accepted": stats["generations_exported"],
        "rejected": stats["generations_rejected"],
        "spooled": stats["generations_spooled"] - stats["generations_replayed"],
        "dropped": stats["dropped_total"],
    }
    counts["failed"] = total - counts["accepted"]
    log = client.warnings()
    if args.json:
        print(json.dumps({**counts, "errors": invalid, "flush_error": flush_error, "log": log}))
    else:
        for line in invalid:
            print(f"sigil send: invalid: {line}", file=sys.stderr)
        for line in log:
            print(f"sigil send: engine: {line}", file=sys.stderr)
        if flush_error:
            print(f"sigil send: flush: {flush_error}", file=sys.stderr)
        extra = "".join(f", {counts[k]} {k}" for k in ("invalid", "rejected", "spooled", "dropped") if counts[k])
        print(f"{counts['accepted']} of {total} generations accepted{extra}")
    return 0 if counts["failed"] == 0 else 1


__all__ = ["register", "load_records"]
