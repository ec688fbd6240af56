"""Cost of recording one typical generation (~2 KB as sigil.v1 protojson) on the caller's thread:
start_generation -> set_result -> end, with generation export "none" (no I/O; spans and metrics
are still produced by the engine).

    python3 bindings/python/benchmarks/hot_path.py [--number N] [--repeat R]
"""

from __future__ import annotations

import argparse
import timeit

from ctypes import byref, c_void_p

import sigil_sdk as sigil
from sigil_sdk import _encode
from sigil_sdk import _native as N
from sigil_sdk import (
    Generation, GenerationStart, Message, MessageRole, ModelRef, TokenUsage, ToolCall, ToolDefinition,
    assistant_text_message, tool_call_part, user_text_message,
)

START = GenerationStart(
    conversation_id="conv-bench-0001",
    agent_name="support-agent",
    agent_version="2.4.1",
    model=ModelRef(provider="openai", name="gpt-4o"),
    max_tokens=1024,
    temperature=0.2,
    tools=[ToolDefinition(name="lookup_order", description="Finds an order by id", type="function",
                          input_schema_json={"type": "object", "properties": {"order_id": {"type": "string"}}})],
    tags={"env": "prod", "team": "support"},
)
RESULT = Generation(
    system_prompt="You are a helpful support assistant for an online store. Answer briefly and politely.",
    input=[user_text_message("Hello, I ordered a pair of running shoes last week (order 81-2231-77) and the "
                             "tracking page has not changed for four days. Could you check where the parcel is "
                             "and whether I can still change the delivery address to my office? " * 2)],
    output=[
        Message(role=MessageRole.ASSISTANT, parts=[tool_call_part(ToolCall(
            id="call_8f2", name="lookup_order", input_json={"order_id": "81-2231-77"}))]),
        assistant_text_message("Thanks for waiting. Your parcel left our warehouse on Monday and is at the "
                               "regional depot; the carrier expects to deliver it within two working days. The "
                               "delivery address can still be changed until the parcel is out for delivery: "
                               "use the 'Change address' link on the tracking page or reply with the new "
                               "address and I will update it for you. " * 2),
    ],
    usage=TokenUsage(input_tokens=412, output_tokens=187, cache_read_input_tokens=128),
    response_id="chatcmpl-9x2k",
    response_model="gpt-4o-2024-08-06",
    stop_reason="stop",
    metadata={"request_id": "req-5d1c", "attempt": 1},
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--number", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    client = sigil.Client(sigil.ClientConfig(
        generation_export=sigil.GenerationExportConfig(protocol="none"), use_environment=False))

    def record() -> None:
        rec = client.start_generation(START)
        rec.set_result(RESULT)
        rec.end()

    def encode_only() -> None:
        _encode.generation(RESULT)

    doc = _encode.generation(RESULT)
    handle = client._handle

    def engine_only() -> None:
        # The same work through the raw C ABI with the document already encoded: the engine's share.
        s = N.GenerationStart(N.GENERATION_START_VERSION)
        s.conversation_id, s.agent_name, s.agent_version = b"conv-bench-0001", b"support-agent", b"2.4.1"
        s.model_provider, s.model_name = b"openai", b"gpt-4o"
        out, err = c_void_p(), c_void_p()
        N.sigil_generation_start(handle, byref(s), byref(out))
        N.sigil_generation_set_result_json(out, doc, len(doc))
        N.sigil_generation_end(out, byref(err))
        N.sigil_generation_free(out)

    print(f"result document: {len(_encode.generation(RESULT))} bytes of protojson; libsigil {sigil.engine_version}")
    for name, fn in (("start -> set_result -> end", record), ("  of which: encode the result", encode_only),
                     ("  engine alone (raw C ABI, pre-encoded)", engine_only)):
        best = min(timeit.repeat(fn, number=args.number, repeat=args.repeat)) / args.number
        print(f"{name}: {best * 1e6:.1f} us per generation (best of {args.repeat} x {args.number})")
    client.shutdown()


if __name__ == "__main__":
    main()
