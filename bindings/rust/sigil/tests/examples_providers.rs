//! examples/rust/providers_reqwest.rs and providers_async_openai.rs run as
//! written against the local receiver (each starts its own fake provider).

mod common;

use common::{example, Harness};

fn run(name: &str, conversation: &str, agent: &str) {
    let h = Harness::start();
    let out = example(name).env("SIGIL_PROTOCOL", "http").env("SIGIL_ENDPOINT", h.http_endpoint()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let gens = h.generations("http");
    assert_eq!(gens.len(), 2, "{gens:#?}");
    for g in &gens {
        assert_eq!(g["conversation_id"], conversation);
        assert_eq!(g["agent_name"], agent);
        assert!(g["output"][0]["parts"][0].is_object(), "{g:#}");
    }
    let modes: Vec<_> = gens.iter().map(|g| g["mode"].as_str().unwrap()).collect();
    assert!(modes.contains(&"GENERATION_MODE_SYNC") && modes.contains(&"GENERATION_MODE_STREAM"), "{modes:?}");
}

#[test]
fn providers_reqwest_example() {
    run("providers_reqwest", "conv-reqwest-example", "travel-assistant");
}

#[test]
fn providers_async_openai_example() {
    run("providers_async_openai", "conv-async-openai-example", "travel-assistant");
}
