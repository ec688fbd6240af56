//! Cost of recording one typical generation (about 2 KB as sigil.v1
//! protojson) on the caller's thread: start_generation -> set_result -> end,
//! with generation export "none" (no I/O; the engine still builds the span
//! and updates the metrics). The same shape as the Python and Go benchmarks.
//!
//!     SIGIL_BUILD_DIR=../../build cargo run --release --example hot_path [-- ITERATIONS [REPEATS]]
//!
//! It also prints the engine's share (the raw C ABI with the document encoded
//! once) and the cost without the engine's default redaction.

use std::ffi::CString;
use std::time::Instant;

use serde_json::json;
use sigil::{
    Client, Config, Generation, GenerationStart, Message, ModelRef, Part, Protocol, Redaction, Role, TokenUsage,
    ToolCall, ToolDefinition,
};
use sigil_sys as sys;

fn typical() -> (GenerationStart, Generation) {
    let start = GenerationStart {
        conversation_id: "conv-bench-0001".into(),
        agent_name: "support-agent".into(),
        agent_version: "2.4.1".into(),
        max_tokens: Some(1024),
        temperature: Some(0.2),
        tools: vec![ToolDefinition::function(
            "lookup_order",
            "Finds an order by id",
            &json!({"type": "object", "properties": {"order_id": {"type": "string"}}}),
        )],
        tags: [("env".to_string(), "prod".to_string()), ("team".to_string(), "support".to_string())].into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
    };
    let result = Generation {
        system_prompt: "You are a helpful support assistant for an online store. Answer briefly and politely.".into(),
        input: vec![Message::user_text(
            "Hello, I ordered a pair of running shoes last week (order 81-2231-77) and the tracking page has not \
             changed for four days. Could you check where the parcel is and whether I can still change the delivery \
             address to my office? "
                .repeat(2),
        )],
        output: vec![
            Message::new(
                Role::Assistant,
                vec![Part::tool_call(ToolCall::new("call_8f2", "lookup_order", &json!({"order_id": "81-2231-77"})))],
            ),
            Message::assistant_text(
                "Thanks for waiting. Your parcel left our warehouse on Monday and is at the regional depot; the \
                 carrier expects to deliver it within two working days. The delivery address can still be changed \
                 until the parcel is out for delivery: use the 'Change address' link on the tracking page or reply \
                 with the new address and I will update it for you. "
                    .repeat(2),
            ),
        ],
        usage: TokenUsage { input_tokens: 412, output_tokens: 187, cache_read_input_tokens: 128, ..Default::default() },
        response_id: "chatcmpl-9x2k".into(),
        response_model: "gpt-4o-2024-08-06".into(),
        stop_reason: "stop".into(),
        metadata: json!({"request_id": "req-5d1c", "attempt": 1}).as_object().unwrap().clone(),
        ..Default::default()
    };
    (start, result)
}

