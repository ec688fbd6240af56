"""Cost, token estimates and sampling through the Python API (the engine prices and samples)."""

from __future__ import annotations

import json

import pytest

import sigil_sdk as sigil
from sigil_sdk import Generation, GenerationStart, ModelRef, TokenUsage

from conftest import client_for as make, generations


def record(client: sigil.Client, model: str, usage: TokenUsage | None = None, provider: str = "openai") -> None:
    rec = client.start_generation(GenerationStart(model=ModelRef(provider=provider, name=model)))
    rec.set_result(Generation(input=[sigil.user_text_message("What is the weather in Paris?")],
                              output=[sigil.assistant_text_message("Sunny, 18 degrees.")],
                              usage=usage or TokenUsage()))
    rec.end()
    assert rec.err() is None


def test_cost_is_in_the_metadata(harness):
    client = make(harness)
    record(client, "gpt-4o-2024-08-06", TokenUsage(input_tokens=1_000_000, output_tokens=100_000,
                                                     cache_read_input_tokens=400_000))
    client.shutdown()
    meta = generations(harness)[0]["metadata"]
    assert meta["sigil.cost.usd.input"] == pytest.approx(0.6 * 2.5)
    assert meta["sigil.cost.usd.cache_read"] == pytest.approx(0.4 * 1.25)
    assert meta["sigil.cost.usd.output"] == pytest.approx(1.0)
    assert meta["sigil.cost.usd.total"] == pytest.approx(1.5 + 0.5 + 1.0)
    assert meta["sigil.cost.price_table_version"] == "2026-12-01"
    assert "sigil.usage.estimated" not in meta


def test_prices_file_adds_models_and_unknown_models_are_counted(harness, tmp_path):
    table = tmp_path / "prices.json"
    table.write_text(json.dumps({"version": "team-1", "models": [
        {"provider": "acme", "model": "acme-large", "input": 1, "output": 2}]}))
    client = make(harness, prices_file=table)
    record(client, "acme-large-v2", TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000), provider="acme")
    record(client, "acme-small", TokenUsage(input_tokens=10, output_tokens=10), provider="acme")
    stats = client.stats()
    client.shutdown()
    gens = generations(harness, 2)
    priced = [g for g in gens if "sigil.cost.usd.total" in g["metadata"]]
    assert len(priced) == 1
    assert priced[0]["metadata"]["sigil.cost.usd.total"] == pytest.approx(3.0)
    assert priced[0]["metadata"]["sigil.cost.price_table_version"] == "2026-12-01+team-1"
    assert stats["generations_unpriced"] == 1


def test_a_bad_prices_file_is_a_config_error(harness, tmp_path):
    table = tmp_path / "prices.json"
    table.write_text('{"version": "1", "models": [{"provider": "a", "model": "m", "input": -1, "output": 1}]}')
    with pytest.raises(sigil.ConfigError, match="models\\[0\\].input: must be a non-negative number"):
        make(harness, prices_file=table)
    with pytest.raises(sigil.ConfigError, match="cannot be read"):
        make(harness, prices_file=tmp_path / "missing.json")


def test_estimates_are_marked_and_can_be_turned_off(harness):
    client = make(harness)
    record(client, "gpt-4o-mini")
    client.shutdown()
    g = generations(harness)[0]
    assert g["metadata"]["sigil.usage.estimated"] is True
    assert g["metadata"]["sigil.usage.estimated.input_tokens"] == 8
    assert g["metadata"]["sigil.usage.estimated.output_tokens"] == 5
    assert g["metadata"]["sigil.cost.estimated"] is True
    assert not g.get("usage", {}).get("input_tokens")
    harness.reset()
    off = make(harness, token_estimates=False)
    record(off, "gpt-4o-mini")
    off.shutdown()
    assert "sigil.usage.estimated" not in generations(harness)[0]["metadata"]


def test_sample_rates(harness):
    client = make(harness, export_sample_rate=0.0)
    record(client, "gpt-4o", TokenUsage(input_tokens=1, output_tokens=1))
    client.flush()
    stats = client.stats()
    snapshot = client.metrics_snapshot()
    client.shutdown()
    assert stats["generations_export_sampled_out"] == 1
    assert stats["generations_exported"] == 0
    assert "sigil.gen_ai.client.cost" in [m["name"] for m in snapshot["metrics"]]
    assert harness.captures("http_exports") == []

    content = make(harness, content_sample_rate=0.0)
    record(content, "gpt-4o", TokenUsage(input_tokens=1, output_tokens=1))
    content.shutdown()
    g = generations(harness)[0]
    assert g["metadata"]["sigil.sampling.content"] is False
    assert g["metadata"]["sigil.sampling.content_rate"] == 0
    assert g["metadata"]["sigil.sdk.content_capture_mode"] == "metadata_only"
    assert not g["input"][0]["parts"][0].get("text")


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_bad_sample_rates_are_refused(harness, rate):
    with pytest.raises(sigil.ConfigError):
        make(harness, export_sample_rate=rate)
