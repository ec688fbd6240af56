"""Provider JSON mapped without a recorder (sigil_sdk.map_provider_generation / map_provider_embedding).

The promise: a recorder given the mapped Generation as its result exports exactly what a recorder
given the provider bodies exports, for every provider fixture (conformance/fixtures/providers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sigil_sdk as sigil
from sigil_sdk import _encode as enc
from sigil_sdk import mapping
from sigil_sdk import GenerationStart, ModelRef

from conftest import BATCH_NOW, generations

FIXTURES = Path(__file__).resolve().parents[3] / "conformance" / "fixtures" / "providers"
EMBEDDING_APIS = ("openai.embeddings", "gemini.embed_content")
UNSET = ModelRef("", "")


def _cases() -> list[tuple[str, str, str | None, str | None, list[str] | None]]:
    """(case id, api, request file, response file, stream file) for every generation fixture."""
    out = []
    for api_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name not in EMBEDDING_APIS):
        api = api_dir.name
        files = sorted(f.name for f in api_dir.iterdir())
        requests = [f for f in files if f.startswith("request")]
        for f in requests:
            out.append((f"{api}/{f}", api, f, None, None))
        for f in files:
            if f.startswith("response"):
                out.append((f"{api}/request+{f}", api, "request.json", f, None))
            if f.endswith(".jsonl"):
                out.append((f"{api}/request+{f}", api, "request.json", None, f))
                out.append((f"{api}/{f}", api, None, None, f))
    return out


CASES = _cases()


def _body(api: str, name: str | None) -> str | None:
    return None if name is None else (FIXTURES / api / name).read_text(encoding="utf-8")


def _events(api: str, name: str | None) -> list[str] | None:
    text = _body(api, name)
    return None if text is None else [line for line in text.splitlines() if line.strip()]


def _mapped(api: str, request, response, events, raw: bool):
    """map_provider_generation's result and its problem (a MappingError's result is what was mapped)."""
    try:
        return sigil.map_provider_generation(api, request, response, events, raw_artifacts=raw), None
    except sigil.MappingError as problem:
        assert isinstance(problem.result, sigil.Generation)
        return problem.result, problem


_RECORDER_OWNED = ("id", "trace_id", "span_id", "started_at", "completed_at")


def _comparable(g: dict) -> dict:
    return {k: v for k, v in g.items() if k not in _RECORDER_OWNED}


@pytest.mark.parametrize("raw", [False, True], ids=["plain", "raw_artifacts"])
def test_a_mapped_result_exports_what_the_provider_calls_export(harness, make_client, raw):
    client = make_client("http", batch_size=len(CASES) * 2)
    problems, refused = {}, {}
    for i, (case, api, req_file, resp_file, stream_file) in enumerate(CASES):
        request, response, events = _body(api, req_file), _body(api, resp_file), _events(api, stream_file)
        start = client.start_streaming_generation if events is not None else client.start_generation
        with start(GenerationStart(UNSET, id=f"direct-{i}")) as direct:
            if request is not None:
                direct.set_provider_request(api, request, raw_artifacts=raw)
            if response is not None:
                direct.set_provider_response(api, response, raw_artifacts=raw)
            for e in events or []:
                direct.add_provider_event(api, e, raw_artifacts=raw)

        result, problem = _mapped(api, request, response, events, raw)
        problems[case] = problem
        with start(GenerationStart(UNSET, id=f"mapped-{i}")) as mapped:
            mapped.set_result(result, mapping_error=problem)
        # A record the engine refuses (a stream without a request names no model) is refused alike.
        assert repr(mapped.err()) == repr(direct.err()), case
        if direct.err() is not None:
            refused[case] = direct.err()
    client.flush()

    exported = len(CASES) - len(refused)
    by_id = {g["id"]: g for g in generations(harness, exported * 2)}
    for i, (case, *_rest) in enumerate(CASES):
        if case in refused:
            assert f"direct-{i}" not in by_id and f"mapped-{i}" not in by_id, case
            continue
        direct, mapped = by_id[f"direct-{i}"], by_id[f"mapped-{i}"]
        assert _comparable(mapped) == _comparable(direct), case
        assert ("raw_artifacts" in mapped) == raw, case
    assert exported >= len(CASES) * 9 // 10, refused  # the comparison covers nearly every case
    # The fixtures include truncated and early-ended bodies: those are the partly mapped ones.
    partial = sorted(case for case, p in problems.items() if p is not None)
    assert partial and all(("truncated" in c or "early_end" in c or "out_of_order" in c or "malformed" in c)
                           for c in partial), partial


def _int64_strings_as_ints(doc: dict) -> dict:
    """The engine writes int64 as protojson strings and leaves empty model names out; the binding writes
    numbers and both model fields. Same values, two spellings: this brings both to one."""
    out = json.loads(json.dumps(doc))
    if "max_tokens" in out:
        out["max_tokens"] = int(out["max_tokens"])
    if "usage" in out:
        out["usage"] = {k: int(v) for k, v in out["usage"].items()}
    if "model" in out:
        out["model"] = {k: v for k, v in out["model"].items() if v}
    for key in ("input", "output"):
        for m in out.get(key, []):
            m.setdefault("parts", [])
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_decoder_and_encoder_round_trip_every_mapped_document(case):
    _, api, req_file, resp_file, stream_file = case
    docs = []

    def keep(doc: bytes) -> dict:
        docs.append(doc)
        return json.loads(doc)

    try:
        mapping._map_generation(api, _body(api, req_file), _body(api, resp_file), _events(api, stream_file), True, keep)
    except sigil.MappingError:
        pass  # a partly mapped document round-trips too
    (doc,) = docs
    original = json.loads(doc)
    decoded = enc.decode_generation(doc)
    again = json.loads(enc.generation(decoded))
    assert _int64_strings_as_ints(again) == _int64_strings_as_ints(original)
    assert enc.decode_generation(again) == decoded


def test_mapped_values_are_the_models_types():
    request = _body("anthropic.messages", "request.json")
    g = sigil.map_provider_generation("anthropic.messages", request, _body("anthropic.messages", "response.json"))
    assert g.mode is sigil.GenerationMode.SYNC
    assert g.model == ModelRef("anthropic", "claude-sonnet-4-5-20250929")
    assert g.max_tokens == 4096
    assert g.usage.cache_creation_input_tokens == 1200  # not on the sigil.v1 wire, but in the model
    assert g.id == "" and g.started_at is None  # the recorder's
    calls = [p.tool_call for m in g.output for p in m.parts if p.kind == sigil.PartKind.TOOL_CALL]
    assert calls and all(isinstance(c.input_json, bytes) and json.loads(c.input_json) is not None for c in calls)
    assert all(isinstance(m.role, sigil.MessageRole) for m in g.input + g.output)

    streamed = sigil.map_provider_generation("anthropic.messages", request,
                                             events=_events("anthropic.messages", "stream.jsonl"))
    assert streamed.mode is sigil.GenerationMode.STREAM


def test_bodies_in_every_form_map_alike():
    text = _body("openai.chat", "response_tool_calls.json")
    from openai.types.chat import ChatCompletion

    forms = [text, text.encode(), json.loads(text), ChatCompletion.model_validate_json(text)]
    results = [sigil.map_provider_generation("openai.chat", response=f) for f in forms]
    assert all(r == results[0] for r in results)
    assert results[0].stop_reason == "tool_calls"


def test_a_partly_mapped_body_raises_with_what_was_mapped():
    with pytest.raises(sigil.MappingError) as info:
        sigil.map_provider_generation("openai.chat", _body("openai.chat", "request.json"),
                                      _body("openai.chat", "response_truncated.json"))
    problem = info.value
    assert problem.name == "InvalidJSON"
    assert str(problem).startswith("provider response: ")
    assert problem.result.model.name == "gpt-4o-2024-08-06"  # the request still mapped


def test_caller_mistakes_raise_invalid_argument():
    with pytest.raises(sigil.InvalidArgumentError, match="openai.responses"):
        sigil.map_provider_generation("openai.chat.v9", response="{}")
    with pytest.raises(ValueError):
        sigil.map_provider_generation("openai.embeddings", request="{}")
    with pytest.raises(sigil.InvalidArgumentError):
        sigil.map_provider_embedding("openai.chat", response="{}")


def test_raw_artifacts_only_when_asked():
    response = _body("openai.chat", "response_text.json")
    assert sigil.map_provider_generation("openai.chat", response=response).artifacts == []
    (artifact,) = sigil.map_provider_generation("openai.chat", response=response, raw_artifacts=True).artifacts
    assert artifact.kind is sigil.ArtifactKind.RESPONSE
    assert artifact.name == "openai.chat.response"
    assert json.loads(artifact.payload) == json.loads(response)


@pytest.mark.parametrize("api, request_file, response_file", [
    ("openai.embeddings", "request.json", "response.json"),
    ("gemini.embed_content", "request.json", "response.json"),
    ("gemini.embed_content", "request_batch.json", "response_batch.json"),
])
def test_an_embedding_maps_to_what_the_recorder_records(harness, client, api, request_file, response_file):
    request, response = _body(api, request_file), _body(api, response_file)
    result = sigil.map_provider_embedding(api, request, response)
    assert result.input_count > 0 and result.input_tokens >= 0
    assert result.dimensions and result.dimensions > 0
    assert result.input_texts and all(isinstance(t, str) for t in result.input_texts)

    start = sigil.EmbeddingStart(ModelRef(api.split(".")[0], "embedding-model"))  # the same start for both
    with client.start_embedding(start) as direct:
        direct.set_provider_result(api, request, response)
    with client.start_embedding(start) as mapped:
        mapped.set_result(result)
    client.flush()
    spans = [s for cap in harness.wait("otlp_traces", 1) for s in cap.get("spans") or []]
    while len([s for s in spans if s["name"].startswith("embeddings")]) < 2:
        caps = harness.wait("otlp_traces", len(harness.captures("otlp_traces")) + 1)
        spans = [s for cap in caps for s in cap.get("spans") or []]
    a, b = [s for s in spans if s["name"].startswith("embeddings")][:2]
    assert a["attributes"]["gen_ai.embeddings.input_count"] == result.input_count
    for key in ("gen_ai.embeddings.input_count", "gen_ai.usage.input_tokens", "gen_ai.response.model"):
        assert b["attributes"].get(key) == a["attributes"].get(key), key


def test_a_partly_mapped_embedding_raises_with_what_was_mapped():
    with pytest.raises(sigil.MappingError) as info:
        sigil.map_provider_embedding("openai.embeddings", _body("openai.embeddings", "request.json"),
                                     '{"object":"list","data":[{"embedding":[0.1,')
    assert isinstance(info.value.result, sigil.EmbeddingResult)
    assert info.value.result.input_count == 2
