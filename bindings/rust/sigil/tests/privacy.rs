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
        Client::new(h.config(Protocol::Http).content_capture(ContentCaptureMode::MetadataOnly).build()).unwrap();
    record(&client, &start("gen-client-mode"), "secret question");
    record(
        &client,
        &GenerationStart { content_capture: Some(ContentCaptureMode::Full), ..start("gen-full") },
        "visible question",
    );

    // A tool inside a Full generation follows the generation's mode.
    let gen = client
        .start_generation(&GenerationStart { content_capture: Some(ContentCaptureMode::Full), ..start("gen-parent") });
    assert_eq!(gen.context().content_capture_mode(), Some(ContentCaptureMode::Full));
    gen.context().in_scope(|| {
        let mut tool = client.start_tool_execution(&ToolExecutionStart::new("lookup"));
        tool.set_result(&ToolExecutionEnd::new(json!({"q": 1}), "answer"));
        tool.end().unwrap();
    });
    gen.end().unwrap();
    // A generation whose mode came from the client passes that on too.
    let plain = client.start_generation(&start("gen-plain"));
    assert_eq!(plain.content_capture_mode(), Some(ContentCaptureMode::MetadataOnly));
    assert_eq!(plain.context().content_capture_mode(), Some(ContentCaptureMode::MetadataOnly));
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
    let calls = Arc::new(Mutex::new(Vec::<(RecordKind, Value)>::new()));
    let seen = calls.clone();
    let client = Client::new(
        h.config(Protocol::Grpc)
            .content_capture_resolver(move |kind, metadata| {
                seen.lock().unwrap().push((kind, Value::Object(metadata.clone())));
                if metadata.contains_key("panic") {
                    panic!("resolver bug");
                }
                (metadata.get("tier").and_then(Value::as_str) == Some("free"))
                    .then_some(ContentCaptureMode::MetadataOnly)
            })
            .build(),
    )
    .unwrap();
    let with_md = |id: &str, md: Value| GenerationStart { metadata: md.as_object().unwrap().clone(), ..start(id) };
    record(&client, &with_md("gen-free", json!({"tier": "free"})), "hello");
    record(&client, &with_md("gen-paid", json!({"tier": "paid"})), "hello");
    record(&client, &with_md("gen-bug", json!({"panic": true})), "hello");
    record(&client, &start("gen-none"), "hello");
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("grpc");
    assert_eq!(mode(by_id(&gens, "gen-free")), "metadata_only");
    assert_eq!(mode(by_id(&gens, "gen-paid")), "no_tool_content");
    assert_eq!(mode(by_id(&gens, "gen-bug")), "metadata_only", "a panicking resolver fails closed");
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 4);
    assert!(calls.iter().all(|(k, _)| *k == RecordKind::Generation));
    assert_eq!(calls[0].1, json!({"tier": "free"}));
    assert_eq!(calls[3].1, json!({}), "no metadata: an empty map");
}

#[test]
fn the_resolver_sees_the_records_context_for_every_kind() {
    let h = Harness::start();
    let seen = Arc::new(Mutex::new(Vec::<(RecordKind, Option<String>)>::new()));
    let log = seen.clone();
    let client = Client::new(
        h.config(Protocol::Http)
            .embedding_capture(EmbeddingCapture { capture_input: true, max_input_items: 0, max_text_length: 0 })
            .content_capture_resolver(move |kind, _| {
                let conversation = Context::current().conversation_id().map(String::from);
                log.lock().unwrap().push((kind, conversation.clone()));
                (conversation.as_deref() == Some("conv-private")).then_some(ContentCaptureMode::MetadataOnly)
            })
            .build(),
    )
    .unwrap();
    // An explicit context is the current one while the resolver runs.
    let private = Context::new().with_conversation_id("conv-private");
    let mut rec = client.start_generation_with_context(&start("gen-private"), &private);
    rec.set_result(&result("secret question")).unwrap();
    rec.end().unwrap();
    let mut tool = client.start_tool_execution_with_context(
        &ToolExecutionStart { include_content: true, ..ToolExecutionStart::new("private-tool") },
        &private,
    );
    tool.set_result(&ToolExecutionEnd::new(json!({"q": "secret"}), "secret answer"));
    tool.end().unwrap();
    let mut emb = client.start_embedding_with_context(&EmbeddingStart::new(ModelRef::new("openai", "te3")), &private);
    emb.set_result(&EmbeddingResult { input_count: 1, input_texts: vec!["secret text".into()], ..Default::default() })
        .unwrap();
    emb.end().unwrap();
    // The thread-local scope works the same way, for ratings too.
    Context::new().with_conversation_id("conv-open").in_scope(|| {
        record(&client, &start("gen-open"), "open question");
        client
            .submit_conversation_rating(
                "conv-open",
                &ConversationRatingInput {
                    rating_id: "r-open".into(),
                    rating: ConversationRatingValue::Good,
                    comment: "fine".into(),
                    ..Default::default()
                },
            )
            .unwrap();
    });
    client.shutdown(Duration::from_secs(10)).unwrap();

    let seen = seen.lock().unwrap().clone();
    for kind in [RecordKind::Generation, RecordKind::ToolExecution, RecordKind::Embedding] {
        assert!(seen.contains(&(kind, Some("conv-private".into()))), "{kind:?}: {seen:?}");
    }
    assert!(seen.contains(&(RecordKind::Rating, Some("conv-open".into()))), "{seen:?}");
    let gens = h.generations("http");
    assert_eq!(mode(by_id(&gens, "gen-private")), "metadata_only");
    assert_eq!(mode(by_id(&gens, "gen-open")), "no_tool_content");
    let spans = Value::Array(h.spans()).to_string();
    assert!(!spans.contains("secret"), "{spans}");
    assert!(spans.contains("execute_tool private-tool") && spans.contains("embeddings te3"), "{spans}");
    assert_eq!(h.captures("ratings")[0]["json"]["comment"], "fine");
}

