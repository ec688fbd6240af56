//! Provider calls made with reqwest, recorded by `sigil::providers`: an
//! OpenAI chat completion (the bytes sent and received, in one call) and a
//! streamed Anthropic message (its server-sent events recorded as they are
//! read). From bindings/rust:
//!
//!     SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
//!         cargo run --features reqwest --example providers_reqwest
//!
//! It answers itself from a fake provider on loopback (no network, no key);
//! a real provider differs only in the URL and headers. Exit status 0 when
//! both generations were recorded and delivered.

#[path = "support/fake_provider.rs"]
mod fake_provider;

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use sigil::providers::{anthropic, openai};
use sigil::{Client, Config, Context, GenerationStart};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("providers_reqwest: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let sigil = Client::new(Config::builder().build())?; // configured from SIGIL_*
    let fake = fake_provider::FakeProvider::start(&[
        "/v1/chat/completions=json:openai.chat/response_text.json",
        "/v1/messages=sse:anthropic.messages/stream.jsonl",
    ])?;
    let http = reqwest::Client::new();
    let cx = Context::new()
        .with_conversation_id("conv-reqwest-example")
        .with_agent_name("travel-assistant");
    let start = GenerationStart {
        agent_version: "1.0.0".into(),
        ..Default::default()
    };

    // A whole exchange: begin() before sending (the call's duration starts
    // there), then the response body as received.
    let request = json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    });
    let body = serde_json::to_vec(&request)?;
    let exchange = openai::chat(&sigil)
        .start(start.clone())
        .context(&cx)
        .begin(&body)?;
    let response = http
        .post(format!("{}/v1/chat/completions", fake.url))
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if status.is_success() {
        exchange.response(bytes.as_ref())?;
    } else {
        exchange.error(String::from_utf8_lossy(&bytes), Some(status.as_u16()))?;
    }
    let answer: serde_json::Value = serde_json::from_slice(&bytes)?;
    println!("openai: {}", answer["choices"][0]["message"]["content"]);

    // A stream: the events are recorded as the loop takes them, and the
    // generation ends with the stream (or when it is dropped early).
    let request = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "stream": true,
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
    });
    let response = http
        .post(format!("{}/v1/messages", fake.url))
        .body(serde_json::to_vec(&request)?)
        .send()
        .await?;
    let mut events = anthropic::messages(&sigil)
        .start(start)
        .context(&cx)
        .stream_response(&request, response)?;
    let mut text = String::new();
    while let Some(event) = events.next().await {
        let event = event?;
        let data: serde_json::Value = serde_json::from_str(&event.data)?;
        if let Some(delta) = data["delta"]["text"].as_str() {
            text.push_str(delta);
        }
    }
    println!("anthropic: {text:?}");

    sigil.shutdown(Duration::from_secs(10))?;
    let stats = sigil.stats();
    println!(
        "generations: {} enqueued, {} exported",
        stats.generations_enqueued, stats.generations_exported
    );
    Ok(stats.generations_enqueued == 2 && stats.generations_exported == 2)
}
