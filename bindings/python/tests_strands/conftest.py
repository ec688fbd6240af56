"""Fixtures of the Strands tier (its own venv, `make test-strands`): the framework tier's, unchanged
(tests_frameworks/conftest.py: the capture harness, the fake provider on loopback, the host's
OpenTelemetry SDK exporting to the harness), and its helpers (tests_frameworks/support.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

FRAMEWORKS = Path(__file__).resolve().parents[1] / "tests_frameworks"
sys.path.insert(0, str(FRAMEWORKS))  # support.py

_spec = importlib.util.spec_from_file_location("sigil_frameworks_conftest", FRAMEWORKS / "conftest.py")
_frameworks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_frameworks)
globals().update({k: v for k, v in vars(_frameworks).items() if not k.startswith("__")})
