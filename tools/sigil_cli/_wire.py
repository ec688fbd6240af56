"""Protobuf wire format for the receiver, driven by small schema tables.

The tables name the fields of sigil.v1 generation ingest (lib/proto/sigil/v1) and of the OTLP
trace and metric export requests (lib/proto/opentelemetry) that the receiver reads; a test checks
them against those .proto files. Decoding gives plain dicts shaped like protojson with proto field
names: enums as names, bytes as base64, Timestamps as RFC 3339 strings, Structs as JSON values.
Fields the tables do not name are skipped, as protobuf readers do; 64-bit integers stay ints.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from datetime import datetime, timezone
from typing import Any

__all__ = ["WireError", "decode", "encode_export_response", "from_json", "MESSAGES", "ENUMS"]


class WireError(ValueError):
    """The bytes or the JSON do not form the expected message."""


# Field kinds: scalar names as in .proto; "msg:Name" and "enum:Name" refer to the tables below;
# a leading "*" marks a repeated field; "map:Entry" a map (Entry has key = 1, value = 2).
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    # sigil.v1 (generation_ingest.proto)
    "ExportGenerationsRequest": {1: ("generations", "*msg:Generation")},
    "ExportGenerationsResponse": {1: ("results", "*msg:ExportGenerationResult")},
    "ExportGenerationResult": {1: ("generation_id", "string"), 2: ("accepted", "bool"), 3: ("error", "string")},
    "ModelRef": {1: ("provider", "string"), 2: ("name", "string")},
    "PartMetadata": {1: ("provider_type", "string")},
    "ToolCall": {1: ("id", "string"), 2: ("name", "string"), 3: ("input_json", "bytes")},
    "ToolResult": {1: ("tool_call_id", "string"), 2: ("name", "string"), 3: ("content", "string"),
                   4: ("content_json", "bytes"), 5: ("is_error", "bool")},
    "Media": {1: ("kind", "string"), 2: ("url", "string"), 3: ("mime_type", "string"), 4: ("name", "string")},
    "Part": {1: ("metadata", "msg:PartMetadata"), 2: ("text", "string"), 3: ("thinking", "string"),
             4: ("tool_call", "msg:ToolCall"), 5: ("tool_result", "msg:ToolResult"), 6: ("media", "msg:Media")},
    "Message": {1: ("role", "enum:MessageRole"), 2: ("name", "string"), 3: ("parts", "*msg:Part")},
    "ToolDefinition": {1: ("name", "string"), 2: ("description", "string"), 3: ("type", "string"),
                       4: ("input_schema_json", "bytes"), 5: ("deferred", "bool")},
    "TokenUsage": {1: ("input_tokens", "int64"), 2: ("output_tokens", "int64"), 3: ("total_tokens", "int64"),
                   4: ("cache_read_input_tokens", "int64"), 5: ("cache_write_input_tokens", "int64"),
                   6: ("reasoning_tokens", "int64")},
    "Artifact": {1: ("kind", "enum:ArtifactKind"), 2: ("name", "string"), 3: ("content_type", "string"),
                 4: ("payload", "bytes"), 5: ("record_id", "string"), 6: ("uri", "string")},
    "Generation": {
        1: ("id", "string"), 2: ("conversation_id", "string"), 3: ("operation_name", "string"),
        4: ("mode", "enum:GenerationMode"), 5: ("trace_id", "string"), 6: ("span_id", "string"),
        7: ("model", "msg:ModelRef"), 8: ("response_id", "string"), 9: ("response_model", "string"),
        10: ("system_prompt", "string"), 11: ("input", "*msg:Message"), 12: ("output", "*msg:Message"),
        13: ("tools", "*msg:ToolDefinition"), 14: ("usage", "msg:TokenUsage"), 15: ("stop_reason", "string"),
        16: ("started_at", "msg:Timestamp"), 17: ("completed_at", "msg:Timestamp"),
        18: ("tags", "map:StringMapEntry"), 19: ("metadata", "msg:Struct"), 20: ("raw_artifacts", "*msg:Artifact"),
        21: ("call_error", "string"), 22: ("agent_name", "string"), 23: ("agent_version", "string"),
        24: ("max_tokens", "int64"), 25: ("temperature", "double"), 26: ("top_p", "double"),
        27: ("tool_choice", "string"), 28: ("thinking_enabled", "bool"),
        29: ("parent_generation_ids", "*string"), 30: ("effective_version", "string"),
    },
    "StringMapEntry": {1: ("key", "string"), 2: ("value", "string")},
    # google.protobuf well-known types
    "Timestamp": {1: ("seconds", "int64"), 2: ("nanos", "int32")},
    "Struct": {1: ("fields", "map:StructFieldsEntry")},
    "StructFieldsEntry": {1: ("key", "string"), 2: ("value", "msg:Value")},
    "Value": {1: ("null_value", "enum:NullValue"), 2: ("number_value", "double"), 3: ("string_value", "string"),
              4: ("bool_value", "bool"), 5: ("struct_value", "msg:Struct"), 6: ("list_value", "msg:ListValue")},
    "ListValue": {1: ("values", "*msg:Value")},
    # OTLP common, resource
    "AnyValue": {1: ("string_value", "string"), 2: ("bool_value", "bool"), 3: ("int_value", "int64"),
                 4: ("double_value", "double"), 5: ("array_value", "msg:ArrayValue"),
                 6: ("kvlist_value", "msg:KeyValueList"), 7: ("bytes_value", "bytes")},
    "ArrayValue": {1: ("values", "*msg:AnyValue")},
    "KeyValueList": {1: ("values", "*msg:KeyValue")},
    "KeyValue": {1: ("key", "string"), 2: ("value", "msg:AnyValue")},
    "InstrumentationScope": {1: ("name", "string"), 2: ("version", "string"), 3: ("attributes", "*msg:KeyValue"),
                             4: ("dropped_attributes_count", "uint32")},
    "Resource": {1: ("attributes", "*msg:KeyValue"), 2: ("dropped_attributes_count", "uint32")},
    # OTLP traces
    "ExportTraceServiceRequest": {1: ("resource_spans", "*msg:ResourceSpans")},
    "ResourceSpans": {1: ("resource", "msg:Resource"), 2: ("scope_spans", "*msg:ScopeSpans"),
                      3: ("schema_url", "string")},
    "ScopeSpans": {1: ("scope", "msg:InstrumentationScope"), 2: ("spans", "*msg:Span"), 3: ("schema_url", "string")},
    "Span": {1: ("trace_id", "bytes"), 2: ("span_id", "bytes"), 3: ("trace_state", "string"),
             4: ("parent_span_id", "bytes"), 5: ("name", "string"), 6: ("kind", "enum:SpanKind"),
             7: ("start_time_unix_nano", "fixed64"), 8: ("end_time_unix_nano", "fixed64"),
             9: ("attributes", "*msg:KeyValue"), 10: ("dropped_attributes_count", "uint32"),
             11: ("events", "*msg:Event"), 12: ("dropped_events_count", "uint32"), 13: ("links", "*msg:Link"),
             14: ("dropped_links_count", "uint32"), 15: ("status", "msg:Status"), 16: ("flags", "fixed32")},
    "Event": {1: ("time_unix_nano", "fixed64"), 2: ("name", "string"), 3: ("attributes", "*msg:KeyValue"),
              4: ("dropped_attributes_count", "uint32")},
    "Link": {1: ("trace_id", "bytes"), 2: ("span_id", "bytes"), 3: ("trace_state", "string"),
             4: ("attributes", "*msg:KeyValue"), 5: ("dropped_attributes_count", "uint32"), 6: ("flags", "fixed32")},
    "Status": {2: ("message", "string"), 3: ("code", "enum:StatusCode")},
    # OTLP metrics
    "ExportMetricsServiceRequest": {1: ("resource_metrics", "*msg:ResourceMetrics")},
    "ResourceMetrics": {1: ("resource", "msg:Resource"), 2: ("scope_metrics", "*msg:ScopeMetrics"),
                        3: ("schema_url", "string")},
    "ScopeMetrics": {1: ("scope", "msg:InstrumentationScope"), 2: ("metrics", "*msg:Metric"),
                     3: ("schema_url", "string")},
    "Metric": {1: ("name", "string"), 2: ("description", "string"), 3: ("unit", "string"), 7: ("sum", "msg:Sum"),
               9: ("histogram", "msg:Histogram"), 12: ("metadata", "*msg:KeyValue")},
    "Sum": {1: ("data_points", "*msg:NumberDataPoint"),
            2: ("aggregation_temporality", "enum:AggregationTemporality"), 3: ("is_monotonic", "bool")},
    "NumberDataPoint": {7: ("attributes", "*msg:KeyValue"), 2: ("start_time_unix_nano", "fixed64"),
                        3: ("time_unix_nano", "fixed64"), 4: ("as_double", "double"), 6: ("as_int", "sfixed64"),
                        8: ("flags", "uint32")},
    "Histogram": {1: ("data_points", "*msg:HistogramDataPoint"),
                  2: ("aggregation_temporality", "enum:AggregationTemporality")},
    "HistogramDataPoint": {9: ("attributes", "*msg:KeyValue"), 2: ("start_time_unix_nano", "fixed64"),
                           3: ("time_unix_nano", "fixed64"), 4: ("count", "fixed64"), 5: ("sum", "double"),
                           6: ("bucket_counts", "*fixed64"), 7: ("explicit_bounds", "*double"),
                           10: ("flags", "uint32"), 11: ("min", "double"), 12: ("max", "double")},
}

ENUMS: dict[str, tuple[str, ...]] = {
    "GenerationMode": ("GENERATION_MODE_UNSPECIFIED", "GENERATION_MODE_SYNC", "GENERATION_MODE_STREAM"),
    "MessageRole": ("MESSAGE_ROLE_UNSPECIFIED", "MESSAGE_ROLE_USER", "MESSAGE_ROLE_ASSISTANT", "MESSAGE_ROLE_TOOL"),
    "ArtifactKind": ("ARTIFACT_KIND_UNSPECIFIED", "ARTIFACT_KIND_REQUEST", "ARTIFACT_KIND_RESPONSE",
                     "ARTIFACT_KIND_TOOLS", "ARTIFACT_KIND_PROVIDER_EVENT"),
    "NullValue": ("NULL_VALUE",),
    "SpanKind": ("SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
                 "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"),
    "StatusCode": ("STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"),
    "AggregationTemporality": ("AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA",
                               "AGGREGATION_TEMPORALITY_CUMULATIVE"),
}

_VARINT_KINDS = {"int64", "int32", "uint32", "uint64", "bool", "enum"}
_FIXED64 = {"fixed64": "<Q", "sfixed64": "<q", "double": "<d"}
_FIXED32 = {"fixed32": "<I", "sfixed32": "<i", "float": "<f"}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise WireError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def _fields(buf: bytes):
    """(field number, wire type, raw value) for every field of one message."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            if pos + 8 > end:
                raise WireError("truncated 64-bit field")
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > end:
                raise WireError(f"field {number}: length {size} runs past the end")
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            if pos + 4 > end:
                raise WireError("truncated 32-bit field")
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise WireError(f"field {number}: unsupported wire type {wire}")
        yield number, wire, value


