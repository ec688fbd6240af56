//! sigil::providers over bytes and values (feature `providers`): one call per
//! exchange, and streams fed as raw server-sent event bytes; what arrives at
//! the capture harness is what a Sigil server receives.

mod common;

use std::time::Duration;

use common::{by_id, fixture, span_of, Harness};
use serde_json::Value;
use sigil::providers::{anthropic, gemini, openai, GenerationCall, STREAM_STOPPED_KEY};
use sigil::*;

fn with_id<'c>(call: GenerationCall<'c>, id: &str) -> GenerationCall<'c> {
    call.start(GenerationStart { id: id.into(), conversation_id: "conv-7".into(), ..Default::default() })
}

/// A fixture's events as a text/event-stream body.
fn sse_body(path: &str) -> Vec<u8> {
    fixture(path).lines().filter(|l| !l.trim().is_empty()).flat_map(|l| format!("data: {l}\n\n").into_bytes()).collect()
}

fn embedding_span(h: &Harness, model: &str) -> Value {
    for _ in 0..250 {
        let found = h.spans().into_iter().find(|s| {
            s["attributes"]["gen_ai.operation.name"] == "embeddings" && s["attributes"]["gen_ai.request.model"] == model
        });
        if let Some(s) = found {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no embedding span for {model}");
}

#[test]
fn each_api_records_a_whole_exchange_in_one_call() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let request: Value = serde_json::from_str(&fixture("openai.chat/request.json")).unwrap();
    let chat = with_id(openai::chat(&client), "gen-chat");
    assert_eq!(chat.record(&request, fixture("openai.chat/response_tool_calls.json").as_bytes()), Ok(None));
    let responses = with_id(openai::responses(&client), "gen-responses");
    assert_eq!(
        responses.record(fixture("openai.responses/request.json"), fixture("openai.responses/response.json")),
        Ok(None)
    );
    let messages = with_id(anthropic::messages(&client), "gen-anthropic");
    assert_eq!(
        messages.record(fixture("anthropic.messages/request.json"), fixture("anthropic.messages/response.json")),
        Ok(None)
    );
    let gen = with_id(gemini::generate_content(&client), "gen-gemini");
    let exchange = gen.begin(fixture("gemini.generate_content/request.json")).unwrap();
    assert!(exchange.id() == "gen-gemini");
    assert_eq!(exchange.response(fixture("gemini.generate_content/response.json")), Ok(None));
    let emb = openai::embeddings(&client);
    assert_eq!(
        emb.record(fixture("openai.embeddings/request.json"), fixture("openai.embeddings/response.json")),
        Ok(None)
    );
    let emb = gemini::embed_content(&client);
    assert_eq!(
        emb.record(fixture("gemini.embed_content/request.json"), fixture("gemini.embed_content/response.json")),
        Ok(None)
    );
    client.shutdown(Duration::from_secs(5)).unwrap();

    let gens = h.generations("http");
    let g = by_id(&gens, "gen-chat");
    assert_eq!(g["mode"], "GENERATION_MODE_SYNC");
    assert_eq!(g["model"]["provider"], "openai");
    assert_eq!(g["model"]["name"], "gpt-4o-2024-08-06");
    assert_eq!(g["conversation_id"], "conv-7");
    assert_eq!(g["output"][0]["parts"][1]["tool_call"]["id"], "call_b2");
    assert_eq!(by_id(&gens, "gen-responses")["response_id"], "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b");
    let a = by_id(&gens, "gen-anthropic");
    assert_eq!((a["model"]["provider"].as_str(), a["stop_reason"].as_str()), (Some("anthropic"), Some("tool_use")));
    let g = by_id(&gens, "gen-gemini");
    assert_eq!(
        (g["model"]["provider"].as_str(), g["response_id"].as_str()),
        (Some("gemini"), Some("mAitaLmkHPPlz7IPvtfUqQ4"))
    );
    assert_eq!(embedding_span(&h, "text-embedding-3-small")["attributes"]["gen_ai.embeddings.input_count"], 2);
    embedding_span(&h, "gemini-embedding-001");
}

#[test]
fn a_failed_call_keeps_the_request_and_the_providers_error() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let error = r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#;
    with_id(openai::chat(&client), "gen-429")
        .record_error(fixture("openai.chat/request.json"), error, Some(429))
        .unwrap();
    openai::embeddings(&client)
        .record_error(fixture("openai.embeddings/request.json"), "connection reset", None)
        .unwrap();
    client.shutdown(Duration::from_secs(5)).unwrap();
    let g = by_id(&h.generations("http"), "gen-429").clone();
    assert!(g["call_error"].as_str().unwrap().contains("Rate limit reached"), "{g:#}");
    assert_eq!(g["model"]["name"], "gpt-4o-2024-08-06", "the request is mapped");
    assert_eq!(span_of(&h, "gen-429")["attributes"]["error.category"], "rate_limit");
    assert_eq!(embedding_span(&h, "text-embedding-3-small")["status"]["code"], "STATUS_CODE_ERROR");
}

