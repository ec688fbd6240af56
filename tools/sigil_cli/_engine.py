"""libsigil through ctypes, for the commands that run the engine (doctor, send, spool).

Only the standard library: the installed `sigil` command must run without the
Python binding. The engine resolves the configuration, records, sends, spools and
replays; this module only loads it and translates calls.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import sys
import threading
from ctypes import POINTER, byref, c_char_p, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any

LIBRARY_NAME = "libsigil.dylib" if sys.platform == "darwin" else "libsigil.so"
# Set by the installed launcher (bin/sigil) to the libsigil.so of its prefix.
installed_library: str | None = None

LOG_WARN = 2
SPOOL_MODE_FALLBACK = 0
LOG_LEVELS = {0: "debug", 1: "info", 2: "warn", 3: "error"}


class EngineError(Exception):
    """A libsigil call failed: `status` is its status name, the message says why."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def library_candidates() -> list[str]:
    """Where libsigil is looked for, in order: SIGIL_LIBRARY, the installed prefix,
    the sigil_sdk package's bundled copy, a source checkout's build/."""
    explicit = os.environ.get("SIGIL_LIBRARY", "").strip()
    if explicit:
        return [explicit]
    out = []
    if installed_library:
        out.append(installed_library)
    spec = importlib.util.find_spec("sigil_sdk")
    if spec is not None and spec.origin:
        out.append(str(Path(spec.origin).parent / LIBRARY_NAME))
    repo = Path(__file__).resolve().parents[2]  # tools/sigil_cli -> repository root
    if (repo / "include" / "sigil" / "sigil.h").is_file():
        out.append(str(repo / "build" / LIBRARY_NAME))
    return out


class _StartPrefix(ctypes.Structure):
    # The leading fields of sigil_generation_start_t this tool sets; the buffer
    # behind it is larger than the whole struct and initialized by the engine.
    _fields_ = [("version", c_uint32), ("id", c_char_p), ("conversation_id", c_char_p),
                ("conversation_title", c_char_p), ("user_id", c_char_p), ("agent_name", c_char_p),
                ("agent_version", c_char_p), ("operation_name", c_char_p), ("model_provider", c_char_p),
                ("model_name", c_char_p), ("_rest", ctypes.c_ubyte * 1024)]


STATS_FIELDS = ("generations_enqueued", "generations_exported", "generations_rejected", "dropped_queue_full",
                "dropped_byte_budget", "dropped_payload_too_large", "dropped_retry_exhausted",
                "dropped_shutdown_timeout", "validation_failures", "export_attempts", "export_retries",
                "queue_items", "queue_bytes", "dropped_spool_full", "dropped_total", "generations_spooled",
                "generations_replayed", "spans_exported", "spans_dropped", "metric_exports_failed",
                "spans_spooled", "spans_replayed", "metric_exports_spooled", "metric_exports_replayed")


# The sigil_stats_t version whose fields STATS_FIELDS are: the engine writes
# only that version's fields, so the struct must say so (never the engine's
# own newest version, which sigil_stats_init would set, with more fields).
STATS_VERSION = 4


class _Stats(ctypes.Structure):
    _fields_ = [("version", c_uint32)] + [(name, c_uint64) for name in STATS_FIELDS]


LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, ctypes.POINTER(ctypes.c_char), c_size_t)

