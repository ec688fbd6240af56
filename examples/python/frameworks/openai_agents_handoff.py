"""OpenAI Agents recorded by the Sigil hooks: a triage agent hands over to a weather agent that
calls a tool. Three generations (the handoff call, the tool call, the answer), one tool execution,
and agent spans nested by handoff.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 openai_agents_handoff.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key;
it speaks the chat completions API, so the agents use it); with OPENAI_BASE_URL and OPENAI_API_KEY
it calls that service. Needs openai-agents (make deps-frameworks). Exit status 0 when every
generation was delivered.
"""

import json
import os

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # Sigil records the run here

from agents import Agent, Runner, function_tool, set_default_openai_api  # noqa: E402

import sigil_sdk  # noqa: E402
from _framework_support import Reply, finish, host_tracer, openai_or_fake  # noqa: E402
from fake_provider import fixture_text  # noqa: E402
from sigil_sdk_openai_agents import with_sigil_openai_agents_hooks  # noqa: E402


def tool_call(name: str, arguments: dict) -> Reply:
    """A recorded chat completion whose one tool call is `name(arguments)`."""
    body = json.loads(fixture_text("openai.chat/response_tool_calls.json"))
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": f"call_{name}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]
    return Reply("json", body=json.dumps(body).encode())


if "OPENAI_BASE_URL" not in os.environ:
    set_default_openai_api("chat_completions")
openai_or_fake(tool_call("transfer_to_weather", {}), tool_call("get_weather", {"city": "Paris"}),
               Reply.json("openai.chat/response_text.json"))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: 18 c"


weather = Agent(name="weather", instructions="Answer weather questions.", model="gpt-4o", tools=[get_weather])
triage = Agent(name="triage", instructions="Hand weather questions over.", model="gpt-4o", handoffs=[weather])
options = with_sigil_openai_agents_hooks(None, client=client, agent_name="travel-desk")
result = Runner.run_sync(triage, "Weather in Paris?", context={"conversation_id": "conv-agents-example"}, **options)
print("assistant:", result.final_output)
raise SystemExit(finish(client, expected=3))
