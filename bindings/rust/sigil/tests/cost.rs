//! Cost, token estimates and sampling: each Rust knob reaches the engine,
//! which prices, estimates and samples; asserted on what the capture
//! servers received.

mod common;

use std::time::Duration;

use common::{by_id, Harness};
use serde_json::Value;
use sigil::*;

fn record(client: &Client, id: &str, provider: &str, model: &str, usage: TokenUsage) {
    let mut rec = client
        .start_generation(&GenerationStart { id: id.into(), ..GenerationStart::new(ModelRef::new(provider, model)) });
    rec.set_result(&Generation {
        input: vec![Message::user_text("What is the weather in Paris?")],
        output: vec![Message::assistant_text("Sunny, 18 degrees.")],
        usage,
        ..Default::default()
    })
    .unwrap();
    rec.end().unwrap();
}

fn number(g: &Value, key: &str) -> f64 {
    g["metadata"][key].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn cost_estimates_and_sampling_reach_the_engine() {
    let h = Harness::start();
    let dir = std::env::temp_dir().join(format!("sigil-rust-prices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let table = dir.join("prices.json");
    std::fs::write(
        &table,
        r#"{"version": "team-1", "models": [{"provider": "acme", "model": "acme-large", "input": 1, "output": 2}]}"#,
    )
    .unwrap();
    let client = Client::new(h.config(Protocol::Http).prices_file(&table).content_sample_rate(0.0).build()).unwrap();
    let million = TokenUsage { input_tokens: 1_000_000, output_tokens: 1_000_000, ..Default::default() };
    record(&client, "gen-acme", "acme", "acme-large-2025", million);
    record(&client, "gen-gemini", "gemini", "gemini-2.5-flash", million);
    record(&client, "gen-estimated", "openai", "gpt-4o-mini", TokenUsage::default());
    record(&client, "gen-unknown", "acme", "acme-small", TokenUsage { input_tokens: 1, ..Default::default() });
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(client.stats().generations_unpriced, 1);
    assert_eq!(client.stats().generations_content_sampled_out, 4);
    client.shutdown(Duration::from_secs(10)).unwrap();
    let gens = h.generations("http");

    let acme = by_id(&gens, "gen-acme");
    assert!((number(acme, "sigil.cost.usd.total") - 3.0).abs() < 1e-9);
    assert_eq!(acme["metadata"]["sigil.cost.price_table_version"], "2026-12-01+team-1");
    let gemini = by_id(&gens, "gen-gemini");
    assert!((number(gemini, "sigil.cost.usd.total") - 2.8).abs() < 1e-9);
    let estimated = by_id(&gens, "gen-estimated");
    assert_eq!(estimated["metadata"]["sigil.usage.estimated"], true);
    assert_eq!(number(estimated, "sigil.usage.estimated.input_tokens"), 8.0);
    assert_eq!(estimated["metadata"]["sigil.cost.estimated"], true);
    // Content sample rate 0: every generation is exported metadata-only.
    assert_eq!(estimated["metadata"]["sigil.sampling.content"], false);
    assert_eq!(estimated["metadata"]["sigil.sdk.content_capture_mode"], "metadata_only");
    assert!(by_id(&gens, "gen-unknown")["metadata"].get("sigil.cost.usd.total").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_tables_and_rates_are_configuration_errors() {
    let dir = std::env::temp_dir().join(format!("sigil-rust-bad-prices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let table = dir.join("prices.json");
    std::fs::write(
        &table,
        r#"{"version": "1", "models": [{"provider": "a", "model": "m", "input": -1, "output": 1}]}"#,
    )
    .unwrap();
    let base = || Config::builder().use_environment(false).protocol(Protocol::None);
    match Client::new(base().prices_file(&table).build()) {
        Err(Error::InvalidConfig(m)) => assert!(m.contains("must be a non-negative number"), "{m}"),
        other => panic!("bad table accepted: {other:?}"),
    }
    assert!(Client::new(base().export_sample_rate(1.5).build()).is_err());
    assert!(Client::new(base().export_sample_rate(0.5).token_estimates(false).build()).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
