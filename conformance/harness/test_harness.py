"""Tests of the capture harness itself (not of libsigil): run with
    cd conformance && python3 -m pytest -q harness
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from harness import Harness, codegen

CONFORMANCE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def h():
    with Harness() as harness:
        yield harness


@pytest.fixture(autouse=True)
def _clean(h):
    h.reset()
    yield


def post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None):
    """POST and return (status, lowercased headers, body); never raises on HTTP errors."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def control(h, method: str, path: str, obj=None):
    conn = http.client.HTTPConnection("127.0.0.1", h.ports["control"], timeout=10)
    try:
        conn.request(method, path, body=None if obj is None else json.dumps(obj).encode())
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


GENERATION = {
    "id": "gen-1",
    "conversation_id": "conv-1",
    "operation_name": "generateText",
    "mode": "GENERATION_MODE_SYNC",
    "model": {"provider": "openai", "name": "gpt-4o"},
    "input": [{"role": "MESSAGE_ROLE_USER", "parts": [{"text": "hello"}]}],
    "output": [{
        "role": "MESSAGE_ROLE_ASSISTANT",
        "parts": [{"tool_call": {"id": "call-1", "name": "lookup",
                                 "input_json": base64.b64encode(b'{"q":"x"}').decode()}}],
    }],
    "usage": {"input_tokens": "10", "output_tokens": "4"},
    "metadata": {"sigil.sdk.name": "sdk-c"},
    "temperature": 0,
}


# ---- HTTP generation ingest ---------------------------------------------------------------------


def test_http_export_decodes_protojson_and_answers_results(h):
    body = json.dumps({"generations": [GENERATION]}).encode()
    status, headers, reply = post(h.ports["http"], "/api/v1/generations:export", body,
                                  {"Content-Type": "application/json", "X-Scope-OrgID": "tenant-a"})
    assert status == 202
    assert headers["content-type"] == "application/json"
    assert json.loads(reply) == {"results": [{"generation_id": "gen-1", "accepted": True}]}

    [capture] = h.wait("http_exports", 1)
    assert capture["error"] is None
    assert capture["method"] == "POST"
    assert capture["headers"]["x-scope-orgid"] == "tenant-a"
    assert capture["body"] == body.decode()
    gen = capture["request"]["generations"][0]
    assert gen["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert gen["usage"] == {"input_tokens": "10", "output_tokens": "4"}  # int64 as protojson strings
    assert gen["temperature"] == 0  # explicit optional zero survives
    tool_call = capture["generations"][0]["output"][0]["parts"][0]["tool_call"]
    assert tool_call["input_json_text"] == '{"q":"x"}'
    assert "input_json_text" not in gen["output"][0]["parts"][0]["tool_call"]  # request stays exact


def test_http_export_unknown_field_is_400_and_recorded(h):
    body = json.dumps({"generations": [{**GENERATION, "not_a_field": 1}]}).encode()
    status, _, reply = post(h.ports["http"], "/api/v1/generations:export", body)
    assert status == 400
    assert b"not_a_field" in reply
    [capture] = h.wait("http_exports", 1)
    assert capture["request"] is None
    assert "not_a_field" in capture["error"]
    assert capture["response"]["status"] == 400


def test_http_script_status_headers_reject_and_close(h):
    h.script("http", [
        {"status": 503, "headers": {"Retry-After": "2"}},
        {"close": True},
        {"reject": {"gen-1": "bad generation"}},
    ])
    body = json.dumps({"generations": [GENERATION, {**GENERATION, "id": "gen-2"}]}).encode()

    status, headers, _ = post(h.ports["http"], "/api/v1/generations:export", body)
    assert (status, headers["retry-after"]) == (503, "2")

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(h.ports["http"], "/api/v1/generations:export", body)

    status, _, reply = post(h.ports["http"], "/api/v1/generations:export", body)
    assert status == 202
    # protojson omits accepted=false, as the reference server does.
    assert json.loads(reply)["results"] == [
        {"generation_id": "gen-1", "error": "bad generation"},
        {"generation_id": "gen-2", "accepted": True},
    ]

    status, _, _ = post(h.ports["http"], "/api/v1/generations:export", body)
    assert status == 202  # script exhausted: default success

    responses = [c["response"] for c in h.wait("http_exports", 4)]
    assert responses[0] == {"status": 503, "scripted": True}
    assert responses[1] == {"closed": True, "scripted": True}
    assert responses[3] == {"status": 202, "scripted": False}


def test_stall_holds_requests_until_released(h):
    h.stall("http", 60_000)
    result = {}

    def send():
        result["status"] = post(h.ports["http"], "/api/v1/generations:export",
                                json.dumps({"generations": [GENERATION]}).encode())[0]

    sender = threading.Thread(target=send)
    started = time.monotonic()
    sender.start()
    h.wait("http_exports", 1)  # recorded on arrival, while held
    assert sender.is_alive()
    h.stall("http", 0)  # a new stall value releases held requests
    sender.join(timeout=5)
    assert not sender.is_alive()
    assert result["status"] == 202
    assert time.monotonic() - started < 5


# ---- gRPC generation ingest ---------------------------------------------------------------------


def test_grpc_scripted_unavailable_then_success(h):
    message = "überlastet\nretry later"
    h.script("grpc", [{"code": "UNAVAILABLE", "message": message,
                       "trailers": {"grpc-retry-pushback-ms": "50"}}])
    request = h.pb2.ExportGenerationsRequest()
    request.generations.add(id="gen-1", mode=h.pb2.GENERATION_MODE_STREAM)
    request.generations.add(id="gen-2")
    metadata = (("x-scope-orgid", "tenant-b"), ("authorization", "Bearer t"))

    with grpc.insecure_channel(h.urls["grpc"]) as channel:
        stub = h.pb2_grpc.GenerationIngestServiceStub(channel)
        with pytest.raises(grpc.RpcError) as failure:
            stub.ExportGenerations(request, metadata=metadata, timeout=5)
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
        assert failure.value.details() == message
        assert dict(failure.value.trailing_metadata())["grpc-retry-pushback-ms"] == "50"

        response = stub.ExportGenerations(request, metadata=metadata, timeout=5)
    assert [(r.generation_id, r.accepted) for r in response.results] == [("gen-1", True), ("gen-2", True)]

    first, second = h.wait("grpc_exports", 2)
    assert first["response"] == {"code": "UNAVAILABLE", "message": message, "scripted": True}
    assert second["response"]["code"] == "OK"
    assert second["metadata"]["x-scope-orgid"] == "tenant-b"
    assert second["body_size"] == request.ByteSize()
    assert second["request"]["generations"][0] == {"id": "gen-1", "mode": "GENERATION_MODE_STREAM"}


def test_grpc_per_item_reject(h):
    h.script("grpc", [{"reject": ["gen-2"], "reject_error": "invalid model"}])
    request = h.pb2.ExportGenerationsRequest()
    request.generations.add(id="gen-1")
    request.generations.add(id="gen-2")
    with grpc.insecure_channel(h.urls["grpc"]) as channel:
        response = h.pb2_grpc.GenerationIngestServiceStub(channel).ExportGenerations(request, timeout=5)
    assert [(r.generation_id, r.accepted, r.error) for r in response.results] == [
        ("gen-1", True, ""), ("gen-2", False, "invalid model")]


# ---- OTLP ---------------------------------------------------------------------------------------


def _kv(key, **value):
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(**value))


