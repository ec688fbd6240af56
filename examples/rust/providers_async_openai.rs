//! OpenAI calls made with async-openai, recorded by
//! `sigil::providers::async_openai`: the wrapper calls async-openai as the
//! application would and returns its own response, stream and errors. From
//! bindings/rust:
//!
//!     SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
//!         cargo run --features async-openai --example providers_async_openai
//!
//! It answers itself from a fake provider on loopback (no network, no key).
//! Exit status 0 when both generations were recorded and delivered.

#[path = "support/fake_provider.rs"]
mod fake_provider;

use std::process::ExitCode;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
};
use futures_util::StreamExt;
use sigil::providers::async_openai::Client as RecordedOpenAI;
use sigil::{Client, Config, Context, GenerationStart};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("providers_async_openai: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let sigil = Client::new(Config::builder().build())?; // configured from SIGIL_*
    let fake = fake_provider::FakeProvider::start(&[
        "/sync/=json:openai.chat/response_text.json",
        "/stream/=sse:openai.chat/stream_text.jsonl",
    ])?;
    let openai_at = |route: &str| {
        let config = OpenAIConfig::new()
            .with_api_base(format!("{}{route}v1", fake.url))
            .with_api_key("not-needed");
        RecordedOpenAI::new(async_openai::Client::with_config(config), sigil.clone()).with_start(
            GenerationStart {
                agent_name: "travel-assistant".into(),
                ..Default::default()
            },
        )
    };
    let cx = Context::new().with_conversation_id("conv-async-openai-example");
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages(vec![ChatCompletionRequestUserMessageArgs::default()
            .content("What is the weather in Paris?")
            .build()?
            .into()])
        .build()?;

    let response = openai_at("/sync/")
        .chat()
        .context(&cx)
        .create(request.clone())
        .await?;
    println!("create: {:?}", response.choices[0].message.content);

    let mut stream = openai_at("/stream/")
        .chat()
        .context(&cx)
        .create_stream(request)
        .await?;
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        if let Some(delta) = chunk?.choices.first().and_then(|c| c.delta.content.clone()) {
            text.push_str(&delta);
        }
    }
    println!("create_stream: {text:?}");

    sigil.shutdown(Duration::from_secs(10))?;
    let stats = sigil.stats();
    println!(
        "generations: {} enqueued, {} exported",
        stats.generations_enqueued, stats.generations_exported
    );
    Ok(stats.generations_enqueued == 2 && stats.generations_exported == 2)
}
