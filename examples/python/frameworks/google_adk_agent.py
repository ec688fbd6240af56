"""Google ADK recorded by the Sigil plugin: a triage agent transfers to a weather agent that calls a
tool. Three generations (the transfer call, the tool call, the answer), two tool executions
(transfer_to_agent, get_weather), and invocation and agent spans nested by transfer.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 google_adk_agent.py

Without GEMINI_BASE_URL or GEMINI_API_KEY it answers itself from a fake provider on loopback (no
network, no key); with GEMINI_API_KEY it calls Gemini (or the service at GEMINI_BASE_URL). Needs
google-adk (make deps-frameworks). Exit status 0 when every generation was delivered.
"""

import asyncio
import json

from google.adk.agents import LlmAgent
from google.adk.models.google_llm import Gemini
from google.adk.runners import InMemoryRunner
from google.genai import types

import sigil_sdk
from _framework_support import Reply, finish, gemini_or_fake, host_tracer
from sigil_sdk_google_adk import with_sigil_google_adk_plugins


def model_reply(part: dict) -> Reply:
    """A generateContent answer whose one part is `part`."""
    return Reply("json", body=json.dumps({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 40, "candidatesTokenCount": 12, "totalTokenCount": 52},
        "modelVersion": "gemini-2.5-flash"}).encode())


base_url = gemini_or_fake(
    model_reply({"functionCall": {"name": "transfer_to_agent", "args": {"agent_name": "weather"}}}),
    model_reply({"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}),
    model_reply({"text": "Paris: 18 °C, clear."}))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*


def get_weather(city: str) -> dict:
    """The current weather in a city."""
    return {"city": city, "weather": "18 °C, clear"}


model = Gemini(model="gemini-2.5-flash", base_url=base_url)
weather = LlmAgent(name="weather", model=model, instruction="Answer weather questions.", tools=[get_weather])
triage = LlmAgent(name="triage", model=model, instruction="Hand weather questions over.", sub_agents=[weather])


async def main() -> str:
    runner = InMemoryRunner(agent=triage, app_name="travel",
                            **with_sigil_google_adk_plugins(None, client=client, agent_name="travel-desk"))
    await runner.session_service.create_session(app_name="travel", user_id="u1", session_id="conv-adk-example")
    answer = ""
    async for event in runner.run_async(user_id="u1", session_id="conv-adk-example",
                                        new_message=types.Content(role="user", parts=[types.Part(text="Weather in Paris?")])):
        if event.is_final_response() and event.content and event.content.parts:
            answer = "".join(p.text or "" for p in event.content.parts)
    return answer


print("assistant:", asyncio.run(main()))
raise SystemExit(finish(client, expected=3))
