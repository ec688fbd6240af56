//! What the real capture servers receive: generations over HTTP and gRPC
//! (every field intact, stamped sdk-rust), spans and metrics over OTLP, the
//! span callback and the logger.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{by_id, Harness};
use serde_json::{json, Value};
use sigil::*;

fn full_start(id: &str) -> GenerationStart {
    GenerationStart {
        id: id.into(),
        conversation_id: "conv-rs-1".into(),
        conversation_title: "Weather".into(),
        user_id: "user-7".into(),
        agent_name: "agent-rs".into(),
        agent_version: "1.2.3".into(),
        system_prompt: "You are terse.".into(),
        max_tokens: Some(256),
        temperature: Some(0.5),
        top_p: Some(0.875),
        tool_choice: Some("auto".into()),
        thinking_enabled: Some(true),
        tools: vec![ToolDefinition {
            deferred: true,
            ..ToolDefinition::function(
                "weather",
                "Looks up the weather",
                &json!({"type": "object", "properties": {"city": {"type": "string"}}}),
            )
        }],
        tags: [("env".to_string(), "test".to_string()), ("stage".to_string(), "start".to_string())].into(),
        metadata: json!({"request.kind": "roundtrip", "stage": "start"}).as_object().unwrap().clone(),
        ..GenerationStart::new(ModelRef::new("anthropic", "claude-sonnet-4-5"))
    }
}

fn full_result() -> Generation {
    Generation {
        input: vec![
            Message::user_text("What is the weather in Paris?"),
            Message::new(
                Role::Assistant,
                vec![Part::tool_call(ToolCall::new("call-1", "weather", &json!({"city": "Paris"})))],
            ),
            Message::tool_result(ToolResult {
                name: "weather".into(),
                content: "18C, sunny".into(),
                ..ToolResult::json("call-1", &json!({"temp_c": 18}))
            }),
        ],
        output: vec![Message::new(
            Role::Assistant,
            vec![
                Part::thinking("Paris is done.").with_provider_type("thinking"),
                Part::text("Paris: 18C and sunny. Grüße 👋"),
            ],
        )],
        usage: TokenUsage {
            input_tokens: 120,
            output_tokens: 40,
            total_tokens: 160,
            cache_read_input_tokens: 30,
            cache_write_input_tokens: 10,
            cache_creation_input_tokens: 5,
            reasoning_tokens: 12,
        },
        stop_reason: "tool_use".into(),
        response_id: "resp-1".into(),
        response_model: "claude-sonnet-4-5-20250929".into(),
        tags: [("stage".to_string(), "result".to_string())].into(),
        metadata: json!({"stage": "result", "nested": {"k": [1, "two", false]}}).as_object().unwrap().clone(),
        artifacts: vec![Artifact::json(ArtifactKind::Request, "request", &json!({"model": "claude"}))],
        ..Default::default()
    }
}

/// A bytes field's text, parsed (serde_json orders object keys unless its
/// `preserve_order` feature is on).
fn json_text(v: &Value) -> Value {
    serde_json::from_str(v.as_str().expect("a *_text field")).unwrap()
}

