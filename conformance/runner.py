#!/usr/bin/env python3
"""Cross-language conformance runner.

    python3 conformance/runner.py [--lang c,python] [--scenario NAME[,NAME]] [--transport grpc,http]
                                  [--build-dir build] [--verbose] [--list]

Starts the capture harness in this process, then runs every scenario (conformance/scenarios/*.json)
over each of its transports with every language's driver (conformance/drivers/<lang>/driver.json),
one driver process per run. Prints one line per run ("PASS c sync_roundtrip/grpc"), the failures'
details indented below it, and finally "N passed, M failed" (", K skipped" when some were).
Runs of one scenario must put identical data on the wire once ids and times are masked, across
languages and transports; a difference fails the later run with a unified diff.
Exit status: 0 when nothing failed, 1 on failures, 2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from suite import identity  # noqa: E402
from suite.drivers import DriverSpec, discover  # noqa: E402
from suite.execute import RunResult, run_one  # noqa: E402
from suite.scenarios import Scenario, ScenarioError, load_all  # noqa: E402


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", help="comma-separated languages (default: every driver found)")
    ap.add_argument("--scenario", help="comma-separated scenario names (default: all)")
    ap.add_argument("--transport", help="comma-separated transports to run (default: each scenario's own)")
    ap.add_argument("--build-dir", default="build", help="CMake build directory (default: build)")
    ap.add_argument("--drivers-dir", default=str(HERE / "drivers"), help=argparse.SUPPRESS)
    ap.add_argument("--scenarios-dir", default=str(HERE / "scenarios"), help=argparse.SUPPRESS)
    ap.add_argument("--verbose", "-v", action="store_true", help="print timings and harness traffic")
    ap.add_argument("--list", action="store_true", help="list scenarios and drivers, then exit")
    return ap.parse_args(argv)


def order_languages(names: list[str]) -> list[str]:
    """C first: it is the engine's own surface, so it is the reference in identity diffs."""
    return sorted(names, key=lambda n: (n != "c", n))


def print_run(result: RunResult, verbose: bool) -> None:
    tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[result.status]
    timing = f" ({result.seconds:.2f}s)" if verbose else ""
    print(f"{tag} {result.language} {result.label}{timing}", flush=True)
    for line in result.problems + result.details:
        print(f"    {line}", flush=True)


def check_identity(results: list[RunResult]) -> None:
    """Compares every passing run of one scenario with the first passing run (the reference)."""
    passing = [r for r in results if r.status == "pass" and r.normalized is not None]
    if len(passing) < 2:
        return
    ref = passing[0]
    for other in passing[1:]:
        lines = identity.diff(ref.run_name, ref.normalized, other.run_name, other.normalized)
        if lines:
            other.fail(f"wire data differs from {ref.run_name} (masked ids and times; '-' {ref.run_name}, "
                       f"'+' {other.run_name}):")
            other.details.extend(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    build_dir = Path(args.build_dir)
    if not build_dir.is_absolute():
        build_dir = (Path.cwd() / build_dir).resolve()
    try:
        scenarios = load_all(Path(args.scenarios_dir))
        drivers = discover(Path(args.drivers_dir))
    except (ScenarioError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.list:
        for s in scenarios:
            print(f"{s.name:28} {','.join(s.transports):10} {s.description}")
        for lang, spec in drivers.items():
            print(f"driver {lang}: {' '.join(spec.command)}")
        return 0

    wanted_langs = _csv(args.lang)
    wanted_scenarios = _csv(args.scenario)
    wanted_transports = _csv(args.transport)
    unknown = sorted(set(wanted_langs or []) - set(drivers))
    if unknown:
        print(f"error: no driver for {unknown}; drivers: {sorted(drivers)}", file=sys.stderr)
        return 2
    if wanted_scenarios:
        missing = sorted(set(wanted_scenarios) - {s.name for s in scenarios})
        if missing:
            print(f"error: unknown scenarios {missing}", file=sys.stderr)
            return 2
        scenarios = [s for s in scenarios if s.name in wanted_scenarios]

    plan: list[tuple[Scenario, list[str]]] = []
    for s in scenarios:
        transports = [t for t in s.transports if wanted_transports is None or t in wanted_transports]
        if transports:
            plan.append((s, transports))
    runs_per_language = sum(len(t) for _, t in plan)

    passed = failed = skipped = 0
    languages: list[DriverSpec] = []
    for lang in order_languages(wanted_langs or list(drivers)):
        reason = drivers[lang].unavailable_reason(REPO, build_dir)
        if reason is None:
            languages.append(drivers[lang])
        elif wanted_langs:  # asked for by name: a missing driver is a failure
            print(f"FAIL {lang} (driver not available: {reason})", flush=True)
            failed += 1
        else:
            print(f"SKIP {lang} (driver not available: {reason}; {runs_per_language} runs)", flush=True)
            skipped += runs_per_language
    if not languages and not failed:
        print("error: no driver available", file=sys.stderr)
        return 2

    from harness import Harness  # after sys.path; imports grpc/protobuf

    started = time.monotonic()
    with Harness(gen_dir=build_dir / "harness-gen", print_to=sys.stdout if args.verbose else None) as h:
        for scenario, transports in plan:
            results = [run_one(h, spec, scenario, transport, REPO, build_dir)
                       for transport in transports for spec in languages]
            check_identity(results)
            for r in results:
                print_run(r, args.verbose)
                passed += r.status == "pass"
                failed += r.status == "fail"
                skipped += r.status == "skip"
    if args.verbose:
        print(f"({time.monotonic() - started:.1f}s)")
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
