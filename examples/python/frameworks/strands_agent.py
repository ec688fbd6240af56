"""Strands Agents recorded by the Sigil hook provider: an agent calls a tool twice and answers, then
streams the answer to a follow-up, in one conversation. Three streamed generations (the tool calls,
the answer, the follow-up; each with its time to first token), two tool executions (get_weather) and
one ``strands.agent forecaster`` span per invocation around them.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 strands_agent.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs strands-agents[openai]
(bindings/python/requirements-strands.txt; `make deps-strands` makes build/venv-strands with it).
Exit status 0 when every generation was delivered.
"""

import asyncio

from strands import Agent, tool
from strands.models.openai import OpenAIModel

import sigil_sdk
from _framework_support import Reply, finish, host_tracer, openai_or_fake
from sigil_sdk_strands import with_sigil_strands_hooks

openai_or_fake(Reply.sse("openai.chat/stream_tool_calls.jsonl"), Reply.sse("openai.chat/stream_text.jsonl"))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: 18 °C, clear"


# OpenAIModel's client reads OPENAI_BASE_URL and OPENAI_API_KEY.
agent = Agent(**with_sigil_strands_hooks({
    "name": "forecaster",
    "model": OpenAIModel(model_id="gpt-4o", params={"temperature": 0.2}),
    "tools": [get_weather],
    "system_prompt": "Answer weather questions.",
    "callback_handler": None,
}, client=client, agent_name="travel-desk"))
conversation = {"conversation_id": "conv-strands-example"}

print("assistant:", agent("Weather in Paris and Oslo?", invocation_state=conversation))


async def follow_up() -> None:
    text = [event["data"] async for event in agent.stream_async("And tomorrow?", invocation_state=conversation)
            if "data" in event]
    print("assistant:", "".join(text))


asyncio.run(follow_up())
raise SystemExit(finish(client, expected=3))
