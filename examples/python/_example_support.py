"""Shared by the provider examples: a fake provider on loopback when no real service is configured,
and the closing report.

The fake provider is the tests' (bindings/python/tests/fake_provider.py): it answers with recorded
provider responses, so the examples run without network or API keys. Set the provider's own base
URL variable (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, ...) to call the real service instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sigil_sdk

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python" / "tests"))

from fake_provider import FakeProvider, Reply  # noqa: E402


def start_fake_provider(*replies: tuple[str, Reply]) -> str:
    """Starts a fake provider answering each (path part, reply); returns its base URL. It stops with
    the process."""
    fake = FakeProvider().__enter__()
    for route, reply in replies:
        fake.reply(route, reply)
    return fake.url


def finish(client: sigil_sdk.Client, expected: int) -> int:
    """Flushes, prints what was delivered, shuts the client down; the exit status (0: all delivered)."""
    client.flush()
    delivered = client.stats()["generations_exported"]
    errors = sigil_sdk.instrumentation.stats()["instrumentation_errors"]
    print(f"sigil: {delivered} of {expected} generation(s) delivered; instrumentation errors: {errors}")
    client.shutdown()
    return 0 if delivered >= expected and errors == 0 else 1


__all__ = ["Reply", "finish", "start_fake_provider"]
