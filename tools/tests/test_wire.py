"""The receiver's protobuf decoder against the .proto files and against the protobuf library's bytes."""

import base64
import json
import os
import re

import pytest
from google.protobuf import json_format

from conftest import ROOT
from sigil_cli import _wire

PROTO_DIR = os.path.join(ROOT, "lib", "proto")


def proto_fields():
    """{message name: {number: field name}} from every .proto file under lib/proto."""
    fields = {}
    field_re = re.compile(r"^\s*(?:repeated |optional )?(?:map<[^>]+>|[\w.]+) (\w+) = (\d+);")
    for directory, _, files in os.walk(PROTO_DIR):
        for name in files:
            if not name.endswith(".proto"):
                continue
            stack = []
            with open(os.path.join(directory, name)) as f:
                for line in f:
                    line = line.split("//")[0]
                    m = re.match(r"^\s*(message|enum|oneof|service) (\w+)", line)
                    if m:
                        stack.append((m.group(1), m.group(2)))
                        continue
                    if re.match(r"^\s*}", line) and stack:
                        stack.pop()
                        continue
                    m = field_re.match(line)
                    messages = [n for kind, n in stack if kind == "message"]
                    if m and messages and not any(kind == "enum" for kind, _ in stack):
                        fields.setdefault(messages[-1], {})[int(m.group(2))] = m.group(1)
    return fields


def test_tables_match_the_proto_files():
    declared = proto_fields()
    well_known = {"Timestamp", "Struct", "StructFieldsEntry", "Value", "ListValue", "StringMapEntry"}
    checked = 0
    for message, table in _wire.MESSAGES.items():
        if message in well_known:
            continue
        assert message in declared, f"{message} is not declared under lib/proto"
        for number, (name, _) in table.items():
            assert declared[message].get(number) == name, f"{message} field {number}: {name} vs .proto"
            checked += 1
        # Every field of the sigil.v1 messages is read; OTLP ones may be left out.
        if message in ("Generation", "Part", "TokenUsage", "ToolCall", "ToolResult", "Message"):
            assert set(declared[message]) == set(table), message
    assert checked > 100


@pytest.fixture(scope="module")
def pb2():
    from harness import codegen
    return codegen.load()[0]


def full_generation(pb2):
    g = pb2.Generation(id="g1", conversation_id="c1", operation_name="generateText", mode=2, trace_id="ab" * 16,
                       span_id="cd" * 8, response_id="r", response_model="m-1", system_prompt="be brief",
                       stop_reason="stop", call_error="boom", agent_name="a", agent_version="1", max_tokens=-5,
                       temperature=0.25, top_p=1.0, tool_choice="auto", thinking_enabled=False,
                       parent_generation_ids=["p1", "p2"], effective_version="sha256:" + "0" * 64)
    g.model.provider, g.model.name = "openai", "gpt-4o"
    m = g.input.add(role=1, name="u")
    m.parts.add(text="hi ☃").metadata.provider_type = "text"
    m.parts.add(thinking="hmm")
    m.parts.add(tool_call=pb2.ToolCall(id="t1", name="w", input_json=b'{"city":"Paris"}'))
    m.parts.add(tool_result=pb2.ToolResult(tool_call_id="t1", content="18", content_json=b"\xff\x00", is_error=True))
    m.parts.add(media=pb2.Media(kind="image", url="u", mime_type="image/png", name="n"))
    g.tools.add(name="w", input_schema_json=b"{}", deferred=True)
    g.usage.input_tokens, g.usage.output_tokens, g.usage.reasoning_tokens = 1 << 40, 7, 3
    g.started_at.seconds, g.started_at.nanos = 1700000000, 120000000
    g.tags["team"] = "x"
    g.metadata.update({"cost_usd": 0.25, "nested": {"list": [1, "two", None, True]}})
    g.raw_artifacts.add(kind=4, payload=b"raw")
    return g


def test_decode_matches_the_protobuf_library(pb2):
    request = pb2.ExportGenerationsRequest()
    request.generations.append(full_generation(pb2))
    view = _wire.decode("ExportGenerationsRequest", request.SerializeToString())
    expected = json_format.MessageToDict(request, preserving_proto_field_name=True)
    g = expected["generations"][0]
    g["usage"] = {k: int(v) for k, v in g["usage"].items()}  # protojson's int64 strings; ours are ints
    g["max_tokens"] = int(g["max_tokens"])
    g["thinking_enabled"] = False  # an explicit optional false survives on the wire
    assert view == expected
    # The same request as protojson (camelCase names) gives the same view.
    camel = json.loads(json_format.MessageToJson(request))
    assert _wire.from_json("ExportGenerationsRequest", camel) == view


@pytest.mark.parametrize("body", [b"\x0a\x05abc", b"\x0a", b"\x0b", b"\x0a\x02\x0a\xff", b"\x08" + b"\xff" * 11])
def test_malformed_bytes_raise(body):
    with pytest.raises(_wire.WireError):
        _wire.decode("ExportGenerationsRequest", body)


@pytest.mark.parametrize("value", [
    {"generations": [{"unknownField": 1}]},
    {"generations": {"id": "x"}},
    {"generations": [{"usage": {"inputTokens": "x"}}]},
    {"generations": [{"mode": "FAST"}]},
    {"generations": [{"startedAt": "yesterday"}]},
    {"generations": [{"input": [{"parts": [{"toolCall": {"inputJson": "not base64!"}}]}]}]},
    [],
])
def test_bad_protojson_raises(value):
    with pytest.raises(_wire.WireError):
        _wire.from_json("ExportGenerationsRequest", value)


def test_otlp_trace_and_metrics_decode():
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    traces = trace_service_pb2.ExportTraceServiceRequest()
    rs = traces.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = "svc"
    span = rs.scope_spans.add().spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="chat", kind=3,
                                           start_time_unix_nano=10, end_time_unix_nano=2**63 + 5)
    span.attributes.add(key="n").value.int_value = -3
    span.status.code = 2
    view = _wire.decode("ExportTraceServiceRequest", traces.SerializeToString())
    got = view["resource_spans"][0]["scope_spans"][0]["spans"][0]
    assert base64.b64decode(got["trace_id"]) == b"\x01" * 16
    assert got["end_time_unix_nano"] == 2**63 + 5 and got["kind"] == "SPAN_KIND_CLIENT"
    assert got["attributes"] == [{"key": "n", "value": {"int_value": -3}}]
    assert got["status"] == {"code": "STATUS_CODE_ERROR"}

    metrics = metrics_service_pb2.ExportMetricsServiceRequest()
    metric = metrics.resource_metrics.add().scope_metrics.add().metrics.add(name="h", unit="s")
    point = metric.histogram.data_points.add(count=3, sum=1.5, bucket_counts=[1, 2], explicit_bounds=[0.5])
    point.attributes.add(key="k").value.string_value = "v"
    view = _wire.decode("ExportMetricsServiceRequest", metrics.SerializeToString())
    got = view["resource_metrics"][0]["scope_metrics"][0]["metrics"][0]["histogram"]["data_points"][0]
    assert got["count"] == 3 and got["bucket_counts"] == [1, 2] and got["explicit_bounds"] == [0.5]


def test_export_response_encoding_reads_back(pb2):
    raw = _wire.encode_export_response([{"generation_id": "a", "accepted": True},
                                        {"generation_id": "b", "accepted": False, "error": "generation already exists"}])
    response = pb2.ExportGenerationsResponse.FromString(raw)
    assert [(r.generation_id, r.accepted, r.error) for r in response.results] == [
        ("a", True, ""), ("b", False, "generation already exists")]
