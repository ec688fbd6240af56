"""Content capture, redaction, the resolver and the sanitizer through the Python API (the engine does the work)."""

from __future__ import annotations

import pytest

import sigil_sdk as sigil
from sigil_sdk import Generation, GenerationStart, ModelRef

from conftest import config_for, generations

SECRET = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def record(client: sigil.Client, **start: object) -> None:
    start.setdefault("id", "gen-py-privacy")
    rec = client.start_generation(GenerationStart(
        model=ModelRef(provider="openai", name="gpt-5"),
        system_prompt=f"Use {SECRET}", conversation_title="Trip", **start))
    rec.set_result(Generation(input=[sigil.user_text_message("mail jane@example.com")],
                              output=[sigil.assistant_text_message("Sure.")]))
    rec.end()
    assert rec.err() is None


def make(harness, **privacy: object) -> sigil.Client:
    cfg = config_for(harness)
    for key, value in privacy.items():
        setattr(cfg, key, value)
    return sigil.Client(cfg)


def test_metadata_only_strips_content(harness):
    client = make(harness, content_capture="metadata_only")
    record(client)
    client.shutdown()
    g = generations(harness)[0]
    assert g["metadata"]["sigil.sdk.content_capture_mode"] == "metadata_only"
    assert "system_prompt" not in g
    assert not g["input"][0]["parts"][0].get("text")


def test_per_call_mode_wins(harness):
    client = make(harness, content_capture="metadata_only")
    record(client, content_capture="full")
    client.shutdown()
    g = generations(harness)[0]
    assert g["metadata"]["sigil.sdk.content_capture_mode"] == "full"
    assert g["system_prompt"] == "Use [REDACTED:github-pat]"
    assert g["input"][0]["parts"][0]["text"] == "mail [REDACTED:email]"


def test_redaction_categories(harness):
    client = make(harness, redact=["secrets"])
    record(client)
    client.shutdown()
    g = generations(harness)[0]
    assert g["input"][0]["parts"][0]["text"] == "mail jane@example.com"
    assert g["system_prompt"] == "Use [REDACTED:github-pat]"


def test_resolver_sees_kind_and_metadata_and_fails_closed(harness):
    seen = []

    def resolver(kind, metadata):
        seen.append((kind, metadata))
        if metadata.get("explode"):
            raise RuntimeError("boom")
        return "full"

    client = make(harness, content_capture_resolver=resolver)
    record(client, metadata={"tenant": "acme"})
    record(client, id="gen-py-privacy-2", metadata={"explode": True})
    client.shutdown()
    assert seen[0] == ("generation", {"tenant": "acme"})
    modes = {g["id"]: g["metadata"]["sigil.sdk.content_capture_mode"] for g in generations(harness, 2)}
    assert modes == {"gen-py-privacy": "full", "gen-py-privacy-2": "metadata_only"}


def test_sanitizer_replaces_and_fails_closed(harness):
    def sanitizer(path, text):
        if path == "generation.system_prompt":
            raise ValueError("no")
        if path.endswith(".text") and "Sure" in text:
            return "SANITIZED"
        return None

    client = make(harness, sanitizer=sanitizer)
    record(client)
    client.shutdown()
    g = generations(harness)[0]
    assert g["system_prompt"] == "[REDACTED:sanitizer_error]"
    assert g["output"][0]["parts"][0]["text"] == "SANITIZED"


def test_max_field_bytes(harness):
    client = make(harness, max_field_bytes=64)
    rec = client.start_generation(GenerationStart(model=ModelRef(provider="openai", name="gpt-5")))
    rec.set_result(Generation(input=[sigil.user_text_message("x" * 500)]))
    rec.end()
    client.shutdown()
    text = generations(harness)[0]["input"][0]["parts"][0]["text"]
    assert len(text.encode()) <= 64 and text.endswith("bytes]")


def test_unknown_mode_is_a_config_error(harness):
    with pytest.raises(sigil.ConfigError):
        make(harness, content_capture="everything")
