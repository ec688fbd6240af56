"""Scenario files: loading, shape checks, and ${variable} substitution.

The format is described in conformance/README.md ("Scenarios").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSPORTS = ("grpc", "http", "none")
TOP_KEYS = {"name", "description", "reference", "transports", "client", "steps", "expect"}
CLIENT_KEYS = {"config", "env", "expect_error", "expect_message"}
RUNNER_STEP_KEYS = {"expect_error", "expect_message", "expect_reply", "save", "note"}
HARNESS_STEPS = {
    "script": {"target", "responses"},
    "expect_count": {"what", "count", "timeout_ms"},
}
EXPECT_KEYS = {"generations", "export_requests", "spans", "ratings", "metrics", "unlinked_generations"}
COLLECTION_KEYS = {"count", "items"}
ITEM_KEYS = {"where", "match", "note"}
METRIC_KEYS = {"present", "absent"}

_VAR = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")

# Provider JSON fixtures (conformance/fixtures/providers), named in steps as
# {"$fixture": "<api>/<file>"} (the file's text) or {"$fixture_lines": "<api>/<file>.jsonl"}
# (its non-empty lines, one stream event each).
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "providers"
FIXTURE_MARKERS = ("$fixture", "$fixture_lines")


class ScenarioError(Exception):
    pass


@dataclass
class Scenario:
    name: str
    description: str
    transports: list[str]
    client: dict[str, Any]
    steps: list[dict[str, Any]]
    expect: dict[str, Any]
    path: Path


def load_all(directory: Path) -> list[Scenario]:
    scenarios = [load(p) for p in sorted(directory.glob("*.json"))]
    names = [s.name for s in scenarios]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ScenarioError(f"duplicate scenario names: {sorted(dupes)}")
    return scenarios


def load(path: Path) -> Scenario:
    try:
        raw = json.loads(path.read_text())
    except ValueError as exc:
        raise ScenarioError(f"{path}: not JSON: {exc}") from exc
    where = path.name

    def need(cond: bool, msg: str) -> None:
        if not cond:
            raise ScenarioError(f"{where}: {msg}")

    need(isinstance(raw, dict), "a scenario is a JSON object")
    unknown = set(raw) - TOP_KEYS
    need(not unknown, f"unknown keys {sorted(unknown)}")
    for key in ("name", "description", "transports", "steps"):
        need(key in raw, f"missing {key!r}")
    need(raw["name"] == path.stem, f"name {raw['name']!r} must equal the file name {path.stem!r}")
    transports = raw["transports"]
    need(isinstance(transports, list) and transports and all(t in TRANSPORTS for t in transports),
         f"transports must be a non-empty list of {TRANSPORTS}")
    client = raw.get("client", {})
    need(isinstance(client, dict) and not set(client) - CLIENT_KEYS, f"client takes only {sorted(CLIENT_KEYS)}")
    need(client.get("config", {}) is None or isinstance(client.get("config", {}), dict),
         "client.config must be an object, or null for environment-only configuration")
    for i, step in enumerate(raw["steps"]):
        need(isinstance(step, dict), f"steps[{i}] must be an object")
        if "harness" in step:
            kind = step["harness"]
            need(kind in HARNESS_STEPS, f"steps[{i}]: unknown harness step {kind!r}")
            extra = set(step) - HARNESS_STEPS[kind] - {"harness", "note"}
            need(not extra, f"steps[{i}]: unknown keys {sorted(extra)}")
        else:
            need(isinstance(step.get("op"), str), f"steps[{i}] needs \"op\" (a driver op) or \"harness\"")
            need(step["op"] not in ("hello", "client.new"), f"steps[{i}]: {step['op']} is sent by the runner")
            for ref in fixture_refs(step):
                need((FIXTURES_DIR / ref).is_file(), f"steps[{i}]: no fixture {ref!r} in {FIXTURES_DIR}")
    expect = raw.get("expect", {})
    need(isinstance(expect, dict) and not set(expect) - EXPECT_KEYS, f"expect takes only {sorted(EXPECT_KEYS)}")
    for what in ("generations", "export_requests", "spans", "ratings"):
        if what in expect:
            block = expect[what]
            need(isinstance(block, dict) and not set(block) - COLLECTION_KEYS,
                 f"expect.{what} takes only {sorted(COLLECTION_KEYS)}")
            for j, item in enumerate(block.get("items", [])):
                need(isinstance(item, dict) and not set(item) - ITEM_KEYS,
                     f"expect.{what}.items[{j}] takes only {sorted(ITEM_KEYS)}")
    if "metrics" in expect:
        need(not set(expect["metrics"]) - METRIC_KEYS, f"expect.metrics takes only {sorted(METRIC_KEYS)}")
    return Scenario(name=raw["name"], description=raw["description"], transports=transports, client=client,
                    steps=raw["steps"], expect=expect, path=path)


def substitute(value: Any, variables: dict[str, str]) -> Any:
    """Replaces ${name} in every string (keys included) with variables[name]."""
    if isinstance(value, str):
        def repl(m: re.Match) -> str:
            if m.group(1) not in variables:
                raise ScenarioError(f"unknown variable ${{{m.group(1)}}} (known: {', '.join(sorted(variables))})")
            return variables[m.group(1)]
        return _VAR.sub(repl, value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {substitute(k, variables): substitute(v, variables) for k, v in value.items()}
    return value


def _fixture_marker(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in FIXTURE_MARKERS:
        return next(iter(value))
    return None


def fixture_refs(value: Any) -> list[str]:
    """The fixture paths a step names."""
    marker = _fixture_marker(value)
    if marker:
        return [value[marker]]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [ref for child in children for ref in fixture_refs(child)]


def expand_fixtures(value: Any, directory: Path = FIXTURES_DIR) -> Any:
    """Replaces each fixture marker with the file's text, or its non-empty lines. Runs after ${variable}
    substitution, so provider JSON reaches the driver byte for byte."""
    marker = _fixture_marker(value)
    if marker:
        path = directory / value[marker]
        if not path.is_file():
            raise ScenarioError(f"no fixture {value[marker]!r} in {directory}")
        text = path.read_text(encoding="utf-8")
        if marker == "$fixture":
            return text
        return [line for line in text.splitlines() if line.strip()]
    if isinstance(value, list):
        return [expand_fixtures(v, directory) for v in value]
    if isinstance(value, dict):
        return {k: expand_fixtures(v, directory) for k, v in value.items()}
    return value


_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def save_variable(variables: dict[str, str], name: str, value: Any) -> None:
    """Stores a reply value; a traceparent also gives name.trace_id, name.span_id and name.flags."""
    variables[name] = value if isinstance(value, str) else json.dumps(value)
    m = _TRACEPARENT.match(variables[name])
    if m:
        variables[f"{name}.trace_id"], variables[f"{name}.span_id"], variables[f"{name}.flags"] = m.group(2, 3, 4)
