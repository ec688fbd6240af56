"""AWS Bedrock: ``converse`` and ``converse_stream`` of boto3's ``bedrock-runtime`` client.

Every botocore client sends its operations through ``BaseClient._make_api_call``; the replacement
records only Bedrock Runtime's Converse and ConverseStream and passes everything else straight on.
The request is the operation's parameters and the response the dict boto3 returns; a
ConverseStream response keeps its dict, with ``stream`` proxied so that each event is recorded as
the caller reads it.
"""

from __future__ import annotations

from typing import Any

from ._calls import Spec, sync_method

PROVIDER = "bedrock"
_OPERATIONS = frozenset({"Converse", "ConverseStream"})


def _operation(args: tuple, kwargs: dict) -> str:
    return args[1] if len(args) > 1 else kwargs.get("operation_name", "")


def _skip(args: tuple, kwargs: dict) -> bool:
    if _operation(args, kwargs) not in _OPERATIONS:
        return True
    return args[0].meta.service_model.service_name != "bedrock-runtime"


def _request(args: tuple, kwargs: dict) -> Any:
    return args[2] if len(args) > 2 else kwargs.get("api_params", {})


def _streams(args: tuple, kwargs: dict) -> bool:
    return _operation(args, kwargs) == "ConverseStream"


def _stream_of(result: Any) -> Any:
    return result.get("stream") if isinstance(result, dict) else None


def _with_stream(result: Any, proxy: Any) -> Any:
    result["stream"] = proxy
    return result


def targets() -> list[tuple[Any, str, Any]]:
    from botocore import client

    spec = Spec("bedrock.converse", _request, stream=_streams, stream_of=_stream_of, with_stream=_with_stream,
                skip=_skip)
    return [(client.BaseClient, "_make_api_call", sync_method(spec))]
