"""Runs one scenario over one transport with one language's driver, and checks what arrived."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import identity
from .captured import Captured
from .drivers import PROTOCOL_VERSION, DriverError, DriverProcess, DriverSpec, Unsupported
from .matching import matches, mismatches, show
from .scenarios import RUNNER_STEP_KEYS, Scenario, ScenarioError, expand_fixtures, save_variable, substitute

# Canonical error names (conformance/README.md, "Errors"); a driver answering anything else is wrong.
ERROR_NAMES = {
    "InvalidArgument", "ValidationFailed", "QueueFull", "PayloadTooLarge", "ClientShutdown", "InvalidUTF8",
    "InvalidJSON", "InvalidConfig", "Timeout", "TransportError", "AlreadyEnded", "OutOfMemory", "InternalError",
    "ByteBudgetExceeded", "Rejected", "RatingValidationFailed", "RatingConflict", "Unsupported",
}
REPLY_BASE_KEYS = {"ok", "error", "message"}
DEFAULT_OP_TIMEOUT_S = 30.0
CAPTURE_WAIT_S = 5.0


@dataclass
class RunResult:
    language: str
    scenario: str
    transport: str
    status: str = "pass"  # pass | fail | skip
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # transcript / stderr for failures
    normalized: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return self.scenario if self.transport == "none" else f"{self.scenario}/{self.transport}"

    @property
    def run_name(self) -> str:
        return f"{self.language}/{self.transport}" if self.transport != "none" else self.language

    def fail(self, problem: str) -> None:
        self.status = "fail"
        self.problems.append(problem)


class _StepFailed(Exception):
    pass


def _export_kind(transport: str) -> str | None:
    return {"http": "http_exports", "grpc": "grpc_exports"}.get(transport)


def _capture_kind(what: str, transport: str) -> str | None:
    return {"generations": _export_kind(transport), "export_requests": _export_kind(transport),
            "spans": "otlp_traces", "metrics": "otlp_metrics", "ratings": "ratings"}[what]


def wait_for(harness, kind: str | None, predicate, timeout: float) -> bool:
    """Waits until predicate(Captured) holds, waking on each new capture of `kind`."""
    deadline = time.monotonic() + timeout
    while True:
        snapshot = harness.captures()
        if predicate(Captured(snapshot)):
            return True
        remaining = deadline - time.monotonic()
        if kind is None or remaining <= 0:
            return False
        try:
            harness.wait(kind, len(snapshot[kind]) + 1, remaining)
        except TimeoutError:
            return predicate(Captured(harness.captures()))


class ScenarioRun:
    def __init__(self, harness, spec: DriverSpec, scenario: Scenario, transport: str, repo: Path,
                 build_dir: Path) -> None:
        self.h = harness
        self.spec = spec
        self.scenario = scenario
        self.transport = transport
        self.repo = repo
        self.build_dir = build_dir
        self.result = RunResult(spec.language, scenario.name, transport)
        urls = harness.urls
        self.vars: dict[str, str] = {
            "language": spec.language,
            "sdk_name": spec.sdk_name,
            "transport": transport,
            "endpoint": {"http": urls["http_base"], "grpc": urls["grpc"]}.get(transport, ""),
            "api_endpoint": urls["api"],
            "otlp_endpoint": urls["otlp"],
        }

    # ---- driving ----

    def run(self) -> RunResult:
        start = time.monotonic()
        self.h.reset()
        driver = None
        try:
            client = self.scenario.client
            env = substitute(client.get("env", {}), self.vars)
            driver = DriverProcess(self.spec, self.repo, self.build_dir, env)
            self._drive(driver)
            status = driver.close()
            if status != 0:
                raise DriverError(f"driver exited with status {status}")
            self._check_captures()
        except Unsupported as exc:
            if self.result.status == "pass":  # a failure before the unsupported op still counts
                self.result.status = "skip"
            self.result.problems.append(f"unsupported by this driver: {exc}")
        except (DriverError, ScenarioError, _StepFailed) as exc:
            self.result.fail(str(exc))
            if driver is not None and not isinstance(exc, _StepFailed):
                self._attach_driver_output(driver)
        finally:
            if driver is not None:
                self._stop(driver)
        self.result.seconds = time.monotonic() - start
        return self.result

    @staticmethod
    def _stop(driver: DriverProcess) -> None:
        """An aborted run still ends its driver gracefully (end of input, so the client shuts down
        and delivers now), so that nothing it sends can arrive during the next run."""
        if driver.running():
            try:
                driver.close(timeout=10.0)
            except DriverError:
                pass
        driver.kill()

    def _attach_driver_output(self, driver: DriverProcess) -> None:
        if driver.transcript:
            self.result.details.append("last protocol lines:")
            self.result.details.extend("  " + line[:300] for line in driver.transcript[-8:])
        if driver.stderr_tail:
            self.result.details.append("driver stderr:")
            self.result.details.extend("  " + line for line in list(driver.stderr_tail)[-20:])

    def _drive(self, driver: DriverProcess) -> None:
        hello = driver.request({"op": "hello"}, DEFAULT_OP_TIMEOUT_S)
        if hello.get("protocol") != PROTOCOL_VERSION:
            raise DriverError(f"driver speaks protocol {hello.get('protocol')!r}, the runner {PROTOCOL_VERSION}")
        config = self.scenario.client.get("config", {})
        if config is not None:
            base = {"protocol": self.transport, "api_endpoint": "${api_endpoint}", "otlp_endpoint": "${otlp_endpoint}"}
            if self.transport != "none":
                base["endpoint"] = "${endpoint}"
            config = {**base, **config}
        new_client = {"op": "client.new", "config": config,
                      **{k: v for k, v in self.scenario.client.items() if k.startswith("expect_")}}
        self._op(driver, substitute(new_client, self.vars), "client.new")
        steps = list(self.scenario.steps)
        client_created = self.scenario.client.get("expect_error") is None
        if client_created and not any(s.get("op") == "client.shutdown" for s in steps):
            steps.append({"op": "client.shutdown"})
        for i, raw in enumerate(steps):
            step = expand_fixtures(substitute(raw, self.vars))
            where = f"step {i + 1} ({step.get('op') or 'harness ' + step.get('harness', '?')})"
            if "harness" in step:
                self._harness_step(step, where)
            else:
                self._op(driver, step, where)

    def _op(self, driver: DriverProcess, step: dict[str, Any], where: str) -> dict[str, Any]:
        message = {k: v for k, v in step.items() if k not in RUNNER_STEP_KEYS}
        timeout = DEFAULT_OP_TIMEOUT_S
        if message["op"] in ("client.flush", "client.shutdown"):
            timeout = message.get("timeout_ms", 5000) / 1000.0 + 10.0
        reply = driver.request(message, timeout)
        error = reply.get("error")
        if error is not None and error not in ERROR_NAMES:
            raise DriverError(f"{where}: the driver answered error {error!r}, which is not a canonical error name")
        expected = step.get("expect_error")
        allowed = expected if isinstance(expected, list) else [expected]
        # A wrong answer is reported and the scenario goes on, so one run shows every problem.
        if error not in allowed:
            want = " or ".join("no error" if a is None else a for a in allowed)
            got = "no error" if error is None else f"{error} ({reply.get('message')})"
            self.result.fail(f"{where}: expected {want}, got {got}")
        if "expect_message" in step:
            for problem in mismatches(step["expect_message"], reply.get("message"), "message"):
                self.result.fail(f"{where}: {problem}")
        if "expect_reply" in step:
            payload = {k: v for k, v in reply.items() if k not in REPLY_BASE_KEYS}
            for problem in mismatches(step["expect_reply"], payload, "reply"):
                self.result.fail(f"{where}: {problem}")
        for name, key in step.get("save", {}).items():
            if reply.get(key) is None:
                raise _StepFailed(f"{where}: cannot save {name!r}: the reply has no {key!r}")
            save_variable(self.vars, name, reply[key])
        return reply

    def _harness_step(self, step: dict[str, Any], where: str) -> None:
        if step["harness"] == "script":
            target, responses = step["target"], step["responses"]
            if target == "export":
                if self.transport == "none":
                    raise ScenarioError(f"{where}: target 'export' needs an export transport")
                target = self.transport
                if isinstance(responses, dict):  # HTTP statuses and gRPC codes differ: one list each
                    responses = responses[target]
            self.h.script(target, responses)
        elif step["harness"] == "expect_count":
            what, count = step["what"], step["count"]
            timeout = step.get("timeout_ms", CAPTURE_WAIT_S * 1000) / 1000.0
            if count > 0:
                wait_for(self.h, _capture_kind(what, self.transport), lambda c: c.count(what) >= count, timeout)
            got = Captured(self.h.captures()).count(what)
            if got != count:
                self.result.fail(f"{where}: expected {count} {what} captured at this point, got {got}")

    # ---- checking ----

    def _check_captures(self) -> None:
        expect = substitute(self.scenario.expect, self.vars)
        # Everything was delivered before shutdown returned; waiting only guards against a slow
        # receiver thread, and never delays a passing run.
        for what in ("generations", "export_requests", "spans", "ratings"):
            count = expect.get(what, {}).get("count")
            if count:
                wait_for(self.h, _capture_kind(what, self.transport), lambda c: c.count(what) >= count,
                         CAPTURE_WAIT_S)
        present = expect.get("metrics", {}).get("present", [])
        if present:
            wait_for(self.h, "otlp_metrics", lambda c: all(self._metric_found(m, c) for m in present),
                     CAPTURE_WAIT_S)
        captured = Captured(self.h.captures())
        for problem in captured.wire_errors():
            self.result.fail(problem)
        for req in captured.export_requests:
            if req["transport"] != self.transport:
                self.result.fail(f"an export arrived over {req['transport']}, but the client was configured "
                                 f"for {self.transport}")
        for what in ("generations", "export_requests", "spans", "ratings"):
            if what in expect:
                self._check_collection(what, expect[what], captured)
        self._check_metrics(expect.get("metrics", {}), captured)
        self._check_span_links(captured, set(expect.get("unlinked_generations", [])))
        if self.result.status == "pass":
            self.result.normalized = identity.normalize(captured)

    def _check_collection(self, what: str, block: dict[str, Any], captured: Captured) -> None:
        items = captured.items(what)
        if "count" in block and len(items) != block["count"]:
            self.result.fail(f"expected {block['count']} {what}, got {len(items)}{self._summary(what, items)}")
        for item_spec in block.get("items", []):
            where = item_spec.get("where")
            candidates = [x for x in items if where is None or matches(where, x)]
            label = f"{what}[where {show(where, 120)}]" if where is not None else what
            if len(candidates) != 1:
                self.result.fail(f"{label}: expected exactly one match, found {len(candidates)}"
                                 f"{self._summary(what, items)}")
                continue
            for problem in mismatches(item_spec.get("match", {}), candidates[0], label):
                self.result.fail(problem)

    @staticmethod
    def _summary(what: str, items: list[dict[str, Any]]) -> str:
        if not items:
            return ""
        if what == "spans":
            names = [f"{s['name']} ({s['attributes'].get('sigil.generation.id', s['span_id'])})" for s in items]
        elif what == "generations":
            names = [g.get("id") for g in items]
        elif what == "export_requests":
            names = [f"{r['transport']} {r['generation_ids']}" for r in items]
        else:
            names = [r.get("path") for r in items]
        return f" (captured: {', '.join(map(str, names))})"

    @staticmethod
    def _metric_found(spec: Any, captured: Captured) -> bool:
        want = {"name": spec} if isinstance(spec, str) else spec
        return any(matches(want, p) for p in captured.metric_series)

    def _check_metrics(self, block: dict[str, Any], captured: Captured) -> None:
        names = sorted({p["name"] for p in captured.metric_series})
        for spec in block.get("present", []):
            if not self._metric_found(spec, captured):
                want = {"name": spec} if isinstance(spec, str) else spec
                same_name = [p for p in captured.metric_series if p["name"] == want["name"]]
                hint = (f"; its series: {show([{k: p.get(k) for k in ('attributes', 'count', 'sum')} for p in same_name], 600)}"
                        if same_name else f"; metrics captured: {names}")
                self.result.fail(f"metric {show(want)} has no data{hint}")
        for spec in block.get("absent", []):
            if self._metric_found(spec, captured):
                self.result.fail(f"metric {show(spec)} should be absent, but was exported")

    def _check_span_links(self, captured: Captured, unlinked: set[str]) -> None:
        """Every exported generation's trace_id/span_id are those of exactly one exported span
        carrying its sigil.generation.id (the reference's 'trace_id matches the span' rule)."""
        for g in captured.generations:
            gid = g.get("id")
            if gid in unlinked:
                continue
            spans = [s for s in captured.spans
                     if s["trace_id"] == g.get("trace_id") and s["span_id"] == g.get("span_id")]
            if len(spans) != 1:
                self.result.fail(f"generation {gid}: expected one span with its trace_id {g.get('trace_id')!r} "
                                 f"and span_id {g.get('span_id')!r}, found {len(spans)} "
                                 f"(spans captured: {len(captured.spans)})")
            elif spans[0]["attributes"].get("sigil.generation.id") != gid:
                self.result.fail(f"generation {gid}: its span carries sigil.generation.id "
                                 f"{spans[0]['attributes'].get('sigil.generation.id')!r}")


def run_one(harness, spec: DriverSpec, scenario: Scenario, transport: str, repo: Path,
            build_dir: Path) -> RunResult:
    return ScenarioRun(harness, spec, scenario, transport, repo, build_dir).run()
