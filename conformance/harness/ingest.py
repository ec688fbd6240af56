"""What the HTTP and gRPC generation ingest servers share: decoding, capture views, results."""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .script import Scripted


def to_dict(message: Message) -> dict[str, Any]:
    """protojson with proto field names: int64 as strings, bytes as base64, enums as names."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def generations_view(request: Message) -> list[dict[str, Any]]:
    """The request's generations as protojson dicts where every bytes field `x` also has a sibling
    `x_text`: the bytes decoded as UTF-8 (omitted when they are not valid UTF-8)."""
    views = []
    for generation in request.generations:
        view = to_dict(generation)
        _add_bytes_text(generation, view)
        views.append(view)
    return views


def _add_bytes_text(message: Message, view: dict[str, Any]) -> None:
    for fd, value in message.ListFields():
        key = fd.name
        if key not in view:
            continue
        if fd.type == FieldDescriptor.TYPE_BYTES:
            if _is_repeated(fd):
                texts = [_utf8(v) for v in value]
                if all(t is not None for t in texts):
                    view[key + "_text"] = texts
            else:
                text = _utf8(value)
                if text is not None:
                    view[key + "_text"] = text
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            if fd.message_type.full_name.startswith("google.protobuf."):
                continue  # well-known types render as scalars/structs, no raw bytes inside
            if fd.message_type.GetOptions().map_entry:
                value_fd = fd.message_type.fields_by_name["value"]
                if value_fd.type == FieldDescriptor.TYPE_MESSAGE:
                    for map_key, sub in value.items():
                        _add_bytes_text(sub, view[key][str(map_key)])
            elif _is_repeated(fd):
                for sub, sub_view in zip(value, view[key]):
                    _add_bytes_text(sub, sub_view)
            else:
                _add_bytes_text(value, view[key])


def _is_repeated(fd: FieldDescriptor) -> bool:
    # `is_repeated` is the current API; `label` is the older one.
    flag = getattr(fd, "is_repeated", None)
    return flag if isinstance(flag, bool) else fd.label == FieldDescriptor.LABEL_REPEATED


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def build_response(pb2, request: Message, scripted: Scripted | None) -> Message:
    """One result per generation, accepted unless the script rejects its id."""
    reject = scripted.reject if scripted else {}
    response = pb2.ExportGenerationsResponse()
    for generation in request.generations:
        result = response.results.add(generation_id=generation.id)
        if generation.id in reject:
            result.accepted = False
            result.error = reject[generation.id]
        else:
            result.accepted = True
    return response


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
