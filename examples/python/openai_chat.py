"""OpenAI chat completions recorded by auto-instrumentation: one call to instrument(), and the
application's openai code stays as it is.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 openai_chat.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Exit status 0 when every call was
recorded and delivered.
"""

import os

import openai

import sigil_sdk
from _example_support import Reply, finish, start_fake_provider

client = sigil_sdk.Client()  # configured from SIGIL_* (endpoint, protocol, auth, ...)
sigil_sdk.instrument(client=client, providers=["openai"])  # every openai client, created before or after

if "OPENAI_BASE_URL" not in os.environ:
    url = start_fake_provider(("/chat/completions", Reply.json("openai.chat/response_text.json")))
    os.environ.update(OPENAI_BASE_URL=url + "/v1", OPENAI_API_KEY="not-needed")

provider = openai.OpenAI(max_retries=0)
with sigil_sdk.with_conversation_id("conv-openai-example"), sigil_sdk.with_agent_name("travel-assistant"):
    completion = provider.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "You are a terse travel assistant."},
                  {"role": "user", "content": "What is the weather in Paris?"}],
    )
print("assistant:", completion.choices[0].message.content)
raise SystemExit(finish(client, expected=1))