def _scalar(kind: str, wire: int, raw: Any) -> Any:
    if kind in _VARINT_KINDS:
        if wire != 0:
            raise WireError(f"{kind} field with wire type {wire}")
        if kind == "bool":
            return raw != 0
        if kind in ("int64", "int32") and raw >= 1 << 63:
            raw -= 1 << 64
        if kind == "int32":
            raw = ((raw + (1 << 31)) % (1 << 32)) - (1 << 31)
        return raw
    if kind in _FIXED64:
        if wire != 1:
            raise WireError(f"{kind} field with wire type {wire}")
        return struct.unpack(_FIXED64[kind], raw)[0]
    if kind in _FIXED32:
        if wire != 5:
            raise WireError(f"{kind} field with wire type {wire}")
        return struct.unpack(_FIXED32[kind], raw)[0]
    if wire != 2:
        raise WireError(f"{kind} field with wire type {wire}")
    if kind == "string":
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WireError(f"string field is not valid UTF-8: {exc}") from None
    if kind == "bytes":
        return bytes(raw)
    raise WireError(f"unknown kind {kind}")


def _packed(kind: str, raw: bytes) -> list[Any]:
    if kind in _FIXED64 or kind in _FIXED32:
        fmt = _FIXED64.get(kind) or _FIXED32[kind]
        size = struct.calcsize(fmt)
        if len(raw) % size:
            raise WireError(f"packed {kind} of {len(raw)} bytes")
        return [v[0] for v in struct.iter_unpack(fmt, raw)]
    out, pos = [], 0
    while pos < len(raw):
        value, pos = _varint(raw, pos)
        out.append(_scalar(kind, 0, value))
    return out


