//! sigil (Rust) quickstart: records one of everything and exports it.
//!
//! Configured only through the environment, for example:
//!
//!     SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 cargo run --example quickstart
//!     SIGIL_PROTOCOL=grpc SIGIL_ENDPOINT=127.0.0.1:4317 cargo run --example quickstart
//!
//! (from bindings/rust). SIGIL_API_ENDPOINT adds a conversation rating;
//! OTEL_EXPORTER_OTLP_ENDPOINT adds spans and metrics.
//!
//! Exit status: 0 when everything was recorded and delivered, 1 otherwise.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use serde_json::json;
use sigil::{
    Client, Config, Context, ConversationRatingInput, ConversationRatingValue, EmbeddingResult,
    EmbeddingStart, Generation, GenerationStart, Message, ModelRef, Part, Role, TokenUsage,
    ToolCall, ToolDefinition, ToolExecutionEnd, ToolExecutionStart, ToolResult,
};

/// A provider failure, as a provider SDK would report it.
#[derive(Debug)]
struct ProviderUnavailable;

impl std::fmt::Display for ProviderUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("provider unavailable: 503 Service Unavailable")
    }
}

fn main() -> ExitCode {
    let mut failures = 0;
    let mut check = |what: &str, result: Result<(), sigil::Error>| match result {
        Ok(()) => println!("  ok    {what}"),
        Err(e) => {
            println!("  FAIL  {what}: {}: {e}", e.name());
            failures += 1;
        }
    };
    println!("sigil (Rust) quickstart on libsigil {}", sigil::version());

    // Everything from SIGIL_* / OTEL_* environment variables; diagnostics to stderr.
    let config = Config::builder()
        .logger(|level, message| eprintln!("sigil {level:?}: {message}"))
        .build();
    let client = match Client::new(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sigil: {e}");
            return ExitCode::FAILURE;
        }
    };

    // Identity set once per request; every recorder started inside picks it up.
    let request = Context::new()
        .with_conversation_id("conv-quickstart")
        .with_agent_name("weather-agent")
        .with_agent_version("1.0.0");
    let _scope = request.attach();

    let mut rec = client.start_generation(&GenerationStart {
        conversation_title: "Weather in Paris".into(),
        user_id: "user-42".into(),
        system_prompt: "You are a concise weather assistant.".into(),
        max_tokens: Some(1024),
        temperature: Some(0.7),
        tools: vec![ToolDefinition::function(
            "get_weather",
            "Current weather for a city",
            &json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        )],
        tags: [("team".to_string(), "weather".to_string())].into(),
        ..GenerationStart::new(ModelRef::new("anthropic", "claude-sonnet-4-5"))
    });
    let id = rec.id().to_string();
    // ... call the model, then record what happened:
    let result = rec.set_result(&Generation {
        input: vec![
            Message::user_text("What is the weather in Paris?"),
            Message::new(
                Role::Assistant,
                vec![
                    Part::thinking("I should call the weather tool."),
                    Part::tool_call(ToolCall::new(
                        "call_1",
                        "get_weather",
                        &json!({"city": "Paris"}),
                    )),
                ],
            ),
            Message::tool_result(ToolResult {
                name: "get_weather".into(),
                ..ToolResult::json("call_1", &json!({"temp_c": 18}))
            }),
        ],
        output: vec![Message::assistant_text("It is 18°C and sunny in Paris.")],
        usage: TokenUsage {
            input_tokens: 120,
            output_tokens: 42,
            cache_read_input_tokens: 30,
            ..Default::default()
        },
        response_id: "msg_01".into(),
        response_model: "claude-sonnet-4-5-20250929".into(),
        stop_reason: "end_turn".into(),
        ..Default::default()
    });
    check(
        &format!("sync generation {id}"),
        result.and_then(|()| rec.end()),
    );

    let mut stream = client.start_streaming_generation(&GenerationStart::new(ModelRef::new(
        "openai",
        "gpt-4o-mini",
    )));
    stream.set_first_token_at(SystemTime::now()); // when the first chunk arrived
    let result = stream.set_result(&Generation {
        input: vec![Message::user_text("Tell me a short fact.")],
        output: vec![Message::assistant_text("Honey never spoils.")],
        usage: TokenUsage {
            input_tokens: 12,
            output_tokens: 5,
            ..Default::default()
        },
        stop_reason: "stop".into(),
        ..Default::default()
    });
    check("streaming generation", result.and_then(|()| stream.end()));

    // A provider failure is recorded (and exported); it is not a local error.
    let mut failed =
        client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
    let call: Result<(), ProviderUnavailable> = Err(ProviderUnavailable);
    if let Err(e) = call {
        failed.set_call_error_with_status(e, 503);
    }
    check("failed generation (call error recorded)", failed.end());

    // A tool started under the generation's context would be its child span;
    // here it runs under the request context.
    let mut tool = client.start_tool_execution(&ToolExecutionStart {
        tool_call_id: "call_1".into(),
        tool_type: "function".into(),
        include_content: true,
        ..ToolExecutionStart::new("get_weather")
    });
    tool.set_result(&ToolExecutionEnd::new(
        json!({"city": "Paris"}),
        json!({"temp_c": 18}),
    ));
    check("tool execution", tool.end());

    let mut emb = client.start_embedding(&EmbeddingStart {
        dimensions: Some(512),
        ..EmbeddingStart::new(ModelRef::new("openai", "text-embedding-3-small"))
    });
    let result = emb.set_result(&EmbeddingResult {
        input_count: 2,
        input_tokens: 6,
        input_texts: vec!["Paris".into(), "Lyon".into()],
        response_model: "text-embedding-3-small".into(),
        ..Default::default()
    });
    check("embedding", result.and_then(|()| emb.end()));

    if std::env::var_os("SIGIL_API_ENDPOINT").is_some() {
        let rating = ConversationRatingInput {
            rating_id: "rating-quickstart-1".into(),
            rating: ConversationRatingValue::Good,
            comment: "Spot on".into(),
            ..Default::default()
        };
        match client.submit_conversation_rating("conv-quickstart", &rating) {
            Ok(answer) => check(
                &format!(
                    "rating (conversation now has {})",
                    answer.summary.total_count
                ),
                Ok(()),
            ),
            Err(e) => check("rating", Err(e)),
        }
    }

    // Delivers what is still queued.
    check("shutdown", client.shutdown(Duration::from_secs(10)));
    let stats = client.stats();
    println!(
        "generations: {} enqueued, {} exported, {} rejected, {} dropped",
        stats.generations_enqueued,
        stats.generations_exported,
        stats.generations_rejected,
        stats.dropped()
    );
    if failures > 0 || stats.generations_exported != stats.generations_enqueued {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
