//! Evaluation scores against the harness's score ingest.

mod common;

use std::time::Duration;

use common::Harness;
use serde_json::json;
use sigil::*;

fn score(id: &str, value: ScoreValue) -> Score {
    Score {
        score_id: id.into(),
        generation_id: "gen-1".into(),
        evaluator_id: "my-evaluator".into(),
        evaluator_version: "1.0.0".into(),
        key: "helpfulness".into(),
        value,
        ..Default::default()
    }
}

#[test]
fn scores_are_exported_retried_and_idempotent() {
    let h = Harness::start();
    let client = h.client(Protocol::None);
    let mut first = score("", ScoreValue::Number(0.82));
    first.passed = Some(true);
    first.label = "good".into();
    first.rationale = "answers the question".into();
    first.metadata = json!({"runtime_ms": 12}).as_object().unwrap().clone();
    let id = client.submit_score(&first).unwrap();
    assert!(id.starts_with("sc_") && id.len() == 19, "{id}");
    client.flush(Duration::from_secs(10)).unwrap();
    let item = &h.captures("scores")[0]["json"]["scores"][0];
    assert_eq!(item["score_id"], json!(id));
    assert_eq!(item["value"], json!({"number": 0.82}));
    assert_eq!(item["passed"], json!(true));
    assert_eq!(item["explanation"], json!("answers the question"));
    assert_eq!(item["metadata"], json!({"runtime_ms": 12, "label": "good"}));

    // A 503, then the same request again; the same id twice is accepted.
    h.script("api", json!([{"status": 503}]));
    client.submit_score(&score(&id, ScoreValue::String("excellent".into()))).unwrap();
    client.flush(Duration::from_secs(10)).unwrap();
    let captures = h.captures("scores");
    assert_eq!(captures.len(), 3);
    assert_eq!(captures[1]["response"]["status"], json!(503));
    assert_eq!(captures[2]["results"][0]["accepted"], json!(true));
    let stats = client.stats();
    assert_eq!((stats.scores_enqueued, stats.scores_exported, stats.score_export_retries), (2, 2, 1));
}

#[test]
fn invalid_scores_are_refused_and_not_queued() {
    let h = Harness::start();
    let client = h.client(Protocol::None);
    let mut no_generation = score("s", ScoreValue::Bool(true));
    no_generation.generation_id = " ".into();
    let err = client.submit_score(&no_generation).unwrap_err();
    assert!(matches!(err, Error::ValidationFailed(ref m) if m.contains("generation id is required")), "{err:?}");
    let err = client.submit_score(&score("s", ScoreValue::Number(f64::NAN))).unwrap_err();
    assert!(matches!(err, Error::ValidationFailed(ref m) if m.contains("finite")), "{err:?}");
    let err = client.submit_score(&score("s\0x", ScoreValue::Bool(false))).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(client.stats().scores_enqueued, 0);
}
