"""Content capture, redaction, the resolver and the sanitizer through the Python API (the engine does the work)."""

from __future__ import annotations

import base64
import json

import pytest

import sigil_sdk as sigil
from sigil_sdk import ContentCaptureMode, Generation, GenerationStart, ModelRef

from conftest import client_for as make, config_for, generations, spans

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
    client = make(harness, redaction=["secrets"])
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
    with pytest.raises(sigil.ConfigError):
        make(harness, redaction=["emails"])
    with pytest.raises(sigil.InvalidArgumentError):
        client = make(harness)
        try:
            client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"), content_capture="most"))
        finally:
            client.shutdown()


def tool_span_args(harness) -> dict:
    """Tool name -> its span's gen_ai.tool.call.arguments (None when absent)."""
    return {s["name"].removeprefix("execute_tool "): s["attributes"].get("gen_ai.tool.call.arguments")
            for s in spans(harness) if s["name"].startswith("execute_tool ")}


def run_tool(client: sigil.Client, name: str, include_content: bool = True, **start: object) -> None:
    with client.start_tool_execution(sigil.ToolExecutionStart(tool_name=name, include_content=include_content,
                                                              **start)) as t:
        t.set_result(arguments={"city": "Paris"}, result="sunny")


def test_tool_executions_follow_the_enclosing_generation(harness):
    # Client: full. A metadata_only generation keeps its tools' content off spans while
    # it is open; after it ends, tools follow the client again.
    client = make(harness, content_capture="full")
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"), id="gen-mo",
                                                 content_capture=ContentCaptureMode.METADATA_ONLY)) as gen:
        assert gen.content_capture_mode is ContentCaptureMode.METADATA_ONLY
        assert sigil.content_capture_mode_from_context() == "metadata_only"
        run_tool(client, "inside")
        run_tool(client, "own-mode", content_capture="full")  # the tool's own mode wins
    assert sigil.content_capture_mode_from_context() is None
    run_tool(client, "after")
    # Without a per-call mode the generation's resolved (client) mode is passed on.
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"), id="gen-client")) as gen:
        assert gen.content_capture_mode is ContentCaptureMode.FULL
        run_tool(client, "inside-client-mode", include_content=False)
    client.shutdown()
    args = tool_span_args(harness)
    assert args["inside"] is None
    assert json.loads(args["own-mode"]) == {"city": "Paris"}
    assert json.loads(args["after"]) == {"city": "Paris"}
    assert json.loads(args["inside-client-mode"]) == {"city": "Paris"}


def test_generations_ending_out_of_order_restore_the_right_mode(harness):
    client = make(harness)
    model = ModelRef("openai", "gpt-5")
    outer = client.start_generation(GenerationStart(model=model, content_capture="full"))
    inner = client.start_generation(GenerationStart(model=model, content_capture="metadata_only"))
    assert sigil.content_capture_mode_from_context() == "metadata_only"
    outer.end()
    assert sigil.content_capture_mode_from_context() == "metadata_only"
    inner.end()
    assert sigil.content_capture_mode_from_context() is None
    # A generation dropped without end() stops counting once it is gone.
    dropped = client.start_generation(GenerationStart(model=model, content_capture="metadata_only"))
    assert sigil.content_capture_mode_from_context() == "metadata_only"
    del dropped
    import gc
    gc.collect()
    assert sigil.content_capture_mode_from_context() is None
    client.shutdown()


def test_with_content_capture_mode_scopes_generations_and_tools_not_embeddings(harness):
    cfg = config_for(harness)
    cfg.embedding_capture = sigil.EmbeddingCaptureConfig(capture_input=True)
    client = sigil.Client(cfg)
    with sigil.with_content_capture_mode("metadata_only"):
        record(client, id="gen-scoped")
        run_tool(client, "scoped")
        with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
            e.set_result(input_count=1, input_texts=["embed me"])
        record(client, id="gen-scoped-own", content_capture="full")
    client.shutdown()
    modes = {g["id"]: g["metadata"]["sigil.sdk.content_capture_mode"] for g in generations(harness, 2)}
    assert modes == {"gen-scoped": "metadata_only", "gen-scoped-own": "full"}
    assert tool_span_args(harness)["scoped"] is None
    emb = next(s for s in spans(harness) if s["name"] == "embeddings te3")
    assert emb["attributes"]["gen_ai.embeddings.input_texts"] == ["embed me"]


def test_resolver_runs_in_the_callers_context_for_every_kind(harness):
    seen = []

    def resolver(kind, metadata):
        seen.append((kind, sigil.conversation_id_from_context(), metadata))
        return ContentCaptureMode.METADATA_ONLY if sigil.conversation_id_from_context() == "conv-private" else None

    client = make(harness, content_capture_resolver=resolver)
    with sigil.with_conversation_id("conv-private"):
        record(client, id="gen-private")
        run_tool(client, "private-tool", content_capture=None)
    with sigil.with_conversation_id("conv-open"):
        record(client, id="gen-open")
        with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
            e.set_result(input_count=1)
    with sigil.with_conversation_id("conv-private"):
        client.submit_conversation_rating("conv-private", sigil.ConversationRatingInput(
            rating_id="r1", rating=sigil.ConversationRatingValue.GOOD, comment="secret praise",
            metadata={"k": "v"}))
    client.shutdown()
    kinds = [(k, conv) for k, conv, _ in seen]
    assert ("generation", "conv-private") in kinds and ("generation", "conv-open") in kinds
    assert ("embedding", "conv-open") in kinds and ("rating", "conv-private") in kinds
    assert ("rating", "conv-private", {"k": "v"}) in seen
    modes = {g["id"]: g["metadata"]["sigil.sdk.content_capture_mode"] for g in generations(harness, 2)}
    assert modes == {"gen-private": "metadata_only", "gen-open": "no_tool_content"}
    (rating,) = harness.captures("ratings")
    assert "comment" not in rating["json"]


