"""`sigil spool ls|replay|purge DIR`: what a spool directory holds, sending it, removing it.

The engine reads the directory (sigil_spool_inspect: segments, records per kind,
sizes, write times) and replays it (a client on that spool directory, configured by
the environment, sends what waits there as any client does when it starts); this
module only asks and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any

from . import _engine

REPLAY_TIMEOUT_S = 30.0
POLL_S = 0.05


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("spool", help="list, replay or purge a spool directory",
                              description="Inspect, replay or purge the durable spool a client writes "
                              "(sigil_options_set_spool_dir / SIGIL_SPOOL_DIR).")
    sub = p.add_subparsers(dest="spool_command", metavar="ACTION")
    sub.required = True

    ls = sub.add_parser("ls", help="segments, records per kind, sizes, oldest and newest record",
                        description="List the spool's segments: records per kind (G generations, T span "
                        "batches, M metric snapshots, A write-ahead acknowledgements), what a replay would "
                        "send, sizes and write times. Exit status 0, or 2 when DIR cannot be read.")
    ls.add_argument("dir", metavar="DIR")
    ls.add_argument("--json", action="store_true", help="print the engine's description as JSON")
    ls.set_defaults(func=run_ls)

    replay = sub.add_parser("replay", help="send what waits in the spool, with the environment's configuration",
                            description="Start a client on DIR with the configuration the environment "
                            "resolves and wait until it has replayed what waits there (or --timeout). Exit "
                            "status 0 when nothing is left, 1 when records remain, 2 when DIR cannot be read "
                            "or the configuration is invalid.")
    replay.add_argument("dir", metavar="DIR")
    replay.add_argument("--timeout", type=float, default=REPLAY_TIMEOUT_S,
                        help="seconds to wait for the replay (default %(default)s)")
    replay.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    replay.set_defaults(func=run_replay)

    purge = sub.add_parser("purge", help="delete the spool's segments (asks first unless --yes)",
                           description="Delete the spool segments in DIR, and nothing else: files the spool "
                           "did not write and segments a live client still writes are left in place. Asks for "
                           "confirmation unless --yes. Exit status 0 when removed (or nothing to remove), 1 "
                           "when not confirmed or a removal failed, 2 when DIR cannot be read.")
    purge.add_argument("dir", metavar="DIR")
    purge.add_argument("--yes", "-y", action="store_true", help="do not ask")
    purge.set_defaults(func=run_purge)


def _inspect(directory: str) -> dict[str, Any] | None:
    try:
        return _engine.inspect_spool(directory)
    except _engine.EngineError as exc:
        print(f"sigil spool: {exc}", file=sys.stderr)
        return None


def _when(unix_ms: int) -> str:
    if not unix_ms:
        return "-"
    return datetime.fromtimestamp(unix_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_ls(args: argparse.Namespace) -> int:
    doc = _inspect(args.dir)
    if doc is None:
        return 2
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{'segment':<44} {'bytes':>9} {'G':>6} {'T':>5} {'M':>5} {'A':>6} {'pending':>8}  "
          f"{'oldest':<20} {'newest':<20} notes")
    for seg in doc["segments"]:
        r = seg["records"]
        notes = ", ".join(n for n, on in (("in use", seg["in_use"]), ("torn tail", seg["torn"]),
                                          (f"{r['other']} of a newer format", r["other"])) if on)
        print(f"{os.path.basename(seg['path']):<44} {seg['bytes']:>9} {r['G']:>6} {r['T']:>5} {r['M']:>5} "
              f"{r['A']:>6} {seg['pending']:>8}  {_when(seg['oldest_unix_ms']):<20} "
              f"{_when(seg['newest_unix_ms']):<20} {notes}")
    t = doc["totals"]
    print(f"{t['segments']} segments, {t['bytes']} bytes, {t['records']} records, {t['pending']} pending "
          f"(oldest {_when(t['oldest_unix_ms'])}, newest {_when(t['newest_unix_ms'])})")
    if doc["other_files"]:
        print(f"not spool segments (left alone): {', '.join(doc['other_files'])}")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    before = _inspect(args.dir)
    if before is None:
        return 2
    try:
        client = _engine.Client(spool_dir=args.dir)
    except _engine.EngineError as exc:
        print(f"sigil spool replay: {exc} (`sigil doctor` checks the configuration)", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.timeout
    with client:
        remaining = before["totals"]["pending"]
        while remaining > 0 and time.monotonic() < deadline:
            time.sleep(POLL_S)  # polling the spool's state, not a fixed wait
            remaining = _engine.inspect_spool(args.dir)["totals"]["pending"]
        stats = client.stats()
    after = _engine.inspect_spool(args.dir)
    counts = {
        "pending_before": before["totals"]["pending"],
        "replayed": stats["generations_replayed"] + stats["spans_replayed"] + stats["metric_exports_replayed"],
        "generations_replayed": stats["generations_replayed"],
        "rejected": stats["generations_rejected"],
        "dropped": stats["dropped_total"],
        "remaining": after["totals"]["pending"],
    }
    log = client.warnings()
    if args.json:
        print(json.dumps({**counts, "log": log}))
    else:
        for line in log:
            print(f"sigil spool replay: engine: {line}", file=sys.stderr)
        print(f"{counts['replayed']} replayed ({counts['generations_replayed']} generations), "
              f"{counts['rejected']} rejected, {counts['dropped']} dropped, {counts['remaining']} remaining")
        if counts["remaining"]:
            print("records remain: the server did not take them within the timeout (see the engine's messages; "
                  "`sigil doctor` checks the endpoint), or they are spans/metrics and no OTLP endpoint is set",
                  file=sys.stderr)
    return 0 if counts["remaining"] == 0 else 1


def run_purge(args: argparse.Namespace) -> int:
    doc = _inspect(args.dir)
    if doc is None:
        return 2
    targets = [s for s in doc["segments"] if not s["in_use"]]
    busy = len(doc["segments"]) - len(targets)
    if not targets:
        print(f"nothing to purge in {args.dir}" + (f" ({busy} segments in use by a live client)" if busy else ""))
        return 0
    records = sum(s["pending"] for s in targets)
    size = sum(s["bytes"] for s in targets)
    if not args.yes:
        try:
            answer = input(f"delete {len(targets)} segments ({size} bytes, {records} records not yet delivered) "
                           f"from {args.dir}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    failed = 0
    for seg in targets:
        try:
            os.unlink(seg["path"])
        except FileNotFoundError:
            pass  # replayed and removed meanwhile
        except OSError as exc:
            failed += 1
            print(f"sigil spool purge: {seg['path']}: {exc.strerror}", file=sys.stderr)
    print(f"deleted {len(targets) - failed} segments ({records} records not yet delivered)"
          + (f"; {busy} in use left in place" if busy else "")
          + (f"; {len(doc['other_files'])} other files left in place" if doc["other_files"] else ""))
    return 0 if failed == 0 else 1


__all__ = ["register"]
