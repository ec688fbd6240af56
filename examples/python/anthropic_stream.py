"""An Anthropic message stream recorded by auto-instrumentation: the stream behaves as always
(text_stream, get_final_message()), and the generation is recorded when it ends, with the time to
the first token.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 anthropic_stream.py

Without ANTHROPIC_BASE_URL it answers itself from a fake provider on loopback; with
ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY it calls that service.
"""

import os

import anthropic

import sigil_sdk
from _example_support import Reply, finish, start_fake_provider

client = sigil_sdk.Client()
sigil_sdk.instrument(client=client, providers=["anthropic"])

if "ANTHROPIC_BASE_URL" not in os.environ:
    url = start_fake_provider(("/v1/messages", Reply.sse("anthropic.messages/stream.jsonl")))
    os.environ.update(ANTHROPIC_BASE_URL=url, ANTHROPIC_API_KEY="not-needed")

provider = anthropic.Anthropic(max_retries=0)
with sigil_sdk.call_options(conversation_id="conv-anthropic-example", tags={"example": "anthropic_stream"}):
    with provider.messages.stream(model="claude-sonnet-4-5", max_tokens=512,
                                  messages=[{"role": "user", "content": "Weather in Lisbon?"}]) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        print()
        print("stop reason:", stream.get_final_message().stop_reason)
raise SystemExit(finish(client, expected=1))
