"""Auto-instrumentation of boto3's bedrock-runtime client against the fake provider on loopback
(Converse as JSON, ConverseStream as AWS event stream frames)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import EventStream
from botocore.exceptions import ClientError, EventStreamError

import sigil_sdk as sigil

from fake_provider import Reply
from instrument_support import exported, part_kinds, recording, span_of_generation  # noqa: F401

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "Check the disk on web-1."}]}]


def bedrock(url: str):
    return boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def brt(fake_provider):
    return bedrock(fake_provider.url)


def test_converse(harness, recording, fake_provider, brt):
    fake_provider.reply("/converse", Reply.json("bedrock.converse/response.json",
                                                headers={"x-amzn-RequestId": "req-42"}))
    with sigil.with_conversation_id("ops"):
        out = brt.converse(modelId=MODEL, messages=MESSAGES, system=[{"text": "You run servers."}],
                           inferenceConfig={"maxTokens": 512, "temperature": 0.1})
    assert out["stopReason"] == "tool_use"
    (g,) = exported(harness, recording)
    assert g["model"] == {"provider": "bedrock", "name": MODEL}
    assert g["conversation_id"] == "ops"
    assert g["system_prompt"] == "You run servers."
    assert g["max_tokens"] == "512"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["response_id"] == "req-42"
    assert g["stop_reason"] == "tool_use"


def test_converse_stream(harness, recording, fake_provider, brt):
    fake_provider.reply("/converse-stream", Reply.eventstream("bedrock.converse/stream.jsonl"))
    out = brt.converse_stream(modelId=MODEL, messages=MESSAGES)
    assert isinstance(out["stream"], EventStream)
    events = list(out["stream"])
    assert list(events[0]) == ["messageStart"] and list(events[-1]) == ["metadata"]
    (g,) = exported(harness, recording)
    assert g["mode"] == "GENERATION_MODE_STREAM"
    assert part_kinds(g["output"][0]) == ["thinking", "text", "tool_call"]
    assert g["output"][0]["parts"][2]["tool_call"]["input_json_text"] == '{"host": "web-1", "cmd": "df -h"}'
    assert g["usage"]["total_tokens"] == "342"


def test_converse_stream_stopped_early_and_cut(harness, recording, fake_provider, brt):
    fake_provider.reply("/converse-stream", Reply.eventstream("bedrock.converse/stream.jsonl"))
    out = brt.converse_stream(modelId=MODEL, messages=MESSAGES)
    for event in out["stream"]:
        if "contentBlockStop" in event:
            break
    out["stream"].close()
    fake_provider.reply("/converse-stream", Reply.eventstream("bedrock.converse/stream.jsonl", cut_after=6))
    list(brt.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    stopped, cut = exported(harness, recording, 2)
    assert stopped["metadata"]["sigil.stream.stopped"] == "caller_closed"
    assert part_kinds(stopped["output"][0]) == ["thinking"]
    assert cut["output"][0]["parts"][1]["text"] == "Running df."
    assert span_of_generation(harness, cut)["attributes"]["error.type"] == "mapping_error"


def test_a_throttling_event_mid_stream(harness, recording, fake_provider, brt):
    reply = Reply.eventstream("bedrock.converse/stream.jsonl")
    reply.events[3:] = ['{"throttlingException": {"message": "fake throttled"}}']
    fake_provider.reply("/converse-stream", reply)
    with pytest.raises(EventStreamError):
        list(brt.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    (g,) = exported(harness, recording)
    assert g["metadata"]["sigil.stream.stopped"] == "error"
    assert "fake throttled" in g["call_error"]


@pytest.mark.parametrize("status,code,category", [
    (429, "ThrottlingException", "rate_limit"),
    (500, "InternalServerException", "server_error"),
])
def test_provider_errors(harness, recording, fake_provider, brt, status, code, category):
    fake_provider.reply("/converse", Reply.error(status, {"message": f"fake {status}"},
                                                 {"x-amzn-ErrorType": code}))
    with pytest.raises(ClientError) as raised:
        brt.converse(modelId=MODEL, messages=MESSAGES)
    assert raised.value.response["Error"]["Code"] == code
    (g,) = exported(harness, recording)
    assert f"fake {status}" in g["call_error"]
    assert span_of_generation(harness, g)["attributes"]["error.category"] == category


def test_other_operations_and_services_pass_through(harness, recording, fake_provider):
    fake_provider.reply("/", Reply.error(404, {"message": "nothing here"}))
    s3 = boto3.client("s3", endpoint_url=fake_provider.url, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x",
                      config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError):
        s3.list_objects_v2(Bucket="b")
    recording.flush()
    assert harness.captures("http_exports") == []