#[test]
fn metadata_only_leaks_no_content_on_any_path() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .content_capture(ContentCaptureMode::MetadataOnly)
            .embedding_capture(EmbeddingCapture { capture_input: true, max_input_items: 0, max_text_length: 0 })
            .build(),
    )
    .unwrap();
    const SECRET: &str = "launch code 0000";
    let mut rec = client.start_generation(&GenerationStart {
        conversation_title: format!("Title {SECRET}"),
        system_prompt: format!("System {SECRET}"),
        ..start("gen-mo")
    });
    rec.set_result(&Generation {
        input: vec![Message::user_text(format!("User {SECRET}"))],
        output: vec![Message::assistant_text(format!("Answer {SECRET}"))],
        ..Default::default()
    })
    .unwrap();
    rec.set_call_error(format!("provider said {SECRET}"));
    rec.end().unwrap();
    let mut tool = client.start_tool_execution(&ToolExecutionStart {
        include_content: true,
        conversation_title: format!("Tool title {SECRET}"),
        tool_description: format!("Tool desc {SECRET}"),
        ..ToolExecutionStart::new("mo-tool")
    });
    tool.set_result(&ToolExecutionEnd::new(json!({"q": SECRET}), format!("Result {SECRET}")));
    tool.end().unwrap();
    let mut emb = client.start_embedding(&EmbeddingStart::new(ModelRef::new("openai", "te3")));
    emb.set_result(&EmbeddingResult {
        input_count: 1,
        input_texts: vec![format!("Embed {SECRET}")],
        ..Default::default()
    })
    .unwrap();
    emb.end().unwrap();
    client
        .submit_conversation_rating(
            "conv-mo",
            &ConversationRatingInput {
                rating_id: "r-mo".into(),
                rating: ConversationRatingValue::Bad,
                comment: format!("Comment {SECRET}"),
                ..Default::default()
            },
        )
        .unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("http");
    assert_eq!(mode(by_id(&gens, "gen-mo")), "metadata_only");
    for (what, text) in [
        ("export", Value::Array(gens).to_string()),
        ("spans", Value::Array(h.spans()).to_string()),
        ("ratings", Value::Array(h.captures("ratings")).to_string()),
    ] {
        assert!(!text.contains("launch code"), "{what} leaks content: {text}");
    }
}

#[test]
fn embedding_capture_limits_and_payload_max_bytes() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .embedding_capture(EmbeddingCapture { capture_input: true, max_input_items: 2, max_text_length: 5 })
            .payload_max_bytes(4096)
            .build(),
    )
    .unwrap();
    let mut emb = client.start_embedding(&EmbeddingStart::new(ModelRef::new("openai", "te3")));
    let texts = vec!["first text".to_string(), "second".into(), "third".into()];
    emb.set_result(&EmbeddingResult { input_count: 3, input_texts: texts, ..Default::default() }).unwrap();
    emb.end().unwrap();
    let mut big = client.start_generation(&start("gen-big"));
    big.set_result(&result(&"x".repeat(10_000))).unwrap();
    assert!(matches!(big.end(), Err(Error::PayloadTooLarge(_))));
    record(&client, &start("gen-small"), "small");
    client.shutdown(Duration::from_secs(10)).unwrap();

    let spans = h.spans();
    let emb = spans.iter().find(|s| s["name"] == "embeddings te3").expect("embedding span");
    assert_eq!(emb["attributes"]["gen_ai.embeddings.input_texts"], json!(["fi...", "se..."]));
    let gens = h.generations("http");
    assert!(gens.iter().all(|g| g["id"] != "gen-big"));
    assert_eq!(by_id(&gens, "gen-small")["input"][0]["parts"][0]["text"], "small");
}

