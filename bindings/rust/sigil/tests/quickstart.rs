//! examples/rust/quickstart.rs runs as written against the local receiver,
//! over HTTP and gRPC, configured only by SIGIL_* / OTEL_* variables.

mod common;

use common::{example, Harness};

fn run(protocol: &str) {
    let h = Harness::start();
    let endpoint = if protocol == "http" { h.http_endpoint() } else { h.grpc_endpoint() };
    let out = example("quickstart")
        .env("SIGIL_PROTOCOL", protocol)
        .env("SIGIL_ENDPOINT", endpoint)
        .env("SIGIL_API_ENDPOINT", h.api_endpoint())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", h.otlp_endpoint())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("FAIL"), "{stdout}");

    let gens = h.generations(protocol);
    assert_eq!(gens.len(), 3, "{gens:#?}");
    for g in &gens {
        assert_eq!(g["metadata"]["sigil.sdk.name"], "sdk-rust");
        assert_eq!(g["conversation_id"], "conv-quickstart");
        assert_eq!(g["agent_name"], "weather-agent");
    }
    assert_eq!(gens.iter().filter(|g| g.get("call_error").is_some()).count(), 1);
    assert_eq!(h.captures("ratings").len(), 1);
    let names: Vec<_> = h.spans().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    for expected in ["execute_tool get_weather", "embeddings text-embedding-3-small", "streamText gpt-4o-mini"] {
        assert!(names.iter().any(|n| n == expected), "{expected} not in {names:?}");
    }
}

#[test]
fn quickstart_over_http() {
    run("http");
}

#[test]
fn quickstart_over_grpc() {
    run("grpc");
}