def test_metadata_only_leaks_no_content_on_any_path(harness):
    cfg = config_for(harness)
    cfg.content_capture = "metadata_only"
    cfg.embedding_capture = sigil.EmbeddingCaptureConfig(capture_input=True)
    client = sigil.Client(cfg)
    # A code no timestamp, id or number can contain by chance.
    secret = "the launch code is QX-ZEBRA"
    rec = client.start_generation(GenerationStart(
        model=ModelRef("openai", "gpt-5"), id="gen-mo-all", conversation_title=f"Title {secret}",
        system_prompt=f"System {secret}", tools=[sigil.ToolDefinition(name="lookup", description=f"Desc {secret}",
                                                                       input_schema_json=b'{"type":"object"}')]))
    rec.set_result(Generation(
        input=[sigil.user_text_message(f"User {secret}")],
        output=[sigil.Message(role=sigil.MessageRole.ASSISTANT, parts=[
            sigil.thinking_part(f"Thinking {secret}"),
            sigil.tool_call_part(sigil.ToolCall(id="c1", name="lookup", input_json=json.dumps({"q": secret}).encode()))]),
            sigil.tool_result_message("c1", f"Result {secret}")]))
    rec.set_call_error(RuntimeError(f"provider said {secret}"))
    rec.end()
    run_tool(client, "mo-tool", conversation_title=f"Tool title {secret}", tool_description=f"Tool desc {secret}")
    with client.start_embedding(sigil.EmbeddingStart(model=ModelRef("openai", "te3"))) as e:
        e.set_result(input_count=1, input_texts=[f"Embed {secret}"])
    client.submit_conversation_rating("conv-mo", sigil.ConversationRatingInput(
        rating_id="r-mo", rating=sigil.ConversationRatingValue.BAD, comment=f"Comment {secret}"))
    client.shutdown()
    exported = json.dumps(generations(harness))
    assert "launch code" not in exported and "QX-ZEBRA" not in exported, exported
    assert json.loads(exported)[0]["metadata"]["sigil.sdk.content_capture_mode"] == "metadata_only"
    traced = json.dumps(spans(harness))
    assert "launch code" not in traced, traced
    assert "launch code" not in json.dumps([c["json"] for c in harness.captures("ratings")])


def test_rating_comment_and_metadata_go_through_the_sanitizer(harness):
    paths = []

    def sanitizer(path, text):
        paths.append(path)
        return text.replace("ACCT-42", "[ACCOUNT]") if "ACCT-42" in text else None

    client = make(harness, sanitizer=sanitizer)
    client.submit_conversation_rating("conv-s", sigil.ConversationRatingInput(
        rating_id="r-s", rating=sigil.ConversationRatingValue.GOOD, comment="fixed ACCT-42",
        metadata={"account": "ACCT-42", "by": "jane@example.com", "n": 3}))
    client.shutdown()
    (cap,) = harness.captures("ratings")
    assert cap["json"]["comment"] == "fixed [ACCOUNT]"
    assert cap["json"]["metadata"] == {"account": "[ACCOUNT]", "by": "[REDACTED:email]", "n": 3}
    assert "rating.metadata.account" in paths


def test_truncated_json_fields_stay_json(harness):
    client = make(harness, max_field_bytes=64, content_capture="full")
    args = {"city": "Paris", "notes": "n" * 300}
    rec = client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-5"), id="gen-json"))
    rec.set_result(Generation(output=[sigil.Message(role=sigil.MessageRole.ASSISTANT, parts=[
        sigil.tool_call_part(sigil.ToolCall(id="c1", name="lookup", input_json=json.dumps(args).encode()))])]))
    rec.end()
    with client.start_tool_execution(sigil.ToolExecutionStart(tool_name="long")) as t:
        t.set_result(arguments=args, result="r" * 300)
    client.shutdown()
    (g,) = generations(harness)
    sent = base64.b64decode(g["output"][0]["parts"][0]["tool_call"]["input_json"])  # protojson bytes
    assert len(sent) <= 64
    text = json.loads(sent)  # still JSON: a string holding the cut text and the marker
    assert text.startswith('{"city":') and "[truncated" in text, text
    (span,) = [s for s in spans(harness) if s["name"] == "execute_tool long"]
    for key in ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result"):
        value = span["attributes"][key]
        assert len(value.encode()) <= 64 and "[truncated" in json.loads(value)
    assert json.loads(span["attributes"]["gen_ai.tool.call.result"]).startswith("rrr")