fn main() -> Result<(), sigil::Error> {
    let mut args = std::env::args().skip(1);
    let iterations: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let repeats: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let (start, result) = typical();
    let config = Config::builder().protocol(Protocol::None).use_environment(false);
    let client = Client::new(config.clone().build())?;
    let unredacted = Client::new(config.redaction(Redaction::NONE).build())?;

    // The engine's share: the raw C ABI with the same start and the result
    // document encoded once (the same content; JSON values in place of
    // base64 bytes), redaction on.
    let raw = raw_client();
    let doc = result_document();
    let strings: Vec<CString> = ["conv-bench-0001", "support-agent", "2.4.1", "openai", "gpt-4o"]
        .iter()
        .map(|s| CString::new(*s).unwrap())
        .collect();
    let tools = json!([{"name": "lookup_order", "description": "Finds an order by id", "type": "function",
        "input_schema_json": {"type": "object", "properties": {"order_id": {"type": "string"}}}}])
    .to_string();
    let tags = json!({"env": "prod", "team": "support"}).to_string();

    let binding = |c: &Client| {
        let mut rec = c.start_generation(&start);
        rec.set_result(&result).expect("set_result");
        rec.end().expect("end");
    };
    let engine = || unsafe {
        let mut s: sys::sigil_generation_start_t = std::mem::zeroed();
        s.version = sys::SIGIL_GENERATION_START_VERSION;
        s.conversation_id = strings[0].as_ptr();
        s.agent_name = strings[1].as_ptr();
        s.agent_version = strings[2].as_ptr();
        s.model_provider = strings[3].as_ptr();
        s.model_name = strings[4].as_ptr();
        (s.has_max_tokens, s.max_tokens, s.has_temperature, s.temperature) = (1, 1024, 1, 0.2);
        (s.tools_json, s.tools_json_len) = (tools.as_ptr().cast(), tools.len());
        (s.tags_json, s.tags_json_len) = (tags.as_ptr().cast(), tags.len());
        let mut g = std::ptr::null_mut();
        sys::sigil_generation_start(raw, &s, &mut g);
        sys::sigil_generation_set_result_json(g, doc.as_ptr().cast(), doc.len());
        sys::sigil_generation_end(g, std::ptr::null_mut());
        sys::sigil_generation_free(g);
    };
    let variants: [(&str, &dyn Fn()); 3] = [
        ("start -> set_result -> end, ~2 KB generation", &|| binding(&client)),
        ("  the same with redaction off", &|| binding(&unredacted)),
        ("  engine alone (raw C ABI, result pre-encoded)", &engine),
    ];
    // Rounds interleave the variants so that background load affects them alike.
    let mut best = [f64::MAX; 3];
    for round in 0..=repeats {
        for (i, (_, f)) in variants.iter().enumerate() {
            let n = if round == 0 { 1000 } else { iterations }; // round 0 warms up
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            if round > 0 {
                best[i] = best[i].min(t.elapsed().as_nanos() as f64 / f64::from(n));
            }
        }
    }
    println!(
        "libsigil {}, generation export \"none\", result document {} bytes, best of {repeats} x {iterations}:",
        sigil::version(),
        doc.len()
    );
    for ((label, _), ns) in variants.iter().zip(best) {
        println!("{label}: {ns:.0} ns/op");
    }
    unsafe { sys::sigil_client_free(raw) };
    unredacted.shutdown(std::time::Duration::from_secs(5))?;
    client.shutdown(std::time::Duration::from_secs(5))
}

/// An engine client for the raw measurement (the options of `client`).
fn raw_client() -> *mut sys::sigil_client_t {
    unsafe {
        let mut o = std::ptr::null_mut();
        sys::sigil_options_new(&mut o);
        sys::sigil_options_set_use_environment(o, 0);
        sys::sigil_options_set_protocol(o, sys::SIGIL_PROTOCOL_NONE);
        let mut c = std::ptr::null_mut();
        sys::sigil_client_new(o, &mut c, std::ptr::null_mut());
        sys::sigil_options_free(o);
        c
    }
}

fn result_document() -> Vec<u8> {
    let (_, g) = typical();
    let text = |m: &Message| match &m.parts[0].content {
        sigil::PartContent::Text(t) => t.clone(),
        _ => String::new(),
    };
    serde_json::to_vec(&json!({
        "system_prompt": g.system_prompt,
        "input": [{"role": "MESSAGE_ROLE_USER", "parts": [{"text": text(&g.input[0])}]}],
        "output": [
            {"role": "MESSAGE_ROLE_ASSISTANT", "parts": [{"tool_call": {"id": "call_8f2", "name": "lookup_order",
                "input_json": {"order_id": "81-2231-77"}}}]},
            {"role": "MESSAGE_ROLE_ASSISTANT", "parts": [{"text": text(&g.output[1])}]}
        ],
        "usage": {"input_tokens": 412, "output_tokens": 187, "cache_read_input_tokens": 128},
        "response_id": "chatcmpl-9x2k", "response_model": "gpt-4o-2024-08-06", "stop_reason": "stop",
        "metadata": {"request_id": "req-5d1c", "attempt": 1}
    }))
    .unwrap()
}
