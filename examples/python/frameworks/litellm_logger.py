"""LiteLLM recorded by the Sigil callback logger: one call, then one streamed call, in one
conversation. Two generations (SYNC, then STREAM with its time to first token).

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 litellm_logger.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Exit status 0 when every generation
was delivered.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no model cost map from the network

import litellm  # noqa: E402

import sigil_sdk  # noqa: E402
from _framework_support import Reply, finish, openai_or_fake  # noqa: E402
from sigil_sdk_litellm import create_sigil_litellm_logger  # noqa: E402

openai_or_fake(Reply.json("openai.chat/response_text.json"), Reply.sse("openai.chat/stream_text.jsonl"))
client = sigil_sdk.Client()  # configured from SIGIL_*
logger = create_sigil_litellm_logger(client=client, agent_name="router")
litellm.callbacks = [logger]

call = {"model": "openai/gpt-4o-mini", "api_base": os.environ["OPENAI_BASE_URL"],
        "metadata": {"conversation_id": "conv-litellm-example"}}
reply = litellm.completion(messages=[{"role": "user", "content": "Weather in Paris?"}], **call)
print("assistant:", reply.choices[0].message.content)
stream = litellm.completion(messages=[{"role": "user", "content": "And in Oslo?"}], stream=True, **call)
print("assistant:", "".join(chunk.choices[0].delta.content or "" for chunk in stream))
logger.wait_reported()  # LiteLLM reports a stream's end from a worker thread
raise SystemExit(finish(client, expected=2))