#[test]
fn embeddings_follow_only_their_own_mode() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .embedding_capture(EmbeddingCapture { capture_input: true, max_input_items: 0, max_text_length: 0 })
            .build(),
    )
    .unwrap();
    let scoped = Context::new().with_content_capture_mode(ContentCaptureMode::MetadataOnly);
    let mut emb = client.start_embedding_with_context(&EmbeddingStart::new(ModelRef::new("openai", "te3")), &scoped);
    emb.set_result(&EmbeddingResult { input_count: 1, input_texts: vec!["visible".into()], ..Default::default() })
        .unwrap();
    emb.end().unwrap();
    let mut own = client.start_embedding(&EmbeddingStart {
        content_capture: Some(ContentCaptureMode::MetadataOnly),
        ..EmbeddingStart::new(ModelRef::new("openai", "te-own"))
    });
    own.set_result(&EmbeddingResult { input_count: 1, input_texts: vec!["hidden".into()], ..Default::default() })
        .unwrap();
    own.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();
    let spans = h.spans();
    let texts = |n: &str| {
        spans.iter().find(|s| s["name"] == n).unwrap()["attributes"].get("gen_ai.embeddings.input_texts").cloned()
    };
    assert_eq!(texts("embeddings te3"), Some(json!(["visible"])));
    assert_eq!(texts("embeddings te-own"), None);
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
fn redaction_off_sanitizer_on_ratings_and_json_fields_stay_json() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .content_capture(ContentCaptureMode::Full)
            .redaction(Redaction::NONE)
            .max_field_bytes(64)
            .sanitizer(|path, value| {
                if path.starts_with("rating.metadata") && value == "explode" {
                    panic!("sanitizer bug");
                }
                value.contains("ACCT-42").then(|| value.replace("ACCT-42", "[ACCOUNT]"))
            })
            .build(),
    )
    .unwrap();
    record(&client, &start("gen-plain"), "mail jane.doe@example.com");
    let mut rec = client.start_generation(&start("gen-json"));
    rec.set_result(&Generation {
        output: vec![Message::new(
            Role::Assistant,
            vec![Part::tool_call(ToolCall::new("c1", "lookup", &json!({"city": "Paris", "notes": "n".repeat(300)})))],
        )],
        ..Default::default()
    })
    .unwrap();
    rec.end().unwrap();
    let mut tool = client.start_tool_execution(&ToolExecutionStart::new("long"));
    tool.set_result(&ToolExecutionEnd::new(json!({"notes": "n".repeat(300)}), "r".repeat(300)));
    tool.end().unwrap();
    client
        .submit_conversation_rating(
            "conv-r",
            &ConversationRatingInput {
                rating_id: "r-1".into(),
                rating: ConversationRatingValue::Good,
                comment: "fixed ACCT-42".into(),
                metadata: json!({"account": "ACCT-42", "bad": "explode", "n": 3}).as_object().unwrap().clone(),
                ..Default::default()
            },
        )
        .unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("http");
    assert_eq!(by_id(&gens, "gen-plain")["input"][0]["parts"][0]["text"], "mail jane.doe@example.com");
    let input =
        by_id(&gens, "gen-json")["output"][0]["parts"][0]["tool_call"]["input_json"].as_str().unwrap().to_string();
    let bytes = base64_decode(&input);
    assert!(bytes.len() <= 64, "{}", String::from_utf8_lossy(&bytes));
    let text: String = serde_json::from_slice(&bytes).expect("a cut JSON field is still JSON");
    assert!(text.starts_with(r#"{"city":"Paris""#) && text.contains("[truncated"), "{text}");
    let spans = h.spans();
    let span = spans.iter().find(|s| s["name"] == "execute_tool long").unwrap();
    for key in ["gen_ai.tool.call.arguments", "gen_ai.tool.call.result"] {
        let v = span["attributes"][key].as_str().unwrap();
        assert!(v.len() <= 64 && serde_json::from_str::<Value>(v).is_ok(), "{key}: {v}");
    }
    let sent = &h.captures("ratings")[0]["json"];
    assert_eq!(sent["comment"], "fixed [ACCOUNT]");
    assert_eq!(sent["metadata"], json!({"account": "[ACCOUNT]", "bad": "[REDACTED:sanitizer_error]", "n": 3}));
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
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
