"""Gemini generate_content (google-genai) recorded by auto-instrumentation.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 gemini_generate.py

Without GEMINI_BASE_URL it answers itself from a fake provider on loopback; with GEMINI_BASE_URL
(or unset, and GEMINI_API_KEY set, the real service) it calls that service.
"""

import os

from google import genai
from google.genai import types

import sigil_sdk
from _example_support import Reply, finish, start_fake_provider

client = sigil_sdk.Client()
sigil_sdk.instrument(client=client, providers=["gemini"])

base_url = os.environ.get("GEMINI_BASE_URL")
if base_url is None and "GEMINI_API_KEY" not in os.environ:
    base_url = start_fake_provider((":generateContent", Reply.json("gemini.generate_content/response.json")))
    os.environ["GEMINI_API_KEY"] = "not-needed"

provider = genai.Client(http_options=types.HttpOptions(base_url=base_url) if base_url else None)
with sigil_sdk.with_conversation_id("conv-gemini-example"):
    response = provider.models.generate_content(
        model="gemini-2.5-flash", contents="What plant is this?",
        config=types.GenerateContentConfig(system_instruction="Identify plants.", temperature=0.2))
print("model:", response.text)
raise SystemExit(finish(client, expected=1))