fn roundtrip(protocol: Protocol, transport: &str) {
    let h = Harness::start();
    let client = h.client(protocol);
    let mut rec = client.start_generation(&full_start("gen-rs-1"));
    assert_eq!(rec.id(), "gen-rs-1");
    rec.set_result(&full_result()).unwrap();
    rec.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations(transport);
    assert_eq!(gens.len(), 1);
    let g = by_id(&gens, "gen-rs-1");
    assert_eq!(g["conversation_id"], "conv-rs-1");
    assert_eq!(g["mode"], "GENERATION_MODE_SYNC");
    assert_eq!(g["operation_name"], "generateText");
    assert_eq!(g["agent_name"], "agent-rs");
    assert_eq!(g["agent_version"], "1.2.3");
    assert_eq!(g["model"], json!({"provider": "anthropic", "name": "claude-sonnet-4-5"}));
    assert_eq!(g["system_prompt"], "You are terse.");
    assert_eq!(g["max_tokens"], "256");
    assert_eq!(g["temperature"], 0.5);
    assert_eq!(g["top_p"], 0.875);
    assert_eq!(g["tool_choice"], "auto");
    assert_eq!(g["thinking_enabled"], true);
    assert_eq!(g["tools"][0]["name"], "weather");
    assert_eq!(g["tools"][0]["deferred"], true);
    assert_eq!(
        json_text(&g["tools"][0]["input_schema_json_text"]),
        json!({"type": "object", "properties": {"city": {"type": "string"}}})
    );
    assert_eq!(
        g["input"][0],
        json!({"role": "MESSAGE_ROLE_USER", "parts": [{"text": "What is the weather in Paris?"}]})
    );
    assert_eq!(g["input"][1]["parts"][0]["tool_call"]["input_json_text"], r#"{"city":"Paris"}"#);
    assert_eq!(json_text(&g["input"][1]["parts"][0]["tool_call"]["input_json_text"]), json!({"city": "Paris"}));
    let tr = &g["input"][2]["parts"][0]["tool_result"];
    assert_eq!((tr["tool_call_id"].as_str(), tr["content"].as_str()), (Some("call-1"), Some("18C, sunny")));
    assert_eq!(tr["content_json_text"], r#"{"temp_c":18}"#);
    assert_eq!(g["output"][0]["parts"][0]["thinking"], "Paris is done.");
    assert_eq!(g["output"][0]["parts"][0]["metadata"]["provider_type"], "thinking");
    assert_eq!(g["output"][0]["parts"][1]["text"], "Paris: 18C and sunny. Grüße 👋");
    assert_eq!(
        g["usage"],
        json!({"input_tokens": "120", "output_tokens": "40", "total_tokens": "160", "cache_read_input_tokens": "30",
               "cache_write_input_tokens": "10", "reasoning_tokens": "12"})
    );
    assert_eq!(g["stop_reason"], "tool_use");
    assert_eq!(g["response_id"], "resp-1");
    assert_eq!(g["tags"], json!({"env": "test", "stage": "result"}));
    let md = &g["metadata"];
    assert_eq!(md["sigil.sdk.name"], "sdk-rust");
    assert_eq!((md["stage"].as_str(), md["request.kind"].as_str()), (Some("result"), Some("roundtrip")));
    assert_eq!(md["nested"], json!({"k": [1.0, "two", false]}));
    assert_eq!(md["sigil.conversation.title"], "Weather");
    assert_eq!(md["sigil.user.id"], "user-7");
    assert_eq!(g["raw_artifacts"][0]["kind"], "ARTIFACT_KIND_REQUEST");
    assert_eq!(g["raw_artifacts"][0]["payload_text"], r#"{"model":"claude"}"#);
    assert!(g["started_at"].is_string() && g["completed_at"].is_string());

    // Its span, over OTLP, carries the same ids.
    let spans = h.spans();
    let span = spans.iter().find(|s| s["attributes"]["sigil.generation.id"] == "gen-rs-1").expect("span");
    assert_eq!(span["trace_id"], g["trace_id"]);
    assert_eq!(span["span_id"], g["span_id"]);
    assert_eq!(span["name"], "generateText claude-sonnet-4-5");
    assert_eq!(span["attributes"]["sigil.sdk.name"], "sdk-rust");
    assert_eq!(span["resource"]["telemetry.sdk.language"], "rust");
    assert_eq!(client.stats().generations_exported, 1);
}

#[test]
fn a_generation_arrives_intact_over_http() {
    roundtrip(Protocol::Http, "http");
}

#[test]
fn a_generation_arrives_intact_over_grpc() {
    roundtrip(Protocol::Grpc, "grpc");
}

#[test]
fn streaming_call_errors_tools_and_embeddings() {
    let h = Harness::start();
    let client = h.client(Protocol::Grpc);

    let mut s = client.start_streaming_generation(&GenerationStart {
        id: "gen-stream".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-5-mini"))
    });
    s.set_first_token_at(SystemTime::now());
    s.set_result(&Generation { output: vec![Message::assistant_text("Hello from the stream.")], ..Default::default() })
        .unwrap();
    s.end().unwrap();

    let mut failed = client.start_generation(&GenerationStart {
        id: "gen-failed".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-5"))
    });
    failed.set_call_error_with_status("provider unavailable", 503);
    failed.end().expect("a provider error is not a local error");

    let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut tool = client.start_tool_execution(&ToolExecutionStart {
        tool_call_id: "call-42".into(),
        include_content: true,
        started_at: Some(started),
        ..ToolExecutionStart::new("weather")
    });
    tool.set_result(&ToolExecutionEnd {
        completed_at: Some(started + Duration::from_millis(250)),
        ..ToolExecutionEnd::new(json!({"city": "Paris"}), json!({"temp_c": 18}))
    });
    tool.end().unwrap();

    let mut flaky = client.start_tool_execution(&ToolExecutionStart::new("flaky"));
    flaky.set_exec_error("tool exploded");
    flaky.end().expect("a tool failure is not a local error");

    let mut emb = client.start_embedding(&EmbeddingStart {
        dimensions: Some(256),
        ..EmbeddingStart::new(ModelRef::new("openai", "text-embedding-3-small"))
    });
    emb.set_result(&EmbeddingResult { input_count: 2, input_tokens: 12, ..Default::default() }).unwrap();
    emb.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("grpc");
    assert_eq!(gens.len(), 2, "tool executions and embeddings are not exported as generations");
    let g = by_id(&gens, "gen-stream");
    assert_eq!(
        (g["mode"].as_str(), g["operation_name"].as_str()),
        (Some("GENERATION_MODE_STREAM"), Some("streamText"))
    );
    assert_eq!(by_id(&gens, "gen-failed")["call_error"], "provider unavailable");

    let spans = h.spans();
    let named = |n: &str| spans.iter().find(|s| s["name"] == n).unwrap_or_else(|| panic!("no span {n}: {spans:#?}"));
    let t = named("execute_tool weather");
    assert_eq!(t["kind"], "SPAN_KIND_INTERNAL");
    assert_eq!(t["attributes"]["gen_ai.tool.call.id"], "call-42");
    assert_eq!(t["attributes"]["gen_ai.tool.call.arguments"], r#"{"city":"Paris"}"#);
    assert_eq!(t["start_time_unix_nano"].as_u64(), Some(1_700_000_000_000_000_000));
    assert_eq!(t["end_time_unix_nano"].as_u64(), Some(1_700_000_000_250_000_000));
    assert_eq!(named("execute_tool flaky")["status"]["code"], "STATUS_CODE_ERROR");
    assert_eq!(named("embeddings text-embedding-3-small")["attributes"]["gen_ai.embeddings.dimension.count"], 256);
    assert_eq!(named("generateText gpt-5")["attributes"]["error.type"], "provider_call_error");

    let metrics = client.metrics_snapshot().unwrap();
    let names: Vec<&str> = metrics["metrics"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"gen_ai.client.time_to_first_token"), "{names:?}");
    assert!(names.contains(&"gen_ai.client.operation.duration"), "{names:?}");
}

#[test]
fn the_span_callback_sees_every_span_and_survives_a_panic() {
    let h = Harness::start();
    let seen = Arc::new(Mutex::new(Vec::<Span>::new()));
    let sink = seen.clone();
    let client = Client::new(
        h.config(Protocol::None)
            .on_span(move |span| {
                sink.lock().unwrap().push(span.clone());
                if span.name.contains("boom") {
                    panic!("a panicking callback must not take the host down");
                }
            })
            .build(),
    )
    .unwrap();
    let rec = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
    let tp = rec.traceparent().unwrap();
    rec.end().unwrap();
    client.start_tool_execution(&ToolExecutionStart::new("boom")).end().unwrap();
    let spans = seen.lock().unwrap().clone();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].name, "generateText gpt-4o");
    assert_eq!(spans[0].kind, SpanKind::Client);
    assert_eq!(spans[0].traceparent(), tp);
    assert_eq!(spans[0].attribute("sigil.sdk.name"), Some(&AttributeValue::String("sdk-rust".into())));
    assert!(spans[0].start_time.unwrap() <= spans[0].end_time.unwrap());
    assert_eq!(spans[1].name, "execute_tool boom");
    client.shutdown(Duration::from_secs(5)).unwrap();
}

#[test]
fn export_failures_reach_the_logger() {
    let h = Harness::start();
    let lines = Arc::new(Mutex::new(Vec::<(LogLevel, String)>::new()));
    let sink = lines.clone();
    let client = Client::new(
        h.config(Protocol::Http)
            .max_retries(0)
            .logger(move |level, message| sink.lock().unwrap().push((level, message.to_string())))
            .build(),
    )
    .unwrap();
    h.script("http", json!([{"status": 400, "body": "bad things"}]));
    client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o"))).end().unwrap();
    client.flush(Duration::from_secs(10)).unwrap();
    let stats = client.stats();
    assert_eq!((stats.generations_rejected, stats.generations_exported), (1, 0));
    client.shutdown(Duration::from_secs(5)).unwrap();
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|(level, m)| *level >= LogLevel::Warn && m.contains("400")), "{lines:?}");
}