def _decode_message(name: str, buf: bytes, depth: int) -> dict[str, Any]:
    if depth > 64:
        raise WireError("messages nested too deeply")
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, wire, raw in _fields(buf):
        field = table.get(number)
        if field is None:
            continue
        key, kind = field
        repeated = kind.startswith("*")
        kind = kind.lstrip("*")
        if kind.startswith("map:"):
            if wire != 2:
                raise WireError(f"{key}: map entry with wire type {wire}")
            entry = _decode_message(kind[4:], raw, depth + 1)
            out.setdefault(key, {})[entry.get("key", "")] = entry.get("value", "")
            continue
        if kind.startswith("msg:"):
            if wire != 2:
                raise WireError(f"{key}: message with wire type {wire}")
            value: Any = _decode_message(kind[4:], raw, depth + 1)
        elif kind.startswith("enum:"):
            labels = ENUMS[kind[5:]]
            if repeated and wire == 2:
                out.setdefault(key, []).extend(labels[v] if v < len(labels) else v for v in _packed("int32", raw))
                continue
            number_value = _scalar("int32", wire, raw)
            value = labels[number_value] if 0 <= number_value < len(labels) else number_value
        elif repeated and wire == 2 and kind not in ("string", "bytes"):
            out.setdefault(key, []).extend(_packed(kind, raw))
            continue
        else:
            value = _scalar(kind, wire, raw)
        if repeated:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def _rfc3339(seconds: int, nanos: int) -> str:
    try:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise WireError(f"timestamp {seconds}s out of range") from None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:  # 3, 6 or 9 digits, as protojson writes them
        digits = f"{nanos:09d}"
        text += "." + (digits[:3] if nanos % 1_000_000 == 0 else digits[:6] if nanos % 1000 == 0 else digits)
    return text + "Z"


