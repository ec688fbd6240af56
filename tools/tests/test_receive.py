"""`sigil receive` with the real libsigil (Python binding) and real clients on loopback."""

import gzip
import json
import os
import sys

import pytest

from conftest import ROOT, ReceiverProcess, clean_env, run_quickstart
from sigil_cli.receive import DEFAULT_PORTS, ports_free


def generation(gid, conversation="conv-http", **extra):
    return {"id": gid, "conversationId": conversation, "mode": "GENERATION_MODE_SYNC",
            "model": {"provider": "openai", "name": "gpt-4o"}, **extra}


def export_body(*generations):
    return json.dumps({"generations": list(generations)}).encode()


def check_quickstart_arrived(r, transport):
    counts = r.await_counts(generations=3, spans=1, metric_exports=1)
    assert counts["generations"] == 3
    conversations = r.get("/api/local/conversations")["conversations"]
    assert [c["id"] for c in conversations] == ["conv-quickstart"]
    c = conversations[0]
    assert c["generations"] == 3 and c["errors"] == 1 and c["agents"] == ["weather-agent"]
    assert c["models"] == ["claude-sonnet-4-5", "gpt-4o", "gpt-4o-mini"]
    view = r.get("/api/local/conversations/conv-quickstart")
    assert {g["_transport"] for g in view["generations"]} == {transport}
    sync = next(g for g in view["generations"] if g["model"]["name"] == "claude-sonnet-4-5")
    kinds = [k for m in sync["input"] for p in m["parts"] for k in p if k != "metadata"]
    assert kinds == ["text", "thinking", "tool_call", "tool_result"]
    assert sync["usage"]["input_tokens"] == 120
    assert any(g.get("call_error") for g in view["generations"])
    # The tool execution and the generations' spans belong to the conversation.
    names = {s["attributes"].get("gen_ai.operation.name") for s in view["spans"]}
    assert {"execute_tool", "generateText", "streamText"} <= names, names
    r.wait_for(r"^generation \S+ via " + transport + r": conversation=conv-quickstart agent=weather-agent "
               r"model=anthropic/claude-sonnet-4-5 tokens=120 in/42 out")
    r.wait_for(r"error='provider unavailable")
    r.wait_for(r"^span 'execute_tool get_weather'")
    r.wait_for(r"^metrics export: \d+ metrics")
    return view


def test_quickstart_over_grpc(receiver, library):
    env = clean_env(SIGIL_ENDPOINT=f"localhost:{receiver.grpc_port}", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.otlp,
                    SIGIL_API_ENDPOINT=receiver.http)
    run_quickstart(env)
    view = check_quickstart_arrived(receiver, "grpc")
    assert view["ratings"][0]["rating"] == "CONVERSATION_RATING_VALUE_GOOD"
    receiver.wait_for(r"^rating conversation=conv-quickstart CONVERSATION_RATING_VALUE_GOOD")


def test_quickstart_over_http(receiver, library):
    env = clean_env(SIGIL_PROTOCOL="http", SIGIL_ENDPOINT=receiver.http, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.otlp)
    run_quickstart(env)
    check_quickstart_arrived(receiver, "http")


def test_true_defaults_need_no_configuration(tmp_path, library):
    """No flags for the receiver and no SIGIL_*/OTEL_* for the program: everything arrives."""
    if not ports_free("127.0.0.1", tuple(DEFAULT_PORTS.values())):
        pytest.skip("a default port (4317, 8080 or 4318) is taken on this machine")
    r = ReceiverProcess("--db", str(tmp_path / "d.db"), ports=False)
    try:
        assert r.grpc_port == 4317 and r.http == "http://localhost:8080" and r.otlp == "http://localhost:4318"
        run_quickstart(clean_env())
        check_quickstart_arrived(r, "grpc")
    finally:
        r.stop()


def test_restart_keeps_what_was_received(tmp_path):
    db = str(tmp_path / "keep.db")
    r = ReceiverProcess("--db", db)
    try:
        status, _ = r.post("/api/v1/generations:export", export_body(generation("g-keep", "conv-keep")))
        assert status == 202
        r.post("/api/v1/conversations/conv-keep/ratings", json.dumps({"rating": "CONVERSATION_RATING_VALUE_BAD"}).encode())
    finally:
        r.stop()
    r = ReceiverProcess("--db", db)
    try:
        r.wait_for(r"database .* \(1 generations, 0 spans kept\)")
        view = r.get("/api/local/conversations/conv-keep")
        assert [g["id"] for g in view["generations"]] == ["g-keep"]
        assert view["ratings"][0]["rating"] == "CONVERSATION_RATING_VALUE_BAD"
        # The id is still taken after the restart.
        status, body = r.post("/api/v1/generations:export", export_body(generation("g-keep", "conv-keep")))
        assert status == 202
        assert json.loads(body)["results"] == [{"generation_id": "g-keep", "accepted": False,
                                                "error": "generation already exists"}]
    finally:
        r.stop()