#[test]
fn dropping_a_recorder_ends_it_and_a_panic_is_recorded() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    {
        let _dropped = client.start_generation(&GenerationStart {
            id: "gen-dropped".into(),
            ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
        });
    }
    let c = client.clone();
    let panicked = std::thread::spawn(move || {
        let _rec = c.start_generation(&GenerationStart {
            id: "gen-panicked".into(),
            ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
        });
        panic!("the provider SDK panicked");
    })
    .join();
    assert!(panicked.is_err());
    client.shutdown(Duration::from_secs(10)).unwrap();
    let gens = h.generations("http");
    assert_eq!(gens.len(), 2);
    assert!(by_id(&gens, "gen-dropped").get("call_error").is_none());
    assert_eq!(by_id(&gens, "gen-panicked")["call_error"], "panicked while the generation was in progress");
}

#[test]
fn headers_auth_and_client_defaults_reach_the_server() {
    let h = Harness::start();
    let client = Client::new(
        h.config(Protocol::Http)
            .auth_mode(AuthMode::Tenant)
            .auth_tenant_id("tenant-42")
            .header("x-custom", "yes")
            .agent_name("default-agent")
            .user_id("default-user")
            .tag("deploy", "canary")
            .build(),
    )
    .unwrap();
    client
        .start_generation(&GenerationStart {
            id: "gen-defaults".into(),
            ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
        })
        .end()
        .unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();
    let captures = h.captures("http_exports");
    let headers = &captures[0]["headers"];
    assert_eq!((headers["x-scope-orgid"].as_str(), headers["x-custom"].as_str()), (Some("tenant-42"), Some("yes")));
    let g = &captures[0]["generations"][0];
    assert_eq!(g["agent_name"], "default-agent");
    assert_eq!(g["tags"]["deploy"], "canary");
    assert_eq!(g["metadata"]["sigil.user.id"], "default-user");
}

