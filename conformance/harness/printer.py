"""`serve --print`: one human-readable line per received record, flushed as it arrives."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO


class Printer:
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._lock = threading.Lock()  # one line at a time across server threads

    def __call__(self, kind: str, capture: dict[str, Any]) -> None:
        lines = list(_lines(kind, capture))
        with self._lock:
            for line in lines:
                self._out.write(line + "\n")
                self._out.flush()


def _lines(kind: str, capture: dict[str, Any]):
    response = _response(capture.get("response", {}))
    if kind in ("http_exports", "grpc_exports"):
        transport = "http" if kind == "http_exports" else "grpc"
        if capture.get("error"):
            first_line = capture["error"].splitlines()[0]
            yield f"[{transport}] undecodable request ({response}): {first_line}"
            return
        for gen in capture.get("generations", []):
            yield f"[{transport}] generation {_generation(gen)}{'' if response == 'ok' else ' -> ' + response}"
    elif kind == "otlp_traces":
        for span in capture.get("spans", []):
            status = span["status"]["code"].removeprefix("STATUS_CODE_")
            yield (f"[otlp] span {span['name']!r} kind={span['kind'].removeprefix('SPAN_KIND_')} "
                   f"trace={span['trace_id']} span={span['span_id']} status={status}")
    elif kind == "otlp_metrics":
        names: dict[str, int] = {}
        for point in capture.get("points", []):
            names[point["name"]] = names.get(point["name"], 0) + 1
        for name, count in names.items():
            yield f"[otlp] metric {name} ({count} point{'s' if count != 1 else ''})"
    elif kind == "ratings":
        body = capture.get("json") or {}
        yield (f"[api] rating conversation={capture['conversation_id']} "
               f"id={body.get('rating_id', '?')} {body.get('rating', '?')} -> {response}")
    elif kind == "scores":
        for item, result in zip((capture.get("json") or {}).get("scores", []), capture.get("results", [])):
            verdict = "accepted" if result["accepted"] else f"refused: {result['error']}"
            yield (f"[api] score {item.get('score_key', '?')}={item.get('value')} "
                   f"generation={item.get('generation_id', '?')} id={result['score_id']} {verdict}")
        if not capture.get("results"):
            yield f"[api] scores request -> {response}"
    elif kind == "unmatched":
        yield f"[{capture.get('server')}] unmatched {capture.get('method')} {capture.get('raw_path')}"


def _response(response: dict[str, Any]) -> str:
    if response.get("closed"):
        return "connection dropped"
    if "code" in response:
        return "ok" if response["code"] == "OK" else f"{response['code']} {response.get('message', '')}".strip()
    status = response.get("status", 0)
    return "ok" if 200 <= status < 300 else f"HTTP {status}"


def _generation(gen: dict[str, Any]) -> str:
    model = gen.get("model", {})
    usage = gen.get("usage", {})
    metadata = gen.get("metadata", {})
    parts = [
        gen.get("id", "(no id)"),
        f"mode={gen.get('mode', 'GENERATION_MODE_UNSPECIFIED').removeprefix('GENERATION_MODE_')}",
        f"op={gen.get('operation_name', '')}",
        f"model={model.get('provider', '')}/{model.get('name', '')}",
        f"conversation={gen.get('conversation_id') or '-'}",
        f"agent={gen.get('agent_name') or '-'}" + (f"@{gen['agent_version']}" if gen.get("agent_version") else ""),
        f"input={_messages(gen.get('input', []))}",
        f"output={_messages(gen.get('output', []))}",
        "usage=in:{} out:{} total:{}".format(
            usage.get("input_tokens", 0), usage.get("output_tokens", 0), usage.get("total_tokens", 0)),
        f"sdk={metadata.get('sigil.sdk.name', '?') if isinstance(metadata, dict) else '?'}",
    ]
    if gen.get("call_error"):
        parts.append(f"call_error={gen['call_error']!r}")
    return " ".join(parts)


def _messages(messages: list[dict[str, Any]]) -> str:
    """`2[text,tool_call]`: message count and the kinds of their parts in order."""
    kinds = [key for m in messages for p in m.get("parts", []) for key in p if key != "metadata"]
    return f"{len(messages)}[{','.join(kinds)}]"
