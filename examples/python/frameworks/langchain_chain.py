"""A LangChain chain with a tool, recorded by the Sigil LangChain handler: two generations (the
tool call, then the answer), two tool executions, and the chain span they nest under.

    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 langchain_chain.py

Without OPENAI_BASE_URL it answers itself from a fake provider on loopback (no network, no key);
with OPENAI_BASE_URL and OPENAI_API_KEY it calls that service. Needs langchain-core and
langchain-openai (make deps-frameworks). Exit status 0 when every generation was delivered.
"""

from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

import sigil_sdk
from _framework_support import Reply, finish, host_tracer, openai_or_fake
from sigil_sdk_langchain import with_sigil_langchain_callbacks

openai_or_fake(Reply.json("openai.chat/response_tool_calls.json"), Reply.json("openai.chat/response_text.json"))
client = sigil_sdk.Client(sigil_sdk.ClientConfig(tracer=host_tracer()))  # the rest from SIGIL_*


@tool
def get_weather(city: str, unit: str = "c") -> str:
    """The current weather in a city."""
    return f"{city}: 18 {unit}"


llm = ChatOpenAI(model="gpt-4o", max_retries=0).bind_tools([get_weather])


def answer(question: str, config: RunnableConfig) -> str:
    messages = [("user", question)]
    reply = llm.invoke(messages, config=config)
    messages.append(reply)
    for call in reply.tool_calls:
        messages.append(get_weather.invoke(call, config=config))
    return llm.invoke(messages, config=config).content


agent = RunnableLambda(answer, name="weather_agent")
config = with_sigil_langchain_callbacks({"metadata": {"thread_id": "conv-langchain-example"}}, client=client,
                                        agent_name="weather-bot")
print("assistant:", agent.invoke("Weather in Paris and Oslo?", config=config))
raise SystemExit(finish(client, expected=2))
