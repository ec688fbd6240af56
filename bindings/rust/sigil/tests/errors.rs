//! Local errors come back as `Err` with the canonical variant and the
//! engine's message, and what failed is never exported.

mod common;

use std::time::Duration;

use common::{by_id, Harness};
use serde_json::json;
use sigil::*;

fn model() -> ModelRef {
    ModelRef::new("openai", "gpt-5")
}

fn start(id: &str) -> GenerationStart {
    GenerationStart { id: id.into(), ..GenerationStart::new(model()) }
}

#[test]
fn validation_failures_name_the_field_and_are_not_exported() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);

    let mut rec = client.start_generation(&start("gen-invalid"));
    rec.set_result(&Generation { input: vec![Message::new(Role::User, vec![])], ..Default::default() }).unwrap();
    match rec.end() {
        Err(Error::ValidationFailed(m)) => assert!(m.contains("input[0].parts"), "{m}"),
        other => panic!("{other:?}"),
    }
    match client.start_generation(&GenerationStart { id: "gen-no-model".into(), ..Default::default() }).end() {
        Err(e @ Error::ValidationFailed(_)) => {
            assert!(e.message().contains("model.provider"), "{e}");
            assert_eq!((e.name(), e.status_name()), ("ValidationFailed", "SIGIL_E_VALIDATION"));
        }
        other => panic!("{other:?}"),
    }
    let mut emb = client.start_embedding(&EmbeddingStart::new(ModelRef::new("openai", "")));
    emb.set_result(&EmbeddingResult { input_count: 1, ..Default::default() }).unwrap();
    assert!(matches!(emb.end(), Err(Error::ValidationFailed(_))));

    client.start_generation(&start("gen-ok")).end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();
    let gens = h.generations("http");
    assert_eq!(gens.len(), 1);
    by_id(&gens, "gen-ok");
    assert_eq!(client.stats().validation_failures, 2);
}

#[test]
fn invalid_utf8_in_a_bytes_field_is_reported_at_set_result_and_end() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_generation(&start("gen-bad-bytes"));
    let call = ToolCall { id: "c1".into(), name: "f".into(), input_json: vec![b'"', 0xED, 0xA0, 0x80, b'"'] };
    let bad =
        Generation { output: vec![Message::new(Role::Assistant, vec![Part::tool_call(call)])], ..Default::default() };
    assert!(matches!(rec.set_result(&bad), Err(Error::InvalidUtf8(_))));
    match rec.end() {
        Err(Error::InvalidUtf8(m)) => assert!(m.contains("output[0].parts[0].tool_call.input_json"), "{m}"),
        other => panic!("{other:?}"),
    }
    // validate_generation applies the same rules without a client.
    assert!(matches!(validate_generation(&Generation { model: model(), ..bad }), Err(Error::InvalidUtf8(_))));
    client.shutdown(Duration::from_secs(10)).unwrap();
    assert!(h.generations("http").is_empty());
}

#[test]
fn queue_full_and_payload_too_large_drop_the_record() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Grpc)
            .queue_size(1)
            .batch_size(100)
            .flush_interval(Duration::from_secs(60))
            .payload_max_bytes(2048)
            .build(),
    )
    .unwrap();
    client.start_generation(&start("gen-queued")).end().unwrap();
    let e = client.start_generation(&start("gen-dropped")).end().unwrap_err();
    assert!(matches!(e, Error::QueueFull(_)) && e.is_dropped(), "{e:?}");

    let mut big = client.start_generation(&start("gen-big"));
    big.set_result(&Generation { output: vec![Message::assistant_text("x".repeat(4096))], ..Default::default() })
        .unwrap();
    assert!(matches!(big.end(), Err(Error::PayloadTooLarge(_))));

    let stats = client.stats();
    assert_eq!((stats.dropped_queue_full, stats.dropped_payload_too_large, stats.queue_items), (1, 1, 1));
    client.shutdown(Duration::from_secs(10)).unwrap();
    let gens = h.generations("grpc");
    assert_eq!(gens.len(), 1);
    by_id(&gens, "gen-queued");
}

#[test]
fn after_shutdown_every_recorder_reports_client_shutdown() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    client.start_generation(&start("gen-before")).end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    assert!(matches!(client.start_generation(&start("gen-after")).end(), Err(Error::ClientShutdown(_))));
    assert!(matches!(client.start_tool_execution(&ToolExecutionStart::new("t")).end(), Err(Error::ClientShutdown(_))));
    assert!(matches!(client.start_embedding(&EmbeddingStart::new(model())).end(), Err(Error::ClientShutdown(_))));
    assert!(matches!(client.flush(Duration::from_secs(1)), Err(Error::ClientShutdown(_))));
    let rating =
        ConversationRatingInput { rating_id: "r".into(), rating: ConversationRatingValue::Good, ..Default::default() };
    assert!(matches!(client.submit_conversation_rating("conv", &rating), Err(Error::ClientShutdown(_))));
    client.shutdown(Duration::from_secs(1)).expect("shutdown is idempotent");
    assert_eq!(h.generations("http").len(), 1);
}

