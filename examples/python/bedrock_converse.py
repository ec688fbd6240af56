"""AWS Bedrock Converse and ConverseStream (boto3) recorded by auto-instrumentation.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 bedrock_converse.py

Without AWS_ENDPOINT_URL_BEDROCK_RUNTIME it answers itself from a fake provider on loopback (with
dummy credentials); otherwise boto3 uses that endpoint and your AWS credentials.
"""

import os

import boto3

import sigil_sdk
from _example_support import Reply, finish, start_fake_provider

client = sigil_sdk.Client()
sigil_sdk.instrument(client=client, providers=["bedrock"])

if "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" not in os.environ:
    url = start_fake_provider(("/converse", Reply.json("bedrock.converse/response.json")),
                              ("/converse-stream", Reply.eventstream("bedrock.converse/stream.jsonl")))
    os.environ.update(AWS_ENDPOINT_URL_BEDROCK_RUNTIME=url, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")

bedrock = boto3.client("bedrock-runtime", region_name=os.environ.get("AWS_REGION", "us-east-1"))
model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
messages = [{"role": "user", "content": [{"text": "Is the disk on web-1 full?"}]}]
with sigil_sdk.with_conversation_id("conv-bedrock-example"):
    answer = bedrock.converse(modelId=model, messages=messages)
    print("converse:", answer["output"]["message"]["content"][1]["text"])
    streamed = bedrock.converse_stream(modelId=model, messages=messages)
    text = "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in streamed["stream"]
                   if "contentBlockDelta" in e)
    print("converse_stream:", text)
raise SystemExit(finish(client, expected=2))
