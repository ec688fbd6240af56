//! Provider JSON through the crate (bodies are conformance/fixtures/providers):
//! the engine maps it, the capture harness shows what a Sigil server receives.

mod common;

use std::time::Duration;

use common::{by_id, fixture, span_of, Harness};
use serde_json::Value;
use sigil::*;

fn start(id: &str) -> GenerationStart {
    GenerationStart { id: id.into(), ..Default::default() } // the provider JSON names the model
}

#[test]
fn request_and_response_as_text_bytes_and_values_are_mapped() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let request = fixture("openai.chat/request.json");
    let response = fixture("openai.chat/response_tool_calls.json");

    let mut rec = client.start_generation(&start("gen-str"));
    assert_eq!(rec.set_provider_request("openai.chat", request.as_str()), Ok(None));
    assert_eq!(rec.set_provider_response("openai.chat", response.as_bytes()), Ok(None));
    rec.end().unwrap();

    let mut rec = client.start_generation(&start("gen-value"));
    let value: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(rec.set_provider_request("openai.chat", &value), Ok(None));
    assert_eq!(rec.set_provider_response("openai.chat", response.clone().into_bytes()), Ok(None));
    rec.end().unwrap();

    client.shutdown(Duration::from_secs(5)).unwrap();
    let gens = h.generations("http");
    for id in ["gen-str", "gen-value"] {
        let g = by_id(&gens, id);
        assert_eq!(g["model"]["name"], "gpt-4o-2024-08-06", "{id}");
        assert_eq!(g["response_id"], "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
        assert_eq!(g["stop_reason"], "tool_calls");
        assert_eq!(g["output"][0]["parts"][1]["tool_call"]["id"], "call_b2");
        assert_eq!(g["usage"]["cache_read_input_tokens"], "1024");
        assert_eq!(g["system_prompt"], "You are a terse travel assistant.\n\nAnswer in metric units.");
    }
}

#[test]
fn stream_events_accumulate() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_streaming_generation(&GenerationStart {
        id: "gen-stream".into(),
        model: ModelRef::new("bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0"), // not in the events
        ..Default::default()
    });
    for event in fixture("bedrock.converse/stream.jsonl").lines().filter(|l| !l.trim().is_empty()) {
        assert_eq!(rec.add_provider_event("bedrock.converse", event), Ok(None));
    }
    rec.end().unwrap();
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-stream").clone();
    assert_eq!(g["mode"], "GENERATION_MODE_STREAM");
    assert!(g["output"][0]["parts"].as_array().is_some_and(|p| !p.is_empty()), "{g:#}");
    assert!(g["usage"]["output_tokens"].is_string(), "usage from the metadata event: {g:#}");
}

#[test]
fn a_malformed_body_is_a_mapping_problem_not_an_error() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_generation(&start("gen-bad"));
    assert_eq!(rec.set_provider_request("openai.chat", fixture("openai.chat/request.json")), Ok(None));
    let problem = rec.set_provider_response("openai.chat", fixture("openai.chat/response_truncated.json"));
    assert!(matches!(problem, Ok(Some(Error::InvalidJson(_)))), "{problem:?}");
    rec.end().unwrap(); // the record itself is fine
    client.shutdown(Duration::from_secs(5)).unwrap();
    assert_eq!(by_id(&h.generations("http"), "gen-bad")["model"]["name"], "gpt-4o-2024-08-06");
    assert_eq!(span_of(&h, "gen-bad")["attributes"]["error.type"], "mapping_error");
}

#[test]
fn an_unknown_api_is_the_callers_mistake() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-5")));
    assert!(matches!(rec.set_provider_response("openai.chat.v9", "{}"), Err(Error::InvalidArgument(_))));
    assert!(matches!(rec.add_provider_event("openai.embeddings", "{}"), Err(Error::InvalidArgument(_))));
    assert!(matches!(rec.set_provider_request("open\0ai", "{}"), Err(Error::InvalidArgument(_))));
    rec.end().unwrap();
}

#[test]
fn set_mapping_error_marks_the_span() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_generation(&GenerationStart {
        id: "gen-maperr".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-5"))
    });
    rec.set_result(&Generation { output: vec![Message::assistant_text("hi")], ..Default::default() }).unwrap();
    rec.set_mapping_error("unexpected content block");
    rec.end().unwrap();
    client.shutdown(Duration::from_secs(5)).unwrap();
    assert_eq!(by_id(&h.generations("http"), "gen-maperr")["output"][0]["parts"][0]["text"], "hi");
    assert_eq!(span_of(&h, "gen-maperr")["attributes"]["error.type"], "mapping_error");
}

#[test]
fn embeddings_from_provider_json() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut rec = client.start_embedding(&EmbeddingStart::default());
    let request = fixture("openai.embeddings/request.json");
    let response: Value = serde_json::from_str(&fixture("openai.embeddings/response.json")).unwrap();
    assert_eq!(rec.set_provider_result("openai.embeddings", Some(&request), Some(&response)), Ok(None));
    assert!(matches!(rec.set_provider_result("openai.chat", None, Some(&"{}")), Err(Error::InvalidArgument(_))));
    rec.end().unwrap();
    client.shutdown(Duration::from_secs(5)).unwrap();
    let span = h
        .spans()
        .into_iter()
        .find(|s| s["name"] == "embeddings text-embedding-3-small")
        .unwrap_or_else(|| panic!("{:#?}", h.spans()));
    assert_eq!(span["attributes"]["gen_ai.embeddings.input_count"], 2);
    assert_eq!(span["attributes"]["gen_ai.usage.input_tokens"], 11);
}