_SIGNATURES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "sigil_version_string": (c_char_p, ()),
    "sigil_status_name": (c_char_p, (c_uint32,)),
    "sigil_error_message": (c_char_p, (c_void_p,)),
    "sigil_error_free": (None, (c_void_p,)),
    "sigil_json_free": (None, (c_void_p,)),
    "sigil_options_new": (c_uint32, (POINTER(c_void_p),)),
    "sigil_options_free": (None, (c_void_p,)),
    "sigil_options_set_spool_dir": (c_uint32, (c_void_p, c_char_p)),
    "sigil_options_set_spool_mode": (c_uint32, (c_void_p, c_uint32)),
    "sigil_options_set_logger": (c_uint32, (c_void_p, LOG_FN, c_void_p)),
    "sigil_options_set_max_retries": (c_uint32, (c_void_p, c_uint32)),
    "sigil_options_describe": (c_uint32, (c_void_p, POINTER(c_void_p), POINTER(c_size_t), POINTER(c_void_p))),
    "sigil_spool_inspect": (c_uint32, (c_char_p, POINTER(c_void_p), POINTER(c_size_t), POINTER(c_void_p))),
    "sigil_client_new": (c_uint32, (c_void_p, POINTER(c_void_p), POINTER(c_void_p))),
    "sigil_client_flush": (c_uint32, (c_void_p, c_uint32, POINTER(c_void_p))),
    "sigil_client_shutdown": (c_uint32, (c_void_p, c_uint32, POINTER(c_void_p))),
    "sigil_client_free": (None, (c_void_p,)),
    "sigil_client_stats": (c_uint32, (c_void_p, POINTER(_Stats))),
    "sigil_generation_start_init": (c_uint32, (POINTER(_StartPrefix),)),
    "sigil_generation_start": (c_uint32, (c_void_p, POINTER(_StartPrefix), POINTER(c_void_p))),
    "sigil_generation_start_streaming": (c_uint32, (c_void_p, POINTER(_StartPrefix), POINTER(c_void_p))),
    "sigil_generation_set_result_json": (c_uint32, (c_void_p, c_char_p, c_size_t)),
    "sigil_generation_end": (c_uint32, (c_void_p, POINTER(c_void_p))),
    "sigil_generation_id": (c_char_p, (c_void_p,)),
    "sigil_generation_free": (None, (c_void_p,)),
}

_lib: ctypes.CDLL | None = None
_lib_path = ""
_load_lock = threading.Lock()


def load() -> tuple[ctypes.CDLL, str]:
    """The engine and where it was found; EngineError (status "NOT_FOUND") saying
    what was tried when no usable libsigil is there."""
    global _lib, _lib_path
    with _load_lock:
        if _lib is not None:
            return _lib, _lib_path
        tried = []
        for path in library_candidates():
            if not os.path.exists(path):
                tried.append(f"{path} (missing)")
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError as exc:
                tried.append(f"{path} ({exc})")
                continue
            missing = [name for name in _SIGNATURES if not hasattr(lib, name)]
            if missing:
                tried.append(f"{path} (older than this tool: lacks {', '.join(missing)})")
                continue
            for name, (restype, argtypes) in _SIGNATURES.items():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = restype, argtypes
            _lib, _lib_path = lib, path
            return lib, path
        raise EngineError("NOT_FOUND", "cannot load libsigil; set SIGIL_LIBRARY to its libsigil.so. Tried: "
                          + ("; ".join(tried) or "nothing (no candidate)"))


def _check(lib: ctypes.CDLL, status: int, error: c_void_p | None = None) -> None:
    message = ""
    if error is not None and error.value:
        message = (lib.sigil_error_message(error) or b"").decode("utf-8", "replace")
        lib.sigil_error_free(error)
    if status != 0:
        name = lib.sigil_status_name(status).decode()
        raise EngineError(name, message or name)


def _take_json(lib: ctypes.CDLL, call, *args) -> Any:
    out, length, error = c_void_p(), c_size_t(), c_void_p()
    status = call(*args, byref(out), byref(length), byref(error))
    _check(lib, status, error)
    try:
        return json.loads(ctypes.string_at(out.value, length.value).decode("utf-8"))
    finally:
        lib.sigil_json_free(out)


def describe_config() -> dict[str, Any]:
    """sigil_options_describe with the environment only (what a program with no
    options in code would run with)."""
    lib, _ = load()
    return _take_json(lib, lib.sigil_options_describe, None)


def inspect_spool(directory: str) -> dict[str, Any]:
    lib, _ = load()
    return _take_json(lib, lib.sigil_spool_inspect, os.fsencode(directory))


