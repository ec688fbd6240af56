"""sigil_sdk quickstart: records one of everything and exports it.

Configured only through the environment, for example:
    SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 python3 quickstart.py
    SIGIL_PROTOCOL=grpc SIGIL_ENDPOINT=127.0.0.1:4317 python3 quickstart.py
SIGIL_API_ENDPOINT adds a conversation rating; OTEL_EXPORTER_OTLP_ENDPOINT adds spans and metrics.

Exit status: 0 when everything was recorded and delivered, 1 otherwise.
"""

import logging
import os
import sys

from sigil_sdk import (
    Client,
    ConversationRatingInput,
    ConversationRatingValue,
    EmbeddingResult,
    EmbeddingStart,
    GenerationStart,
    Message,
    MessageRole,
    ModelRef,
    SigilError,
    TokenUsage,
    ToolCall,
    ToolDefinition,
    ToolExecutionStart,
    ToolResult,
    assistant_text_message,
    engine_version,
    thinking_part,
    tool_call_part,
    tool_result_part,
    user_text_message,
    with_agent_name,
    with_agent_version,
    with_conversation_id,
)

failures = 0


def check(what, error):
    """Prints and counts a local error reported by the SDK."""
    global failures
    if error is None:
        print(f"  ok    {what}")
    else:
        print(f"  FAIL  {what}: {type(error).__name__}: {error}")
        failures += 1


class ProviderUnavailable(Exception):
    status_code = 503


def main():
    global failures
    logging.basicConfig(level=logging.WARNING, format="sigil %(levelname)s: %(message)s")
    print(f"sigil_sdk quickstart on libsigil {engine_version}")
    client = Client()  # everything from SIGIL_* / OTEL_* environment variables

    # Identity set once per request; every recorder started inside picks it up.
    with with_conversation_id("conv-quickstart"), with_agent_name("weather-agent"), with_agent_version("1.0.0"):
        with client.start_generation(GenerationStart(
            conversation_title="Weather in Paris",
            user_id="user-42",
            model=ModelRef(provider="anthropic", name="claude-sonnet-4-5"),
            system_prompt="You are a concise weather assistant.",
            max_tokens=1024,
            temperature=0.7,
            tools=[ToolDefinition(name="get_weather", description="Current weather for a city", type="function",
                                  input_schema_json={"type": "object", "properties": {"city": {"type": "string"}}})],
            tags={"team": "weather"},
        )) as rec:
            # ... call the model, then record what happened:
            rec.set_result(
                input=[
                    user_text_message("What is the weather in Paris?"),
                    Message(role=MessageRole.ASSISTANT, parts=[
                        thinking_part("I should call the weather tool."),
                        tool_call_part(ToolCall(id="call_1", name="get_weather", input_json={"city": "Paris"})),
                    ]),
                    Message(role=MessageRole.TOOL, parts=[
                        tool_result_part(ToolResult(tool_call_id="call_1", name="get_weather",
                                                    content_json={"temp_c": 18})),
                    ]),
                ],
                output=[assistant_text_message("It is 18°C and sunny in Paris.")],
                usage=TokenUsage(input_tokens=120, output_tokens=42, cache_read_input_tokens=30),
                response_id="msg_01",
                response_model="claude-sonnet-4-5-20250929",
                stop_reason="end_turn",
            )
        check(f"sync generation {rec.id}", rec.err())

        with client.start_streaming_generation(GenerationStart(model=ModelRef("openai", "gpt-4o-mini"))) as rec:
            rec.set_first_token_at()  # when the first chunk arrived
            rec.set_result(input=[user_text_message("Tell me a short fact.")],
                           output=[assistant_text_message("Honey never spoils.")],
                           usage=TokenUsage(input_tokens=12, output_tokens=5), stop_reason="stop")
        check(f"streaming generation {rec.id}", rec.err())

        # A provider failure raised inside the block is recorded (and exported), then re-raised.
        try:
            with client.start_generation(GenerationStart(model=ModelRef("openai", "gpt-4o"))) as rec:
                rec.set_result(input=[user_text_message("Hello?")])
                raise ProviderUnavailable("provider unavailable: 503 Service Unavailable")
        except ProviderUnavailable:
            pass
        check("failed generation (call error recorded)", rec.err())

        with client.start_tool_execution(ToolExecutionStart(
                tool_name="get_weather", tool_call_id="call_1", tool_type="function", include_content=True)) as tool:
            tool.set_result(arguments={"city": "Paris"}, result={"temp_c": 18})
        check("tool execution", tool.err())

        with client.start_embedding(EmbeddingStart(model=ModelRef("openai", "text-embedding-3-small"),
                                                   dimensions=512)) as emb:
            emb.set_result(EmbeddingResult(input_count=2, input_tokens=6, input_texts=["Paris", "Lyon"],
                                           response_model="text-embedding-3-small"))
        check("embedding", emb.err())

    if os.environ.get("SIGIL_API_ENDPOINT"):
        try:
            answer = client.submit_conversation_rating("conv-quickstart", ConversationRatingInput(
                rating_id="rating-quickstart-1", rating=ConversationRatingValue.GOOD, comment="Spot on"))
            check(f"rating (conversation now has {answer.summary.total_count})", None)
        except SigilError as exc:
            check("rating", exc)

    client.shutdown(timeout=10)  # delivers what is still queued
    stats = client.stats()
    dropped = sum(v for k, v in stats.items() if k.startswith("dropped_"))
    print(f"generations: {stats['generations_enqueued']} enqueued, {stats['generations_exported']} exported, "
          f"{stats['generations_rejected']} rejected, {dropped} dropped")
    if stats["generations_exported"] != stats["generations_enqueued"]:
        failures += 1
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