#[test]
fn mapping_problems_and_unknown_apis_are_told_apart() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let chat = with_id(openai::chat(&client), "gen-truncated");
    let problem = chat.record(fixture("openai.chat/request.json"), fixture("openai.chat/response_truncated.json"));
    assert!(matches!(problem, Ok(Some(Error::InvalidJson(_)))), "{problem:?}");
    let unknown = GenerationCall::new(&client, "openai.chat.v9");
    assert!(matches!(unknown.record("{}", "{}"), Err(Error::InvalidArgument(_))));
    assert!(matches!(unknown.stream("{}"), Err(Error::InvalidArgument(_))));
    client.shutdown(Duration::from_secs(5)).unwrap();
    assert_eq!(by_id(&h.generations("http"), "gen-truncated")["model"]["name"], "gpt-4o-2024-08-06");
    assert_eq!(span_of(&h, "gen-truncated")["attributes"]["error.type"], "mapping_error");
}

#[test]
fn raw_sse_bytes_in_any_chunking_record_the_stream() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let body = sse_body("openai.chat/stream_tool_calls.jsonl");
    let mut stream = with_id(openai::chat(&client), "gen-sse").stream(fixture("openai.chat/request.json")).unwrap();
    let mut events = Vec::new();
    for chunk in body.chunks(7) {
        events.extend(stream.feed_sse(chunk));
    }
    assert_eq!(events.len(), 9);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    assert!(stream.mapping_problem().is_none());
    stream.finish().unwrap();

    // Anthropic names each event; Gemini's stream is the same format.
    let mut stream = with_id(anthropic::messages(&client), "gen-sse-anthropic").stream("{}").unwrap();
    for line in fixture("anthropic.messages/stream.jsonl").lines().filter(|l| !l.is_empty()) {
        let kind: Value = serde_json::from_str(line).unwrap();
        stream.feed_sse(format!("event: {}\r\ndata: {line}\r\n\r\n", kind["type"].as_str().unwrap()).as_bytes());
    }
    stream.finish().unwrap();
    client.shutdown(Duration::from_secs(5)).unwrap();

    let gens = h.generations("http");
    let g = by_id(&gens, "gen-sse");
    assert_eq!(g["mode"], "GENERATION_MODE_STREAM");
    assert_eq!(g["output"][0]["parts"][0]["tool_call"]["id"], "call_p");
    assert_eq!(g["usage"]["total_tokens"], "136");
    assert!(g["metadata"].get(STREAM_STOPPED_KEY).is_none(), "{g:#}");
    let a = by_id(&gens, "gen-sse-anthropic");
    assert_eq!(a["response_id"], "msg_stream01");
    assert!(a["usage"]["output_tokens"].is_string());
}

#[test]
fn a_stream_stopped_before_its_end_says_how() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let first_two: Vec<u8> = fixture("openai.chat/stream_text.jsonl")
        .lines()
        .take(2)
        .flat_map(|l| format!("data: {l}\n\n").into_bytes())
        .collect();
    for (id, how) in [("gen-closed", "close"), ("gen-failed", "fail"), ("gen-dropped", "drop")] {
        let mut stream = with_id(openai::chat(&client), id).stream(fixture("openai.chat/request.json")).unwrap();
        assert_eq!(stream.feed_sse(&first_two).len(), 2);
        match how {
            "close" => stream.close().unwrap(),
            "fail" => stream.fail("connection reset by peer", None).unwrap(),
            _ => drop(stream),
        }
    }
    client.shutdown(Duration::from_secs(5)).unwrap();
    let gens = h.generations("http");
    for (id, stopped) in [("gen-closed", "caller_closed"), ("gen-failed", "error"), ("gen-dropped", "abandoned")] {
        let g = by_id(&gens, id);
        assert_eq!(g["metadata"][STREAM_STOPPED_KEY], stopped, "{g:#}");
        assert_eq!(g["output"][0]["parts"][0]["text"], "Paris is ", "what arrived is kept");
        // Partial output is a mapping error, unless a call error says more.
        let error_type = if stopped == "error" { "provider_call_error" } else { "mapping_error" };
        assert_eq!(span_of(&h, id)["attributes"]["error.type"], error_type);
    }
    assert_eq!(by_id(&gens, "gen-failed")["call_error"], "connection reset by peer");
}
