//! sigil::providers::EventStream (feature `reqwest`): real reqwest against the
//! fake provider on loopback (the Python tests' fake_provider.py, serving the
//! conformance fixtures), recorded to the capture harness.

mod common;

use std::time::Duration;

use common::{by_id, fake_provider, fixture, span_of, FakeProvider, Harness};
use futures_util::StreamExt;
use serde_json::Value;
use sigil::providers::{anthropic, gemini, openai, EventStreamError, GenerationCall, SseEvent, STREAM_STOPPED_KEY};
use sigil::*;

const ROUTES: &[&str] = &[
    "/sync/=json:openai.chat/response_tool_calls.json",
    "/text/=sse:openai.chat/stream_text.jsonl",
    "/tools/=sse:openai.chat/stream_tool_calls.jsonl",
    "/anthropic/=sse:anthropic.messages/stream.jsonl",
    "/gemini/=sse:gemini.generate_content/stream.jsonl",
    "/limited/=error:429",
    "/cut/=sse,cut=3,drop:openai.chat/stream_text.jsonl",
];

fn with_id<'c>(call: GenerationCall<'c>, id: &str) -> GenerationCall<'c> {
    call.start(GenerationStart { id: id.into(), ..Default::default() })
}

fn request() -> Value {
    serde_json::from_str(&fixture("openai.chat/request.json")).unwrap()
}

async fn post(fake: &FakeProvider, path: &str, body: &Value) -> reqwest::Response {
    let body = serde_json::to_vec(body).unwrap();
    reqwest::Client::new().post(format!("{}{path}", fake.url)).body(body).send().await.expect("the fake provider")
}

async fn stream_all(call: GenerationCall<'_>, fake: &FakeProvider, path: &str) -> Vec<SseEvent> {
    let body = request();
    let response = post(fake, path, &body).await;
    let stream = call.stream_response(&body, response).unwrap();
    stream.map(|e| e.expect("an event")).collect().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_exchange_from_the_bytes_reqwest_sent_and_received() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let body = serde_json::to_vec(&request()).unwrap();
    let exchange = with_id(openai::chat(&client), "gen-sync").begin(&body).unwrap();
    let response = reqwest::Client::new().post(format!("{}/sync/v1/chat/completions", fake.url)).body(body).send();
    let bytes = response.await.unwrap().bytes().await.unwrap();
    assert_eq!(exchange.response(bytes.as_ref()), Ok(None));
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-sync").clone();
    assert_eq!(g["stop_reason"], "tool_calls");
    assert_eq!(g["output"][0]["parts"][1]["tool_call"]["id"], "call_b2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_of_each_provider_are_recorded_as_they_are_read() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let text = stream_all(with_id(openai::chat(&client), "gen-text"), &fake, "/text/v1/chat/completions").await;
    assert_eq!(text.len(), 7);
    let tools = stream_all(with_id(openai::chat(&client), "gen-tools"), &fake, "/tools/v1/chat/completions").await;
    assert_eq!(tools.last().unwrap().data, "[DONE]");
    let events =
        stream_all(with_id(anthropic::messages(&client), "gen-anthropic"), &fake, "/anthropic/v1/messages").await;
    assert_eq!(events[0].event, "message_start", "the event names pass through");
    let gemini_call = with_id(gemini::generate_content(&client), "gen-gemini");
    let path = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    assert_eq!(stream_all(gemini_call, &fake, path).await.len(), 5);
    client.shutdown(Duration::from_secs(5)).unwrap();

    let gens = h.generations("http");
    let g = by_id(&gens, "gen-text");
    assert_eq!(g["mode"], "GENERATION_MODE_STREAM");
    assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is sunny today.");
    assert!(g["metadata"].get(STREAM_STOPPED_KEY).is_none(), "{g:#}");
    let g = by_id(&gens, "gen-tools");
    let parts = g["output"][0]["parts"].as_array().unwrap();
    assert!(!parts.is_empty() && parts.iter().all(|p| p.get("tool_call").is_some()), "{g:#}");
    assert_eq!(parts[0]["tool_call"]["id"], "call_p");
    assert_eq!(g["usage"]["total_tokens"], "136");
    assert_eq!(by_id(&gens, "gen-anthropic")["response_id"], "msg_stream01");
    assert_eq!(by_id(&gens, "gen-gemini")["response_id"], "stream-resp-1");
    assert!(span_of(&h, "gen-text")["attributes"].get("error.type").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_dropped_before_its_end_keeps_what_was_read() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let body = request();
    let response = post(&fake, "/text/v1/chat/completions", &body).await;
    let mut stream = with_id(openai::chat(&client), "gen-dropped").stream_response(&body, response).unwrap();
    for _ in 0..2 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-dropped").clone();
    assert_eq!(g["metadata"][STREAM_STOPPED_KEY], "caller_closed");
    assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is ", "only the events the caller took");
    assert_eq!(span_of(&h, "gen-dropped")["attributes"]["error.type"], "mapping_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_error_is_passed_back_unchanged() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let body = request();
    let response = post(&fake, "/limited/v1/chat/completions", &body).await;
    let mut stream = with_id(openai::chat(&client), "gen-429").stream_response(&body, response).unwrap();
    match stream.next().await {
        Some(Err(EventStreamError::Status { status, body })) => {
            assert_eq!(status.as_u16(), 429);
            let error: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(error["error"]["message"], "fake 429");
        }
        other => panic!("expected the provider's error, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-429").clone();
    assert!(g["call_error"].as_str().unwrap().contains("fake 429"), "{g:#}");
    assert_eq!(span_of(&h, "gen-429")["attributes"]["error.category"], "rate_limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_stream_is_an_error_with_what_arrived() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let body = request();
    let response = post(&fake, "/cut/v1/chat/completions", &body).await;
    let stream = with_id(openai::chat(&client), "gen-cut").stream_response(&body, response).unwrap();
    let items: Vec<_> = stream.collect().await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 3);
    assert!(matches!(items.last(), Some(Err(EventStreamError::Http(_)))), "{items:?}");
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-cut").clone();
    assert_eq!(g["metadata"][STREAM_STOPPED_KEY], "error");
    assert!(!g["call_error"].as_str().unwrap().is_empty());
    assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is sunny");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_streams_on_tasks_keep_their_own_context() {
    let (h, fake) = (Harness::start(), fake_provider(ROUTES));
    let client = h.client(Protocol::Http);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (client, url) = (client.clone(), fake.url.clone());
            tokio::spawn(async move {
                let cx = Context::new().with_conversation_id(format!("conv-{i}"));
                let call = with_id(openai::chat(&client), &format!("gen-task-{i}")).context(&cx);
                let body = request();
                let path = if i % 2 == 0 { "/text/" } else { "/tools/" };
                let sent = serde_json::to_vec(&body).unwrap();
                let response = reqwest::Client::new().post(format!("{url}{path}v1/chat/completions")).body(sent).send();
                let stream = call.stream_response(&body, response.await.unwrap()).unwrap();
                stream.map(|e| e.unwrap()).collect::<Vec<_>>().await.len()
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), if i % 2 == 0 { 7 } else { 9 });
    }
    client.shutdown(Duration::from_secs(5)).unwrap();
    let gens = h.generations("http");
    for i in 0..8 {
        let g = by_id(&gens, &format!("gen-task-{i}"));
        assert_eq!(g["conversation_id"], format!("conv-{i}"));
        let first = &g["output"][0]["parts"][0];
        if i % 2 == 0 {
            assert_eq!(first["text"], "Paris is sunny today.");
        } else {
            assert_eq!(first["tool_call"]["id"], "call_p");
        }
    }
}
