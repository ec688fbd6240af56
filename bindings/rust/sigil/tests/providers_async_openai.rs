//! sigil::providers::async_openai (feature `async-openai`): the real
//! async-openai client against the fake provider on loopback (the Python
//! tests' fake_provider.py, serving the conformance fixtures), recorded to
//! the capture harness.

mod common;

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::CreateChatCompletionRequest;
use async_openai::types::embeddings::CreateEmbeddingRequest;
use common::{by_id, fake_provider, span_of, FakeProvider, Harness};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sigil::providers::{async_openai::Client as Recorded, STREAM_STOPPED_KEY};
use sigil::*;

const ROUTES: &[&str] = &[
    "/sync/=json:openai.chat/response_tool_calls.json",
    "/text/=sse:openai.chat/stream_text.jsonl",
    "/tools/=sse:openai.chat/stream_tool_calls.jsonl",
    "/limited/=error:429",
    "/embed/=json:openai.embeddings/response.json",
];

fn openai(fake: &FakeProvider, route: &str, sigil: &Client, id: &str) -> Recorded {
    let config = OpenAIConfig::new().with_api_base(format!("{}{route}v1", fake.url)).with_api_key("test");
    Recorded::new(async_openai::Client::with_config(config), sigil.clone()).with_start(GenerationStart {
        id: id.into(),
        agent_name: "travel".into(),
        ..Default::default()
    })
}

fn chat_request() -> CreateChatCompletionRequest {
    serde_json::from_value(json!({
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Weather in Paris and Oslo?"}],
        "temperature": 0.2,
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_create_returns_the_typed_response_and_records_it() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let response = openai(&fake, "/sync/", &client, "gen-sync").chat().create(chat_request()).await.unwrap();
    let calls = response.choices[0].message.tool_calls.as_ref().unwrap();
    assert_eq!(calls.len(), 2);
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-sync").clone();
    assert_eq!(g["mode"], "GENERATION_MODE_SYNC");
    assert_eq!(g["agent_name"], "travel");
    assert_eq!(g["model"]["provider"], "openai");
    assert_eq!(g["input"][0]["parts"][0]["text"], "Weather in Paris and Oslo?");
    assert_eq!(g["temperature"], 0.2);
    assert_eq!(g["tools"][0]["name"], "get_weather");
    assert_eq!(g["response_id"], "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    assert_eq!(g["output"][0]["parts"][1]["tool_call"]["id"], "call_b2");
    assert_eq!(g["stop_reason"], "tool_calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_stream_keeps_async_openais_stream_and_records_each_chunk() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let stream = openai(&fake, "/text/", &client, "gen-text").chat().create_stream(chat_request()).await.unwrap();
    let text: String = stream
        .map(|c| c.unwrap().choices.first().and_then(|c| c.delta.content.clone()).unwrap_or_default())
        .collect::<Vec<_>>()
        .await
        .concat();
    assert_eq!(text, "Paris is sunny today.");
    let mut stream = openai(&fake, "/tools/", &client, "gen-tools").chat().create_stream(chat_request()).await.unwrap();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
        chunks += 1;
    }
    assert_eq!(chunks, 8, "every chunk before [DONE]");
    client.shutdown(Duration::from_secs(5)).unwrap();

    let gens = h.generations("http");
    let g = by_id(&gens, "gen-text");
    assert_eq!(g["mode"], "GENERATION_MODE_STREAM");
    assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is sunny today.");
    assert!(g["metadata"].get(STREAM_STOPPED_KEY).is_none(), "{g:#}");
    let g = by_id(&gens, "gen-tools");
    assert_eq!(g["output"][0]["parts"][0]["tool_call"]["id"], "call_p");
    assert_eq!(g["output"][0]["parts"][0]["tool_call"]["name"], "get_weather");
    assert_eq!(g["usage"]["total_tokens"], "136");
    assert!(span_of(&h, "gen-tools")["attributes"].get("error.type").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_dropped_early_is_caller_closed() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let mut stream = openai(&fake, "/text/", &client, "gen-drop").chat().create_stream(chat_request()).await.unwrap();
    stream.next().await.unwrap().unwrap();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-drop").clone();
    assert_eq!(g["metadata"][STREAM_STOPPED_KEY], "caller_closed");
    assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_error_is_async_openais_own() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let wrapped = openai(&fake, "/limited/", &client, "gen-429");
    match wrapped.chat().create(chat_request()).await {
        Err(OpenAIError::ApiError(e)) => {
            assert_eq!(e.status_code.as_u16(), 429);
            assert_eq!(e.api_error.message, "fake 429");
        }
        other => panic!("expected async-openai's ApiError, got {other:?}"),
    }
    let streamed = openai(&fake, "/limited/", &client, "gen-429-stream").chat().create_stream(chat_request()).await;
    let first = match streamed {
        Err(e) => e,
        Ok(mut s) => s.next().await.expect("an item").expect_err("the provider's error"),
    };
    assert!(first.to_string().contains("fake 429"), "{first}");
    client.shutdown(Duration::from_secs(5)).unwrap();
    let gens = h.generations("http");
    for id in ["gen-429", "gen-429-stream"] {
        let g = by_id(&gens, id);
        assert!(g["call_error"].as_str().unwrap().contains("fake 429"), "{g:#}");
        assert_eq!(g["model"]["name"], "gpt-4o", "the request is recorded");
    }
    assert_eq!(span_of(&h, "gen-429")["attributes"]["error.category"], "rate_limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_are_recorded() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let request: CreateEmbeddingRequest = serde_json::from_value(json!({
        "model": "text-embedding-3-small",
        "input": ["The food was delicious.", "The waiter was friendly."],
        "dimensions": 4
    }))
    .unwrap();
    let response = openai(&fake, "/embed/", &client, "unused").embeddings().create(request).await.unwrap();
    assert_eq!(response.data.len(), 2);
    client.shutdown(Duration::from_secs(5)).unwrap();
    let span = (0..250)
        .find_map(|_| {
            let found = h.spans().into_iter().find(|s| s["attributes"]["gen_ai.operation.name"] == "embeddings");
            if found.is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
            found
        })
        .expect("an embedding span");
    assert_eq!(span["attributes"]["gen_ai.embeddings.input_count"], 2);
    assert_eq!(span["attributes"]["gen_ai.request.model"], "text-embedding-3-small");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_tasks_keep_their_own_context() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let wrapped = openai(&fake, "/text/", &client, "");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let wrapped = wrapped.clone();
            tokio::spawn(async move {
                let cx = Context::new().with_conversation_id(format!("conv-{i}"));
                let stream = wrapped.chat().context(&cx).create_stream(chat_request()).await.unwrap();
                stream
                    .filter_map(|c| async move { c.unwrap().choices.first()?.delta.content.clone() })
                    .collect::<String>()
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "Paris is sunny today.");
    }
    client.shutdown(Duration::from_secs(5)).unwrap();
    let gens: Vec<Value> = h.generations("http");
    assert_eq!(gens.len(), 8);
    let mut conversations: Vec<_> = gens.iter().map(|g| g["conversation_id"].as_str().unwrap().to_string()).collect();
    conversations.sort();
    assert_eq!(conversations, (0..8).map(|i| format!("conv-{i}")).collect::<Vec<_>>());
    assert!(gens.iter().all(|g| g["output"][0]["parts"][0]["text"] == "Paris is sunny today."));
}
