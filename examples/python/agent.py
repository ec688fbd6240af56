"""An agent traced end to end, across two processes.

The agent (this process) plans with a chain, looks documents up with a retriever, asks a model
(a generation recorded by hand: no provider is called) and books through a tool that runs as a
separate "tool service" process, to which the trace travels in W3C traceparent/tracestate
headers. Everything lands in one trace:

    invoke_agent travel-agent                 (agent, this process)
      plan                                    (chain)
        search-docs                           (retriever)
        generateText gpt-4o                   (generation)
        execute_tool book                     (tool)
          book-service                        (task, the tool service's process)

Configured only through the environment, for example with the local receiver:
    sigil receive &   # prints what arrives
    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \\
    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python3 agent.py
"""

import contextlib
import json
import subprocess
import sys

import sigil_sdk as sigil
from sigil_sdk import GenerationStart, ModelRef, ToolExecutionStart, assistant_text_message, user_text_message


@sigil.span(kind="retriever", name="search-docs")
def search_docs(query: str) -> list:
    docs = ["Paris hotels open all year", "Book early for spring"]
    sigil.log_event("retrieved", {"documents": len(docs)})
    return docs


def book_over_the_wire(city: str) -> str:
    """Calls the tool service (another process), handing it the trace in the request headers."""
    headers = sigil.inject({"content-type": "application/json"})
    done = subprocess.run([sys.executable, __file__, "--tool-service", json.dumps(headers), city],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@sigil.span(kind="chain", name="plan")
def plan(client: sigil.Client, question: str) -> str:
    docs = search_docs(question)
    sigil.attach_metadata(documents=len(docs))
    with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-4o"))) as gen:
        gen.set_result(input=[user_text_message(question)],
                       output=[assistant_text_message("I will book a hotel in Paris.")])
    with client.start_tool_execution(ToolExecutionStart(tool_name="book")) as tool:
        answer = book_over_the_wire("Paris")  # the tool's span is current: the service's span is its child
        tool.set_result(arguments={"city": "Paris"}, result=answer)
    return answer


@sigil.trace(name="travel-agent")
def agent(client: sigil.Client, question: str) -> str:
    print("trace", sigil.current_trace_id())
    return plan(client, question)


def tool_service(headers_json: str, city: str) -> None:
    """The other process: continues the trace that came in the headers."""
    client = sigil.Client()
    sigil.configure_tracing(client)

    @sigil.trace(name="book-service", kind="task")
    def book(destination: str) -> str:
        return f"booked a room in {destination}"

    with sigil.extract(json.loads(headers_json)) or contextlib.nullcontext():
        print(book(city))
    client.shutdown()


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--tool-service":
        tool_service(sys.argv[2], sys.argv[3])
        return 0
    client = sigil.Client()  # configured by SIGIL_* and OTEL_* environment variables
    sigil.configure_tracing(client)
    with sigil.with_conversation_id("conv-agent-example"):
        print(agent(client, "Where can I stay in Paris?"))
    client.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
