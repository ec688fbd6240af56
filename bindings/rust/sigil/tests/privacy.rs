//! Content capture modes, the resolver, redaction, the sanitizer and field
//! limits, as the capture servers see them. The engine does the work; these
//! tests check that each Rust knob reaches it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{by_id, Harness};
use serde_json::{json, Value};
use sigil::*;

fn start(id: &str) -> GenerationStart {
    GenerationStart { id: id.into(), ..GenerationStart::new(ModelRef::new("openai", "gpt-5")) }
}

fn result(text: &str) -> Generation {
    Generation {
        input: vec![Message::user_text(text)],
        output: vec![Message::assistant_text("ok")],
        system_prompt: "be brief".into(),
        ..Default::default()
    }
}

fn record(client: &Client, start: &GenerationStart, text: &str) {
    let mut rec = client.start_generation(start);
    rec.set_result(&result(text)).unwrap();
    rec.end().unwrap();
}

fn mode(g: &Value) -> &str {
    g["metadata"]["sigil.sdk.content_capture_mode"].as_str().unwrap_or("")
}

#[test]
fn content_capture_modes_per_client_per_record_and_through_context() {
    let h = Harness::start();
    let client =
        Client::new(h.config(Protocol::Http).content_capture_mode(ContentCaptureMode::MetadataOnly).build()).unwrap();
    record(&client, &start("gen-client-mode"), "secret question");
    record(
        &client,
        &GenerationStart { content_capture: Some(ContentCaptureMode::Full), ..start("gen-full") },
        "visible question",
    );

    // A tool inside a Full generation follows the generation's mode.
    let gen = client
        .start_generation(&GenerationStart { content_capture: Some(ContentCaptureMode::Full), ..start("gen-parent") });
    assert_eq!(gen.context().content_capture(), Some(ContentCaptureMode::Full));
    gen.context().in_scope(|| {
        let mut tool = client.start_tool_execution(&ToolExecutionStart::new("lookup"));
        tool.set_result(&ToolExecutionEnd::new(json!({"q": 1}), "answer"));
        tool.end().unwrap();
    });
    gen.end().unwrap();
    // A generation whose mode came from the client passes that on too.
    let plain = client.start_generation(&start("gen-plain"));
    assert_eq!(plain.content_capture_mode(), Some(ContentCaptureMode::MetadataOnly));
    assert_eq!(plain.context().content_capture(), Some(ContentCaptureMode::MetadataOnly));
    plain.end().unwrap();
    // Outside a generation, the client's mode applies: no tool content.
    let mut tool = client
        .start_tool_execution(&ToolExecutionStart { include_content: true, ..ToolExecutionStart::new("outside") });
    tool.set_result(&ToolExecutionEnd::new(json!({"q": 1}), "answer"));
    tool.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("http");
    let hidden = by_id(&gens, "gen-client-mode");
    assert_eq!(mode(hidden), "metadata_only");
    assert!(hidden["input"][0]["parts"][0].get("text").map_or(true, |t| t == ""), "{hidden}");
    assert!(hidden.get("system_prompt").is_none(), "{hidden}");
    let full = by_id(&gens, "gen-full");
    assert_eq!(mode(full), "full");
    assert_eq!(full["input"][0]["parts"][0]["text"], "visible question");

    let spans = h.spans();
    let span = |n: &str| spans.iter().find(|s| s["name"] == n).unwrap_or_else(|| panic!("{n}"));
    assert_eq!(span("execute_tool lookup")["attributes"]["gen_ai.tool.call.arguments"], r#"{"q":1}"#);
    assert!(span("execute_tool outside")["attributes"].get("gen_ai.tool.call.arguments").is_none());
    assert_eq!(ContentCaptureMode::FullWithMetadataSpans.name(), "full_with_metadata_spans");
}

#[test]
fn the_resolver_decides_per_record_and_fails_closed() {
    let h = Harness::start();
    let calls = Arc::new(Mutex::new(Vec::<(RecordKind, Option<String>)>::new()));
    let seen = calls.clone();
    let client = Client::new(
        h.config(Protocol::Grpc)
            .content_capture_resolver(move |kind, metadata| {
                seen.lock().unwrap().push((kind, metadata.map(String::from)));
                match metadata {
                    Some(m) if m.contains("panic") => panic!("resolver bug"),
                    Some(m) if m.contains("\"tier\":\"free\"") => Some(ContentCaptureMode::MetadataOnly),
                    _ => None,
                }
            })
            .build(),
    )
    .unwrap();
    let with_md = |id: &str, md: Value| GenerationStart { metadata: md.as_object().unwrap().clone(), ..start(id) };
    record(&client, &with_md("gen-free", json!({"tier": "free"})), "hello");
    record(&client, &with_md("gen-paid", json!({"tier": "paid"})), "hello");
    record(&client, &with_md("gen-bug", json!({"panic": true})), "hello");
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("grpc");
    assert_eq!(mode(by_id(&gens, "gen-free")), "metadata_only");
    assert_eq!(mode(by_id(&gens, "gen-paid")), "no_tool_content");
    assert_eq!(mode(by_id(&gens, "gen-bug")), "metadata_only", "a panicking resolver fails closed");
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|(k, _)| *k == RecordKind::Generation));
    assert_eq!(calls[0].1.as_deref().map(|m| serde_json::from_str::<Value>(m).unwrap()), Some(json!({"tier": "free"})));
}

#[test]
fn redaction_the_sanitizer_and_field_limits_apply_before_export() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .redaction(Redaction::EMAIL | Redaction::SECRETS)
            .max_field_bytes(64)
            .sanitizer(|path, value| {
                if value.contains("explode") {
                    panic!("sanitizer bug");
                }
                (path.ends_with("system_prompt")).then(|| value.replace("brief", "BRIEF"))
            })
            .build(),
    )
    .unwrap();
    record(&client, &start("gen-email"), "mail me at jane.doe@example.com please");
    record(&client, &start("gen-long"), &"x".repeat(500));
    record(&client, &start("gen-explode"), "explode");
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("http");
    let text = |id: &str| by_id(&gens, id)["input"][0]["parts"][0]["text"].as_str().unwrap().to_string();
    assert_eq!(text("gen-email"), "mail me at [REDACTED:email] please");
    assert_eq!(by_id(&gens, "gen-email")["system_prompt"], "be BRIEF");
    let long = text("gen-long");
    assert!(long.len() <= 64 && long.contains("[truncated"), "{long}");
    assert_eq!(text("gen-explode"), "[REDACTED:sanitizer_error]");
}

#[test]
fn redaction_categories_combine() {
    let all = Redaction::SECRETS
        | Redaction::EMAIL
        | Redaction::ENV_SECRETS
        | Redaction::PAYMENT_CARD
        | Redaction::NATIONAL_ID
        | Redaction::PHONE
        | Redaction::INJECTION;
    assert_eq!(all, Redaction::ALL);
    assert!(Redaction::ALL.contains(Redaction::PHONE));
    assert!(!Redaction::NONE.contains(Redaction::PHONE));
    let mut r = Redaction::NONE;
    r |= Redaction::EMAIL;
    assert_eq!(r.bits(), 0x02);
}