class Client:
    """A client configured by the environment (and optionally a spool directory, "" for none);
    the engine's log lines are kept in `log` instead of going to stderr."""

    def __init__(self, *, spool_dir: str | None = None, max_retries: int | None = None) -> None:
        self._lib, _ = load()
        lib = self._lib
        self.log: list[tuple[str, str]] = []
        self._log_lock = threading.Lock()
        self._log_fn = LOG_FN(self._on_log)  # kept alive as long as the client
        options = c_void_p()
        _check(lib, lib.sigil_options_new(byref(options)))
        self._handle = c_void_p()
        try:
            _check(lib, lib.sigil_options_set_logger(options, self._log_fn, None))
            if spool_dir is not None:
                _check(lib, lib.sigil_options_set_spool_dir(options, os.fsencode(spool_dir)))
                if not spool_dir:  # no spool: SIGIL_SPOOL_MODE=write_ahead would need one
                    _check(lib, lib.sigil_options_set_spool_mode(options, SPOOL_MODE_FALLBACK))
            if max_retries is not None:
                _check(lib, lib.sigil_options_set_max_retries(options, max_retries))
            error = c_void_p()
            _check(lib, lib.sigil_client_new(options, byref(self._handle), byref(error)), error)
        finally:
            lib.sigil_options_free(options)

    def _on_log(self, _user: int, level: int, message, length: int) -> None:
        text = ctypes.string_at(message, length).decode("utf-8", "replace")
        with self._log_lock:
            self.log.append((LOG_LEVELS.get(level, str(level)), text))

    def warnings(self) -> list[str]:
        with self._log_lock:
            return [text for level, text in self.log if level in ("warn", "error")]

    def record(self, generation: dict[str, Any]) -> str:
        """Records one generation in the ABI's JSON form; returns its id, or
        raises EngineError saying why the engine refused it."""
        lib = self._lib
        start = _StartPrefix()
        _check(lib, lib.sigil_generation_start_init(byref(start)))
        keep = []  # the strings the start struct points to, alive for the call

        def text(name: str) -> bytes | None:
            value = generation.get(name)
            if isinstance(value, str) and value:
                keep.append(value.encode("utf-8"))
                return keep[-1]
            return None

        start.id = text("id")
        start.operation_name = text("operation_name")
        streaming = generation.get("mode") in ("GENERATION_MODE_STREAM", 2)
        handle = c_void_p()
        begin = lib.sigil_generation_start_streaming if streaming else lib.sigil_generation_start
        status = begin(self._handle, byref(start), byref(handle))
        try:
            _check(lib, status)
            body = json.dumps(generation, ensure_ascii=False).encode("utf-8")
            result_status = lib.sigil_generation_set_result_json(handle, body, len(body))
            gen_id = (lib.sigil_generation_id(handle) or b"").decode()
            # end reports a refused result again, with the engine's message.
            error = c_void_p()
            _check(lib, lib.sigil_generation_end(handle, byref(error)), error)
            _check(lib, result_status)
            return gen_id
        finally:
            lib.sigil_generation_free(handle)

    def flush(self, timeout_ms: int) -> None:
        error = c_void_p()
        _check(self._lib, self._lib.sigil_client_flush(self._handle, timeout_ms, byref(error)), error)

    def stats(self) -> dict[str, int]:
        stats = _Stats(version=STATS_VERSION)
        _check(self._lib, self._lib.sigil_client_stats(self._handle, byref(stats)))
        return {name: int(getattr(stats, name)) for name in STATS_FIELDS}

    def close(self, timeout_ms: int = 5000) -> None:
        if not self._handle.value:
            return
        error = c_void_p()
        try:
            _check(self._lib, self._lib.sigil_client_shutdown(self._handle, timeout_ms, byref(error)), error)
        finally:
            self._lib.sigil_client_free(self._handle)
            self._handle = c_void_p()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Client", "EngineError", "describe_config", "inspect_spool", "load", "library_candidates"]