#[test]
fn invalid_configuration_fails_client_creation() {
    let cfg = Config::builder().use_environment(false).protocol(Protocol::None);
    match Client::new(cfg.clone().auth_mode(AuthMode::Tenant).build()) {
        Err(Error::InvalidConfig(m)) => assert!(m.contains("tenant"), "{m}"),
        other => panic!("{other:?}"),
    }
    match Client::new(cfg.clone().endpoint("local\0host").build()) {
        Err(Error::InvalidConfig(m)) => assert_eq!(m, "endpoint contains a NUL byte"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(Client::new(cfg.clone().header("bad:name", "v").build()), Err(Error::InvalidConfig(_))));
    match Client::new(cfg.clone().ca_file("/nonexistent/ca.pem").build()) {
        Err(Error::InvalidConfig(m)) => {
            assert!(m.contains("CA file option") && m.contains("/nonexistent/ca.pem"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    match Client::new(cfg.clone().client_key("/dev/null").build()) {
        Err(Error::InvalidConfig(m)) => assert!(m.contains("without a client certificate"), "{m}"),
        other => panic!("{other:?}"),
    }
    Client::new(cfg.build()).unwrap();
}

#[test]
fn strings_c_cannot_hold_are_invalid_arguments_and_nothing_is_recorded() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let rec = client.start_generation(&GenerationStart { conversation_id: "a\0b".into(), ..start("gen-nul") });
    assert_eq!(rec.id(), "");
    assert_eq!(rec.end(), Err(Error::InvalidArgument("conversation_id contains a NUL byte".into())));
    let mut emb = client.start_embedding(&EmbeddingStart::new(model()));
    let texts = EmbeddingResult { input_count: 1, input_texts: vec!["a\0b".into()], ..Default::default() };
    assert!(matches!(emb.set_result(&texts), Err(Error::InvalidArgument(_))));
    assert!(matches!(emb.end(), Err(Error::InvalidArgument(_))));
    // A rating is never posted to "victim" in place of "victim\0x".
    let rating =
        ConversationRatingInput { rating_id: "r".into(), rating: ConversationRatingValue::Good, ..Default::default() };
    assert_eq!(
        client.submit_conversation_rating("victim\0x", &rating).unwrap_err(),
        Error::InvalidArgument("conversation_id contains a NUL byte".into())
    );
    assert_eq!(h.captures("ratings").len(), 0);
    // Inside JSON documents a NUL is just an escaped character.
    let mut ok = client.start_generation(&start("gen-nul-text"));
    ok.set_result(&Generation { output: vec![Message::assistant_text("a\0b")], ..Default::default() }).unwrap();
    ok.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();
    let gens = h.generations("http");
    assert_eq!(gens.len(), 1);
    assert_eq!(gens[0]["output"][0]["parts"][0]["text"], "a\u{0}b");
}

#[test]
fn a_stalled_server_makes_flush_time_out() {
    let h = Harness::start();
    let client = Client::new(h.config(Protocol::Http).batch_size(1).build()).unwrap();
    h.script("http", json!([{"delay_ms": 3000}]));
    client.start_generation(&start("gen-slow")).end().unwrap();
    h.wait("http_exports", 1);
    match client.flush(Duration::from_millis(200)) {
        Err(Error::Timeout(m)) => assert!(!m.is_empty()),
        other => panic!("{other:?}"),
    }
    client.shutdown(Duration::from_secs(10)).unwrap();
    assert_eq!(client.stats().generations_exported, 1);
}

#[test]
fn negative_counts_and_non_finite_parameters_fail_validation() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let cases: [(GenerationStart, TokenUsage, &str); 4] = [
        (GenerationStart { temperature: Some(f64::NAN), ..start("nan") }, TokenUsage::default(), "temperature"),
        (GenerationStart { top_p: Some(f64::INFINITY), ..start("inf") }, TokenUsage::default(), "top_p"),
        (GenerationStart { max_tokens: Some(-1), ..start("max") }, TokenUsage::default(), "max_tokens"),
        (start("usage"), TokenUsage { input_tokens: -3, ..Default::default() }, "usage.input_tokens"),
    ];
    for (s, usage, field) in cases {
        let mut rec = client.start_generation(&s);
        rec.set_result(&Generation { usage, ..Default::default() }).unwrap();
        match rec.end() {
            Err(Error::ValidationFailed(m)) => assert!(m.contains(field), "{m}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    client.shutdown(Duration::from_secs(10)).unwrap();
    assert_eq!(h.generations("http").len(), 0);
}