def test_duplicate_and_invalid_generations_answered_per_item(receiver):
    body = export_body(generation("g-1"), generation("g-1"), {"id": "g-2", "model": {"provider": "openai"}},
                       generation("", usage={"inputTokens": "5"}))
    status, raw = receiver.post("/api/v1/generations:export", body)
    assert status == 202
    results = json.loads(raw)["results"]
    assert results[0] == {"generation_id": "g-1", "accepted": True}
    assert results[1] == {"generation_id": "g-1", "accepted": False, "error": "generation already exists"}
    assert results[2] == {"generation_id": "g-2", "accepted": False, "error": "generation.model.name is required"}
    assert results[3]["accepted"] is True and results[3]["generation_id"].startswith("gen-")
    receiver.wait_for(r"generation g-1 via http: .* REJECTED: generation already exists")


def test_duplicate_over_grpc(receiver):
    grpc = pytest.importorskip("grpc")
    from harness import codegen
    pb2 = codegen.load()[0]
    request = pb2.ExportGenerationsRequest()
    request.generations.add(id="g-grpc", mode=1).model.MergeFrom(pb2.ModelRef(provider="p", name="m"))
    with grpc.insecure_channel(f"127.0.0.1:{receiver.grpc_port}") as channel:
        call = channel.unary_unary("/sigil.v1.GenerationIngestService/ExportGenerations",
                                   request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=pb2.ExportGenerationsResponse.FromString)
        assert call(request, timeout=10).results[0].accepted
        again = call(request, timeout=10).results[0]
        assert (again.accepted, again.error) == (False, "generation already exists")
        garbage = channel.unary_unary("/sigil.v1.GenerationIngestService/ExportGenerations")
        with pytest.raises(grpc.RpcError) as err:
            garbage(b"\x0a\xff\xff", timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("body", [b"not json", b'{"generations": [{"bogus": 1}]}', b"\xff\xfe", b"[1]"])
def test_unparsable_http_body_is_400(receiver, body):
    status, raw = receiver.post("/api/v1/generations:export", body)
    assert status == 400 and raw.strip()
    assert receiver.get("/api/local/revision")["counts"]["generations"] == 0


def test_gzip_http_body_is_read(receiver):
    raw = gzip.compress(export_body(generation("g-gz")))
    import urllib.request
    request = urllib.request.Request(receiver.http + "/api/v1/generations:export", data=raw, method="POST",
                                     headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202


def test_otlp_bad_bodies(receiver):
    status, _ = receiver.post("/v1/traces", b"\x0a\x05ab", "application/x-protobuf", base=receiver.otlp)
    assert status == 400
    status, raw = receiver.post("/v1/traces", b"{}", "application/json", base=receiver.otlp)
    assert status == 415 and b"protobuf" in raw
    status, _ = receiver.post("/v1/logs", b"", "application/x-protobuf", base=receiver.otlp)
    assert status == 404


def test_ratings_answer_like_the_api(receiver):
    status, raw = receiver.post("/api/v1/conversations/c%2F1/ratings",
                                json.dumps({"rating_id": "r1", "rating": "CONVERSATION_RATING_VALUE_GOOD"}).encode())
    assert status == 200
    answer = json.loads(raw)
    assert answer["rating"]["conversation_id"] == "c/1" and answer["summary"]["good_count"] == 1
    status, _ = receiver.post("/api/v1/conversations/c1/ratings", b"[]")
    assert status == 400


def test_without_grpcio_http_and_otlp_still_run(tmp_path):
    shim = tmp_path / "shim" / "grpc"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('grpcio hidden for this test')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "shim"))
    r = ReceiverProcess("--db", ":memory:", env=env)
    try:
        r.wait_for(r"gRPC ingest OFF: .*pip install grpcio")
        assert r.grpc_port is None
        status, _ = r.post("/api/v1/generations:export", export_body(generation("g-nogrpc")))
        assert status == 202
    finally:
        r.stop()


def test_port_in_use_is_a_clear_error(receiver):
    import subprocess
    port = receiver.http.rsplit(":", 1)[1]
    proc = subprocess.run([sys.executable, "-m", "sigil_cli", "receive", "--db", ":memory:", "--http-port", port,
                           "--grpc-port", "0", "--otlp-port", "0"], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
    assert proc.returncode == 1
    assert f":{port} for http" in proc.stderr and "--http-port" in proc.stderr
