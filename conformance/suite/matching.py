"""Structural matching of expected values against captured ones.

An expected value matches an actual value when:
- dict: every expected key matches the actual value under that key (extra actual keys are fine);
- list: same length, element by element;
- scalar: equal, where booleans only equal booleans (so `true` never matches `1`);
- an operator object (one key starting with "$"):
    {"$absent": true}      the key is not there (only as a dict value)
    {"$exists": true}      the key is there, with any value
    {"$exact": {...}}      a dict with exactly these keys (values matched recursively)
    {"$regex": "..."}      a string that fully matches the regular expression
    {"$len": n}            a list, dict or string of length n
    {"$json": value}       a string holding JSON that parses to something matching `value`
    {"$unordered": [...]}  a list of the same length whose elements match in some order
    {"$contains": [...]}   a list with, for each expected element, a distinct matching element
    {"$not": value}        anything that does not match `value`

`mismatches(expected, actual)` returns readable lines ("path: expected X, got Y"); empty means match.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ABSENT = object()
OPERATORS = ("$absent", "$exists", "$exact", "$regex", "$len", "$json", "$unordered", "$contains", "$not")


def is_operator(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$")


def matches(expected: Any, actual: Any) -> bool:
    return not mismatches(expected, actual)


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    out: list[str] = []
    _match(expected, actual, path or "value", out)
    return out


def show(value: Any, limit: int = 200) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{json.dumps(key)}]"


def _match(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if is_operator(expected):
        _operator(expected, actual, path, out)
        return
    if actual is _ABSENT:
        out.append(f"{path}: expected {show(expected)}, but it is absent")
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(f"{path}: expected an object, got {show(actual)}")
            return
        for key, want in expected.items():
            _match(want, actual.get(key, _ABSENT), _key_path(path, key), out)
        return
    if isinstance(expected, list):
        if not isinstance(actual, list):
            out.append(f"{path}: expected a list, got {show(actual)}")
            return
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} items, got {len(actual)}: {show(actual)}")
            return
        for i, (want, got) in enumerate(zip(expected, actual)):
            _match(want, got, f"{path}[{i}]", out)
        return
    if not _scalar_equal(expected, actual):
        out.append(f"{path}: expected {show(expected)}, got {show(actual)}")


def _scalar_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _operator(op: dict, actual: Any, path: str, out: list[str]) -> None:
    name, arg = next(iter(op.items()))
    if name == "$absent":
        if bool(arg) != (actual is _ABSENT):
            out.append(f"{path}: expected {'absent' if arg else 'present'}, got {show(actual)}")
    elif name == "$exists":
        if bool(arg) == (actual is _ABSENT):
            out.append(f"{path}: expected {'present' if arg else 'absent'}, got {show(actual)}")
    elif actual is _ABSENT:
        out.append(f"{path}: expected {show(op)}, but it is absent")
    elif name == "$exact":
        if not isinstance(actual, dict) or not isinstance(arg, dict):
            out.append(f"{path}: expected exactly {show(arg)}, got {show(actual)}")
            return
        extra = sorted(set(actual) - set(arg))
        if extra:
            out.append(f"{path}: unexpected keys {extra} in {show(actual)}")
        _match(arg, actual, path, out)
    elif name == "$regex":
        if not isinstance(actual, str) or re.fullmatch(arg, actual) is None:
            out.append(f"{path}: expected a string matching /{arg}/, got {show(actual)}")
    elif name == "$len":
        if not isinstance(actual, (list, dict, str)) or len(actual) != arg:
            out.append(f"{path}: expected length {arg}, got {show(actual)}")
    elif name == "$json":
        try:
            parsed = json.loads(actual) if isinstance(actual, str) else _ABSENT
        except ValueError:
            parsed = _ABSENT
        if parsed is _ABSENT:
            out.append(f"{path}: expected JSON text, got {show(actual)}")
        else:
            _match(arg, parsed, f"{path}<json>", out)
    elif name in ("$unordered", "$contains"):
        if not isinstance(actual, list):
            out.append(f"{path}: expected a list, got {show(actual)}")
            return
        if name == "$unordered" and len(arg) != len(actual):
            out.append(f"{path}: expected {len(arg)} items, got {len(actual)}: {show(actual)}")
            return
        if not _assign(arg, actual):
            verb = "match in some order" if name == "$unordered" else "be contained in"
            out.append(f"{path}: expected {show(arg)} to {verb} {show(actual)}")
    elif name == "$not":
        if matches(arg, actual):
            out.append(f"{path}: expected anything but {show(arg)}, got {show(actual)}")
    else:
        out.append(f"{path}: unknown operator {name} (known: {', '.join(OPERATORS)})")


def _assign(expected: list, actual: list) -> bool:
    """Each expected element matched by a distinct actual element (small lists: backtracking)."""
    used = [False] * len(actual)

    def place(i: int) -> bool:
        if i == len(expected):
            return True
        for j, got in enumerate(actual):
            if not used[j] and matches(expected[i], got):
                used[j] = True
                if place(i + 1):
                    return True
                used[j] = False
        return False

    return place(0)
