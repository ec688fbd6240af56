"""Evaluation scores: Client.submit_score against the harness's score ingest on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import sigil_sdk as sigil

from conftest import config_for


def _score_client(h, **export):
    return sigil.Client(config_for(h, "none", **export))


def _flushed(client):
    client.flush(timeout=10)
    return client.stats()


def test_score_arrives_in_the_contract_shape(harness):
    with _score_client(harness) as client:
        score_id = client.submit_score(
            generation_id="gen-1",
            conversation_id="conv-1",
            evaluator_id="my-evaluator",
            evaluator_version="1.0.0",
            key="helpfulness",
            value=0.82,
            passed=True,
            label="good",
            rationale="answers the question",
            metadata={"runtime_ms": 12},
            created_at=datetime(2026, 2, 17, 10, 0, tzinfo=timezone.utc),
        )
        stats = _flushed(client)
    assert score_id.startswith("sc_") and len(score_id) == 19
    [capture] = harness.captures("scores")
    assert capture["json"] == {"scores": [{
        "score_id": score_id,
        "generation_id": "gen-1",
        "conversation_id": "conv-1",
        "evaluator_id": "my-evaluator",
        "evaluator_version": "1.0.0",
        "score_key": "helpfulness",
        "value": {"number": 0.82},
        "passed": True,
        "explanation": "answers the question",
        "metadata": {"runtime_ms": 12, "label": "good"},
        "created_at": "2026-02-17T10:00:00Z",
    }]}
    assert capture["results"] == [{"score_id": score_id, "accepted": True, "error": ""}]
    assert (stats["scores_enqueued"], stats["scores_exported"], stats["scores_dropped"]) == (1, 1, 0)


@pytest.mark.parametrize("value, wire", [(True, {"bool": True}), ("excellent", {"string": "excellent"}),
                                         (3, {"number": 3})])
def test_value_kind_follows_the_python_type(harness, value, wire):
    with _score_client(harness) as client:
        client.submit_score(score_id="sc-k", generation_id="g", evaluator_id="e", evaluator_version="1",
                            key="k", value=value)
        _flushed(client)
    assert harness.captures("scores")[0]["json"]["scores"][0]["value"] == wire


def test_a_503_is_retried_then_delivered(harness):
    harness.script("api", [{"status": 503}])
    with _score_client(harness, max_retries=3, initial_backoff=timedelta(milliseconds=10)) as client:
        client.submit_score(score_id="sc-r", generation_id="g", evaluator_id="e", evaluator_version="1",
                            key="k", value=1.0)
        stats = _flushed(client)
    captures = harness.captures("scores")
    assert [c["response"]["status"] for c in captures] == [503, 202]
    assert captures[0]["body"] == captures[1]["body"]
    assert (stats["scores_exported"], stats["score_export_retries"]) == (1, 1)


def test_the_same_score_id_twice_is_accepted_and_the_first_kept(harness):
    with _score_client(harness) as client:
        for value in (0.1, 0.9):
            client.submit_score(score_id="sc-same", generation_id="g", evaluator_id="e",
                                evaluator_version="1", key="k", value=value)
            client.flush(timeout=10)
        stats = client.stats()
    assert [c["results"][0]["accepted"] for c in harness.captures("scores")] == [True, True]
    assert harness.captures("scores")[0]["json"]["scores"][0]["value"] == {"number": 0.1}
    assert (stats["scores_exported"], stats["scores_rejected"]) == (2, 0)


@pytest.mark.parametrize("change, words", [
    ({"generation_id": ""}, "generation id is required"),
    ({"evaluator_version": " "}, "evaluator version is required"),
    ({"value": [1]}, "value kind"),
    ({"value": float("nan")}, "finite"),
])
def test_invalid_input_raises_and_queues_nothing(harness, change, words):
    fields = dict(generation_id="g", evaluator_id="e", evaluator_version="1", key="k", value=1.0)
    fields.update(change)
    with _score_client(harness) as client:
        with pytest.raises(sigil.ValidationError, match=words):
            client.submit_score(**fields)
        assert _flushed(client)["scores_enqueued"] == 0
    assert harness.captures("scores") == []