#[test]
fn shutdown_delivers_what_batching_held_back() {
    let h = Harness::start();
    let client =
        Client::new(h.config(Protocol::Grpc).batch_size(100).flush_interval(Duration::from_secs(60)).build()).unwrap();
    for i in 0..3 {
        client
            .start_generation(&GenerationStart {
                id: format!("gen-held-{i}"),
                ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
            })
            .end()
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(h.captures("grpc_exports").is_empty());
    assert_eq!(client.stats().queue_items, 3);
    client.shutdown(Duration::from_secs(10)).unwrap();
    assert_eq!(h.generations("grpc").len(), 3);
    let stats = client.stats();
    assert_eq!((stats.generations_exported, stats.queue_items, stats.dropped()), (3, 0, 0));
    // Idempotent.
    client.shutdown(Duration::from_secs(1)).unwrap();
    let _: Value = client.metrics_snapshot().unwrap();
}

#[test]
fn undeliverable_generations_go_to_the_spool_and_are_replayed() {
    let h = Harness::start();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let client = Client::new(
        h.config(Protocol::Http)
            .max_retries(0)
            .batch_size(1)
            .spool_dir(&dir)
            .spool_sync(SpoolSync::Record)
            .spool_max_age(Duration::from_secs(3600))
            .build(),
    )
    .unwrap();
    h.script("http", json!([{"status": 503}]));
    client
        .start_generation(&GenerationStart {
            id: "gen-spooled".into(),
            ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
        })
        .end()
        .unwrap();
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(client.stats().generations_spooled, 1, "{:?}", client.stats());
    assert!(std::fs::read_dir(&dir).unwrap().count() > 0);
    // The backend answers again: the worker replays the record.
    client
        .start_generation(&GenerationStart {
            id: "gen-after".into(),
            ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
        })
        .end()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client.stats().generations_replayed == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    client.shutdown(Duration::from_secs(10)).unwrap();
    let stats = client.stats();
    assert_eq!((stats.generations_replayed, stats.dropped()), (1, 0), "{stats:?}");
    // Delivered once: the first request was the scripted 503.
    let accepted: Vec<Value> = h
        .captures("http_exports")
        .into_iter()
        .filter(|c| c["response"]["scripted"] == false)
        .flat_map(|c| c["generations"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(accepted.iter().filter(|g| g["id"] == "gen-spooled").count(), 1);
    assert_eq!(accepted.iter().filter(|g| g["id"] == "gen-after").count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The spool mode reaches the engine: with the backend down, a write-ahead
/// generation is in the spool when `end` returns; a fallback one waits in memory.
#[test]
fn write_ahead_spool_holds_the_generation_when_end_returns() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for (mode, in_spool) in [(SpoolMode::WriteAhead, true), (SpoolMode::Fallback, false)] {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "spool-mode-{}-{:?}",
            std::process::id(),
            mode
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let client = Client::new(
            Config::builder()
                .use_environment(false)
                .protocol(Protocol::Http)
                .endpoint(endpoint.clone())
                .max_retries(50)
                .spool_dir(&dir)
                .spool_mode(mode)
                .spool_sync(SpoolSync::Batch)
                .build(),
        )
        .unwrap();
        let id = format!("gen-rs-{mode:?}");
        client
            .start_generation(&GenerationStart {
                id: id.clone(),
                ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
            })
            .end()
            .unwrap();
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sgs") {
                bytes.extend(std::fs::read(&path).unwrap());
            }
        }
        let found = bytes.windows(id.len()).any(|w| w == id.as_bytes());
        assert_eq!(found, in_spool, "{mode:?}: in the spool when end returned");
        let _ = client.shutdown(Duration::from_millis(1));
        drop(client);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn write_ahead_without_a_spool_directory_is_refused() {
    let err = Client::new(
        Config::builder()
            .use_environment(false)
            .protocol(Protocol::Http)
            .endpoint("http://127.0.0.1:1")
            .spool_mode(SpoolMode::WriteAhead)
            .build(),
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("spool directory"), "{err}");
}

/// Spans the OTLP collector could not take are kept in the spool with the
/// generations, and the stats say so: spooled, not dropped.
#[test]
fn spans_the_collector_missed_are_spooled_not_dropped() {
    let h = Harness::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let otlp = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("otlp-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let client =
        Client::new(h.config(Protocol::Http).max_retries(0).spool_dir(&dir).otlp_endpoint(otlp).build()).unwrap();
    for id in ["gen-rs-otlp-1", "gen-rs-otlp-2"] {
        client
            .start_generation(&GenerationStart {
                id: id.into(),
                ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
            })
            .end()
            .unwrap();
    }
    let _ = client.shutdown(Duration::from_secs(10));
    let stats = client.stats();
    assert_eq!((stats.spans_spooled, stats.spans_dropped, stats.spans_exported), (2, 0, 0), "{stats:?}");
    assert_eq!(stats.metric_exports_spooled, 1, "{stats:?}");
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sgs") {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(bytes.windows(8).any(|w| w == b"spans:2:"));
    let _ = std::fs::remove_dir_all(&dir);
}
