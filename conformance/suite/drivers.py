"""Driver discovery (conformance/drivers/<lang>/driver.json) and the line-protocol client.

driver.json:
    {
      "language": "c",                      # defaults to the directory name
      "sdk_name": "sdk-c",                  # the SDK identity stamped as sigil.sdk.name
      "command": ["{build_dir}/..."],       # argv; placeholders below
      "cwd": "{driver_dir}",                # optional working directory
      "env": {"LD_LIBRARY_PATH": "{build_dir}"},   # optional extra environment
      "requires": {"files": [...], "command": [...], "hint": "how to build it"}   # optional
    }
Placeholders: {repo}, {build_dir}, {driver_dir}, {python} (this interpreter).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1

# Environment variables the runner never passes through from its own environment: the driver
# gets exactly the configuration the scenario asks for.
SCRUBBED_PREFIXES = ("SIGIL_", "OTEL_")


class DriverError(Exception):
    """The driver broke the protocol, crashed, timed out, or could not do what was asked."""


class Unsupported(Exception):
    """The driver answered {"ok": false, "unsupported": true}: the language cannot do this op."""


@dataclass
class DriverSpec:
    language: str
    sdk_name: str
    command: list[str]
    directory: Path
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    requires: dict[str, Any] = field(default_factory=dict)

    def expand(self, text: str, repo: Path, build_dir: Path) -> str:
        for key, value in (("{repo}", repo), ("{build_dir}", build_dir), ("{driver_dir}", self.directory),
                           ("{python}", sys.executable)):
            text = text.replace(key, str(value))
        return text

    def unavailable_reason(self, repo: Path, build_dir: Path) -> str | None:
        """None when the driver can run; else why not (with the driver's build hint)."""
        hint = self.expand(self.requires.get("hint", ""), repo, build_dir)
        for f in self.requires.get("files", []):
            path = Path(self.expand(f, repo, build_dir))
            if not path.exists():
                return f"{path} is missing" + (f"; {hint}" if hint else "")
        check = self.requires.get("command")
        if check:
            argv = [self.expand(a, repo, build_dir) for a in check]
            try:
                ok = subprocess.run(argv, capture_output=True, timeout=60).returncode == 0
            except (OSError, subprocess.TimeoutExpired) as exc:
                ok, hint = False, f"{exc}; {hint}"
            if not ok:
                return f"check {' '.join(argv)} failed" + (f"; {hint}" if hint else "")
        return None


def discover(drivers_dir: Path) -> dict[str, DriverSpec]:
    specs = {}
    for path in sorted(drivers_dir.glob("*/driver.json")):
        raw = json.loads(path.read_text())
        language = raw.get("language", path.parent.name)
        for key in ("sdk_name", "command"):
            if key not in raw:
                raise ValueError(f"{path}: missing {key!r}")
        specs[language] = DriverSpec(language=language, sdk_name=raw["sdk_name"], command=list(raw["command"]),
                                     directory=path.parent, cwd=raw.get("cwd"), env=dict(raw.get("env", {})),
                                     requires=dict(raw.get("requires", {})))
    return specs


class DriverProcess:
    """One driver process: request() writes one JSON line and reads one JSON line back."""

    def __init__(self, spec: DriverSpec, repo: Path, build_dir: Path, extra_env: dict[str, str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
        env.update({k: spec.expand(v, repo, build_dir) for k, v in spec.env.items()})
        env.update(extra_env)
        argv = [spec.expand(a, repo, build_dir) for a in spec.command]
        cwd = spec.expand(spec.cwd, repo, build_dir) if spec.cwd else None
        self.language = spec.language
        self.stderr_tail: deque[str] = deque(maxlen=60)
        self.transcript: list[str] = []
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, env=env, cwd=cwd, text=True,
                                          encoding="utf-8", errors="replace", bufsize=1,
                                          start_new_session=True)  # kill() reaches its children too
        except OSError as exc:
            raise DriverError(f"cannot start {argv}: {exc}") from exc
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump_stdout(self) -> None:
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        for line in self._proc.stderr:
            self.stderr_tail.append(line.rstrip("\n"))

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        self.transcript.append("> " + line)
        try:
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise DriverError(f"driver closed its input ({exc}); exit status {self._proc.poll()}") from exc
        try:
            reply_line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise DriverError(f"no reply to {message.get('op')!r} within {timeout:.0f}s") from None
        if reply_line is None:
            self._proc.wait(timeout=5)
            raise DriverError(f"driver exited (status {self._proc.returncode}) without replying to "
                              f"{message.get('op')!r}")
        self.transcript.append("< " + reply_line.rstrip("\n"))
        try:
            reply = json.loads(reply_line)
        except ValueError:
            raise DriverError(f"reply is not JSON (stdout is for replies only): {reply_line.strip()[:200]}") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool) or "error" not in reply:
            raise DriverError(f"reply lacks \"ok\" (bool) or \"error\": {reply_line.strip()[:200]}")
        if not reply["ok"]:
            if reply.get("unsupported"):
                raise Unsupported(f"{message.get('op')}: {reply.get('message')}")
            raise DriverError(f"driver refused {message.get('op')!r}: {reply.get('message')}")
        return reply

    def close(self, timeout: float = 15.0) -> int:
        """Closes stdin (the driver frees everything and exits) and returns the exit status."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            return self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            raise DriverError(f"driver did not exit within {timeout:.0f}s of end of input") from None

    def running(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """Kills the driver and anything it started (its own process group)."""
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()
