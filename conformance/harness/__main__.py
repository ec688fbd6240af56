"""python3 -m harness serve [--ports-file PATH] [--print] [--verbose]
python3 -m harness codegen      (generate the sigil.v1 modules and print their directory)"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from . import codegen
from .harness import Harness


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)  # a poller sees either no file or the whole file


def serve(args: argparse.Namespace) -> int:
    ports_file = Path(args.ports_file) if args.ports_file else None
    if ports_file:
        ports_file.parent.mkdir(parents=True, exist_ok=True)
        ports_file.unlink(missing_ok=True)  # never leave a stale file for the poller

    harness = Harness(print_to=sys.stdout if args.print else None, verbose=args.verbose)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: harness.request_shutdown())
    harness.start()
    content = json.dumps(harness.ports)
    try:
        if ports_file:
            _write_atomically(ports_file, content + "\n")
        print(f"harness: listening on 127.0.0.1 {content}", file=sys.stderr, flush=True)
        harness.wait_for_shutdown_request()
    finally:
        harness.close()
        if ports_file and ports_file.exists() and ports_file.read_text().strip() == content:
            ports_file.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="start all capture servers and the control API")
    p_serve.add_argument("--ports-file", help="write the ports JSON here once everything listens")
    p_serve.add_argument("--print", action="store_true",
                         help="print each received generation, span and metric to stdout")
    p_serve.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    sub.add_parser("codegen", help="generate the sigil.v1 Python modules; print their directory")
    args = parser.parse_args(argv)

    if args.command == "serve":
        return serve(args)
    print(codegen.ensure_generated())
    return 0


if __name__ == "__main__":
    sys.exit(main())