def test_otlp_traces_and_metrics_are_decoded_and_flattened(h):
    traces = trace_service_pb2.ExportTraceServiceRequest()
    rs = traces.resource_spans.add()
    rs.resource.attributes.append(_kv("service.name", string_value="demo"))
    ss = rs.scope_spans.add()
    ss.scope.name = "github.com/grafana/sigil"
    span = ss.spans.add(
        name="generateText gpt-4o", kind=trace_pb2.Span.SPAN_KIND_CLIENT,
        trace_id=bytes.fromhex("0af7651916cd43dd8448eb211c80319c"),
        span_id=bytes.fromhex("b7ad6b7169203331"), start_time_unix_nano=1, end_time_unix_nano=2,
    )
    span.attributes.extend([
        _kv("gen_ai.usage.input_tokens", int_value=10),
        _kv("gen_ai.response.finish_reasons",
            array_value=common_pb2.ArrayValue(values=[common_pb2.AnyValue(string_value="stop")])),
    ])
    span.status.code = trace_pb2.Status.STATUS_CODE_ERROR
    span.events.add(name="exception").attributes.append(_kv("exception.type", string_value="E"))

    status, headers, reply = post(h.ports["otlp"], "/v1/traces", traces.SerializeToString(),
                                  {"Content-Type": "application/x-protobuf"})
    assert status == 200 and headers["content-type"] == "application/x-protobuf"
    trace_service_pb2.ExportTraceServiceResponse.FromString(reply)

    [capture] = h.wait("otlp_traces", 1)
    [flat] = capture["spans"]
    assert flat["resource"] == {"service.name": "demo"}
    assert flat["scope"]["name"] == "github.com/grafana/sigil"
    assert flat["kind"] == "SPAN_KIND_CLIENT"
    assert flat["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert flat["span_id"] == "b7ad6b7169203331"
    assert flat["parent_span_id"] == ""
    assert flat["attributes"] == {"gen_ai.usage.input_tokens": 10,
                                  "gen_ai.response.finish_reasons": ["stop"]}
    assert flat["status"]["code"] == "STATUS_CODE_ERROR"
    assert flat["events"][0]["attributes"] == {"exception.type": "E"}

    metrics = metrics_service_pb2.ExportMetricsServiceRequest()
    metric = metrics.resource_metrics.add().scope_metrics.add().metrics.add(
        name="gen_ai.client.operation.duration", unit="s")
    metric.histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
    point = metric.histogram.data_points.add(count=3, sum=1.5, bucket_counts=[1, 2, 0],
                                             explicit_bounds=[0.5, 1.0])
    point.attributes.append(_kv("gen_ai.operation.name", string_value="generateText"))
    status, _, _ = post(h.ports["otlp"], "/v1/metrics", metrics.SerializeToString(),
                        {"Content-Type": "application/x-protobuf"})
    assert status == 200
    [capture] = h.wait("otlp_metrics", 1)
    [flat] = capture["points"]
    assert (flat["name"], flat["unit"], flat["type"]) == ("gen_ai.client.operation.duration", "s", "histogram")
    assert flat["temporality"] == "AGGREGATION_TEMPORALITY_DELTA"
    assert (flat["count"], flat["sum"], flat["min"]) == (3, 1.5, None)
    assert flat["bucket_counts"] == [1, 2, 0] and flat["explicit_bounds"] == [0.5, 1.0]
    assert flat["attributes"] == {"gen_ai.operation.name": "generateText"}


# ---- Rating API ---------------------------------------------------------------------------------


def test_rating_path_unescape_default_answer_and_scripted_409(h):
    body = json.dumps({"rating_id": "r-1", "rating": "CONVERSATION_RATING_VALUE_BAD",
                       "comment": "wrong"}).encode()
    path = "/api/v1/conversations/conv%2F1%20%C3%A9/ratings"
    status, _, reply = post(h.ports["api"], path, body, {"Content-Type": "application/json"})
    assert status == 200
    answer = json.loads(reply)
    assert answer["rating"]["conversation_id"] == "conv/1 é"
    assert answer["rating"]["rating_id"] == "r-1" and answer["rating"]["comment"] == "wrong"
    assert answer["rating"]["created_at"].endswith("Z")
    assert answer["summary"]["bad_count"] == 1 and answer["summary"]["has_bad_rating"] is True

    h.script("api", [{"status": 409, "body": "rating conflict"}])
    status, _, reply = post(h.ports["api"], path, body)
    assert (status, reply) == (409, b"rating conflict")

    first, second = h.wait("ratings", 2)
    assert first["conversation_id"] == "conv/1 é"
    assert first["raw_path"] == path
    assert first["json"]["rating"] == "CONVERSATION_RATING_VALUE_BAD"
    assert second["response"] == {"status": 409, "scripted": True}


# ---- Score ingest --------------------------------------------------------------------------------


def _score(score_id: str, **extra):
    return {"score_id": score_id, "generation_id": "g", "evaluator_id": "e", "evaluator_version": "1",
            "score_key": "k", "value": {"number": 0.5}, **extra}


def test_scores_are_answered_per_item_and_idempotent_on_score_id():
    with Harness() as h:
        body = {"scores": [_score("s-1"), _score("s-2", value={"bool": True, "string": "x"}),
                           _score("s-3", generation_id=" "), _score("s-1", value={"number": 0.9})]}
        status, _, reply = post(h.ports["api"], "/api/v1/scores:export", json.dumps(body).encode())
        assert status == 202
        assert json.loads(reply)["results"] == [
            {"score_id": "s-1", "accepted": True, "error": ""},
            {"score_id": "s-2", "accepted": False, "error": "value must have exactly one of number, bool, string"},
            {"score_id": "s-3", "accepted": False, "error": "generation_id is required"},
            {"score_id": "s-1", "accepted": True, "error": ""},
        ]
        # An unknown field anywhere refuses the whole request, as the reference's decoder does.
        status, _, _ = post(h.ports["api"], "/api/v1/scores:export",
                            json.dumps({"scores": [_score("s-4", label="x")]}).encode())
        assert status == 400
        first, second = h.wait("scores", 2)
        assert first["json"]["scores"][0]["score_id"] == "s-1" and len(first["results"]) == 4
        assert second["response"]["status"] == 400 and second["results"] == []
        # Ratings still answer on the same server.
        status, _, _ = post(h.ports["api"], "/api/v1/conversations/c/ratings",
                            json.dumps({"rating_id": "r", "rating": "CONVERSATION_RATING_VALUE_GOOD"}).encode())
        assert status == 200


# ---- Control API and the serve command ----------------------------------------------------------


def test_control_api_wait_script_and_errors(h):
    status, answer = control(h, "GET", "/captures/wait?kind=ratings&count=1&timeout_ms=20")
    assert status == 200 and answer["complete"] is False and answer["captures"] == []

    assert control(h, "POST", "/script", {"target": "grpc", "responses": [{"code": "NOPE"}]})[0] == 400
    assert control(h, "POST", "/script", {"target": "api", "responses": [{"code": "OK"}]})[0] == 400
    assert control(h, "POST", "/script", {"target": "api", "responses": [{"status": 500}]}) == (
        200, {"target": "api", "queued": 1})
    assert control(h, "POST", "/stall", {"target": "grpc", "delay_ms": 5})[0] == 200
    state = control(h, "GET", "/state")[1]
    assert state["queued"]["api"] == 1 and state["stall_ms"]["grpc"] == 5

    post(h.ports["api"], "/api/v1/conversations/c/ratings", b"{}")
    status, answer = control(h, "GET", "/captures/wait?kind=ratings&count=1&timeout_ms=5000")
    assert answer["complete"] is True and answer["captures"][0]["response"]["status"] == 500

    assert control(h, "POST", "/reset")[1] == {"ok": True}
    captures = control(h, "GET", "/captures")[1]
    assert set(captures) >= {"http_exports", "grpc_exports", "otlp_traces", "otlp_metrics", "ratings"}
    assert all(items == [] for items in captures.values())


def test_serve_writes_ports_file_and_shuts_down(tmp_path):
    ports_file = tmp_path / "ports.json"
    stderr_file = tmp_path / "stderr.txt"
    with open(stderr_file, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness", "serve", "--ports-file", str(ports_file)],
            cwd=CONFORMANCE_DIR, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 10
        while not ports_file.exists():  # the documented readiness signal is the file itself
            assert proc.poll() is None, stderr_file.read_text()
            assert time.monotonic() < deadline, "ports file never appeared"
            time.sleep(0.02)
        ports = json.loads(ports_file.read_text())
        assert set(ports) == {"http", "grpc", "otlp", "api", "control"}
        conn = http.client.HTTPConnection("127.0.0.1", ports["control"], timeout=5)
        conn.request("POST", "/shutdown")
        assert json.loads(conn.getresponse().read()) == {"ok": True}
        conn.close()
        assert proc.wait(timeout=5) == 0
        assert not ports_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---- Code generation ----------------------------------------------------------------------------


def test_codegen_regenerates_only_when_the_proto_changes(tmp_path):
    proto_root = tmp_path / "proto"
    proto = proto_root / codegen.PROTO_REL
    proto.parent.mkdir(parents=True)
    shutil.copy(codegen.PROTO_ROOT / codegen.PROTO_REL, proto)
    gen_dir = tmp_path / "gen"
    pb2_file = gen_dir / "sigil" / "v1" / "generation_ingest_pb2.py"

    codegen.ensure_generated(proto_root, gen_dir)
    first = pb2_file.stat().st_mtime_ns
    codegen.ensure_generated(proto_root, gen_dir)
    assert pb2_file.stat().st_mtime_ns == first

    proto.write_text(proto.read_text() + "\nmessage HarnessProbe { string x = 1; }\n")
    os.utime(pb2_file, ns=(first - 10**9, first - 10**9))  # make a rewrite observable
    codegen.ensure_generated(proto_root, gen_dir)
    assert pb2_file.stat().st_mtime_ns != first - 10**9
    assert "HarnessProbe" in pb2_file.read_text()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_serving_with_and_without_client_certificates(tmp_path):
    import ssl

    from harness.tls import make_pki

    pki = make_pki(tmp_path)
    with Harness(tls=pki.server(require_client_cert=True)) as secure:
        assert secure.urls["grpc"].startswith("https://") and secure.urls["control"].startswith("http://")
        target = secure.urls["grpc"].removeprefix("https://")
        request = secure.pb2.ExportGenerationsRequest()
        request.generations.add(id="gen-tls")
        anonymous = grpc.ssl_channel_credentials(root_certificates=pki.ca_cert.read_bytes())
        with grpc.secure_channel(target, anonymous) as channel:
            with pytest.raises(grpc.RpcError):
                secure.pb2_grpc.GenerationIngestServiceStub(channel).ExportGenerations(request, timeout=5)
        identified = grpc.ssl_channel_credentials(
            root_certificates=pki.ca_cert.read_bytes(), private_key=pki.client_key.read_bytes(),
            certificate_chain=pki.client_cert.read_bytes())
        with grpc.secure_channel(target, identified) as channel:
            secure.pb2_grpc.GenerationIngestServiceStub(channel).ExportGenerations(request, timeout=5)
        assert secure.wait("grpc_exports", 1)[0]["generations"][0]["id"] == "gen-tls"

        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        port = secure.ports["api"]
        with pytest.raises(OSError):  # ssl.SSLError or a reset: no client certificate
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
            conn.request("GET", "/")
            conn.getresponse()
        context.load_cert_chain(pki.client_cert, pki.client_key)
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().status in (200, 400, 404, 405)
        conn.close()
