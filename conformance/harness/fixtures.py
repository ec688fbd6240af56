"""pytest fixtures over the capture harness, shared by the test tiers that talk to it.

Import them into a conftest or test module (`from harness.fixtures import harness, harness_session`):
one harness per session (SIGIL_HARNESS_GEN_DIR picks where its generated modules go), reset
around every test that asks for `harness`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .harness import Harness


@pytest.fixture(scope="session")
def harness_session():
    gen_dir = os.environ.get("SIGIL_HARNESS_GEN_DIR")
    with Harness(gen_dir=Path(gen_dir) if gen_dir else None) as h:
        yield h


@pytest.fixture
def harness(harness_session):
    """The session's harness with captures, scripts and stalls forgotten before and after the test."""
    harness_session.reset()
    yield harness_session
    harness_session.reset()
