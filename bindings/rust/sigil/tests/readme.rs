//! The README's usage example is examples/readme.rs verbatim, and it runs
//! as written against the local receiver. (Its other blocks are doc tests:
//! see `ReadmeDoctests` in src/lib.rs.)

mod common;

use std::process::Command;

use common::Harness;

fn readme_block() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("```rust").expect("a rust block");
    let body = &readme[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn the_readme_example_is_examples_readme_rs() {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/readme.rs")).unwrap();
    assert_eq!(readme_block().trim(), example.trim(), "update README.md and examples/readme.rs together");
}

#[test]
fn the_readme_example_runs_as_written() {
    let h = Harness::start();
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join("readme");
    assert!(path.exists(), "{} is missing: run `cargo test` (which builds examples)", path.display());
    let mut cmd = Command::new(path);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("OTEL_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.env("SIGIL_PROTOCOL", "http").env("SIGIL_ENDPOINT", h.http_endpoint()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let gens = h.generations("http");
    assert_eq!(gens.len(), 1);
    assert_eq!(gens[0]["conversation_id"], "conv-1");
    assert_eq!(gens[0]["metadata"]["sigil.user.id"], "user-42");
    assert_eq!(gens[0]["metadata"]["sigil.sdk.name"], "sdk-rust");
}
