"""Pydantic AI recorded by the Sigil capability: an agent calls a tool twice and answers, then
answers a follow-up as a stream, in one conversation. Three generations (the tool calls, the answer,
the streamed answer with its time to first token), two tool executions (get_weather) and one
``pydantic-ai.chain forecaster`` span per run around them.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 pydantic_ai_agent.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs pydantic-ai-slim[openai]
(make deps-frameworks). Exit status 0 when every generation was delivered.
"""

import asyncio

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel

import sigil_sdk
from _framework_support import Reply, finish, host_tracer, openai_or_fake
from sigil_sdk_pydantic_ai import with_sigil_pydantic_ai

openai_or_fake(Reply.json("openai.chat/response_tool_calls.json"), Reply.json("openai.chat/response_text.json"),
               Reply.sse("openai.chat/stream_text.jsonl"))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*

# OpenAIChatModel's default provider reads OPENAI_BASE_URL and OPENAI_API_KEY.
agent = Agent(OpenAIChatModel("gpt-4o"), name="forecaster", instructions="Answer weather questions.",
              **with_sigil_pydantic_ai(client=client, agent_name="travel-desk"))


@agent.tool_plain
def get_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city."""
    return f"{city}: 18 °{unit.upper()}, clear"


async def main() -> None:
    first = await agent.run("Weather in Paris and Oslo?", conversation_id="conv-pydantic-ai-example")
    print("assistant:", first.output)
    async with agent.run_stream("And tomorrow?", message_history=first.all_messages(),
                                conversation_id="conv-pydantic-ai-example") as run:
        print("assistant:", "".join([chunk async for chunk in run.stream_text(delta=True)]))


asyncio.run(main())
raise SystemExit(finish(client, expected=3))