def _struct_value(value: dict[str, Any]) -> Any:
    if "struct_value" in value:
        return {k: _struct_value(v) for k, v in value["struct_value"].get("fields", {}).items()}
    if "list_value" in value:
        return [_struct_value(v) for v in value["list_value"].get("values", [])]
    for key in ("string_value", "number_value", "bool_value"):
        if key in value:
            return value[key]
    return None


def _to_view(name: str, value: dict[str, Any]) -> Any:
    """Decoded dict -> the protojson-like view (well-known types as JSON, bytes as base64)."""
    if name == "Timestamp":
        return _rfc3339(value.get("seconds", 0), value.get("nanos", 0))
    if name == "Struct":
        return {k: _struct_value(v) for k, v in value.get("fields", {}).items()}
    table = {key: kind for key, kind in MESSAGES[name].values()}
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = table[key].lstrip("*")
        if kind.startswith("msg:"):
            sub = kind[4:]
            out[key] = [_to_view(sub, v) for v in item] if isinstance(item, list) else _to_view(sub, item)
        elif kind == "bytes":
            out[key] = [_b64(v) for v in item] if isinstance(item, list) else _b64(item)
        else:
            out[key] = item
    return out


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode(name: str, buf: bytes) -> dict[str, Any]:
    """Decodes protobuf bytes as message `name` into its protojson-like view; WireError if malformed."""
    try:
        return _to_view(name, _decode_message(name, memoryview(buf).tobytes(), 0))
    except WireError:
        raise
    except (struct.error, KeyError, IndexError, RecursionError) as exc:
        raise WireError(f"malformed {name}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# protojson (the HTTP ingest body) -> the same view, checked against the tables

_CAMEL = re.compile(r"_([a-z0-9])")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_INT_RANGE = {"int64": (-(1 << 63), (1 << 63) - 1), "int32": (-(1 << 31), (1 << 31) - 1),
              "uint32": (0, (1 << 32) - 1), "uint64": (0, (1 << 64) - 1), "fixed64": (0, (1 << 64) - 1),
              "sfixed64": (-(1 << 63), (1 << 63) - 1), "fixed32": (0, (1 << 32) - 1)}


def _json_names(name: str) -> dict[str, tuple[str, str]]:
    names = {}
    for key, kind in MESSAGES[name].values():
        names[key] = (key, kind)
        names[_CAMEL.sub(lambda m: m.group(1).upper(), key)] = (key, kind)
    return names


def _expect(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise WireError(f"{where}: want {what}")


def _json_scalar(kind: str, value: Any, where: str) -> Any:
    if kind == "string":
        _expect(isinstance(value, str), where, "a string")
        return value
    if kind == "bool":
        _expect(isinstance(value, bool), where, "true or false")
        return value
    if kind == "bytes":
        _expect(isinstance(value, str), where, "base64 text")
        try:
            text = value.replace("-", "+").replace("_", "/")
            text += "=" * (-len(text) % 4)
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise WireError(f"{where}: invalid base64") from None
        return text
    if kind in ("double", "float"):
        if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise WireError(f"{where}: want a number")
        return float(value)
    if kind in _INT_RANGE:
        if isinstance(value, bool):
            raise WireError(f"{where}: want an integer")
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise WireError(f"{where}: invalid integer {value!r}") from None
        elif isinstance(value, float):
            if not value.is_integer():
                raise WireError(f"{where}: want an integer, got {value}")
            value = int(value)
        elif not isinstance(value, int):
            raise WireError(f"{where}: want an integer")
        low, high = _INT_RANGE[kind]
        if not low <= value <= high:
            raise WireError(f"{where}: {value} out of range for {kind}")
        return value
    raise WireError(f"{where}: unknown kind {kind}")


def _json_message(name: str, value: Any, where: str, depth: int = 0) -> Any:
    if depth > 64:
        raise WireError("messages nested too deeply")
    if name == "Timestamp":
        _expect(isinstance(value, str) and _TIMESTAMP.match(value) is not None, where, "an RFC 3339 timestamp")
        return value
    _expect(isinstance(value, dict), where, "a JSON object")
    if name == "Struct":
        return value
    names = _json_names(name)
    out: dict[str, Any] = {}
    for json_key, item in value.items():
        if json_key not in names:
            raise WireError(f"{where}: unknown field {json_key!r}")
        key, kind = names[json_key]
        if item is None:
            continue
        here = f"{where}.{key}"
        repeated = kind.startswith("*")
        kind = kind.lstrip("*")
        if kind.startswith("map:"):
            if not isinstance(item, dict):
                raise WireError(f"{here}: want a JSON object")
            value_kind = MESSAGES[kind[4:]][2][1]
            out[key] = {k: _json_item(value_kind, v, f"{here}[{k!r}]", depth) for k, v in item.items()}
        elif repeated:
            if not isinstance(item, list):
                raise WireError(f"{here}: want a JSON array")
            out[key] = [_json_item(kind, v, f"{here}[{i}]", depth) for i, v in enumerate(item)]
        else:
            out[key] = _json_item(kind, item, here, depth)
    return out


def _json_item(kind: str, value: Any, where: str, depth: int) -> Any:
    if kind.startswith("msg:"):
        return _json_message(kind[4:], value, where, depth + 1)
    if kind.startswith("enum:"):
        labels = ENUMS[kind[5:]]
        if isinstance(value, str):
            if value not in labels:
                raise WireError(f"{where}: unknown value {value!r}")
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return labels[value] if 0 <= value < len(labels) else value
        raise WireError(f"{where}: want an enum name")
    return _json_scalar(kind, value, where)


def from_json(name: str, value: Any) -> dict[str, Any]:
    """Checks a parsed protojson value against message `name`; the view `decode` gives, or WireError."""
    return _json_message(name, value, name)


# ---------------------------------------------------------------------------------------------
# Encoding: only the ingest answer is ever written.

def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode_len(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def encode_export_response(results: list[dict[str, Any]]) -> bytes:
    """ExportGenerationsResponse for results of {generation_id, accepted, error}."""
    out = bytearray()
    for result in results:
        item = bytearray()
        if result.get("generation_id"):
            item += _encode_len(1, result["generation_id"].encode("utf-8"))
        if result.get("accepted"):
            item += _encode_varint(2 << 3 | 0) + b"\x01"
        if result.get("error"):
            item += _encode_len(3, result["error"].encode("utf-8"))
        out += _encode_len(1, bytes(item))
    return bytes(out)
