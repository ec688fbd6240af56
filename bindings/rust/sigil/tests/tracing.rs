//! Agent tracing against the capture harness: the span tree of an agent
//! (examples/rust/agent_tracing.rs, two processes), attributes, events and
//! errors, threads and tokio tasks keeping their trees apart, content under
//! metadata_only, and W3C propagation.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{example, Harness};
use serde_json::{json, Value};
use sigil::{
    AttributeValue, Client, ContentCaptureMode, Context, GenerationStart, ModelRef, Protocol, StepKind,
    ToolExecutionStart,
};

/// The spans of one trace by name, after the client delivered them.
fn spans_of(h: &Harness, client: &Client, trace_id: &str) -> HashMap<String, Value> {
    client.shutdown(Duration::from_secs(10)).expect("shutdown");
    let mut out = HashMap::new();
    for s in h.spans() {
        if s["trace_id"] == trace_id {
            let name = s["name"].as_str().unwrap().to_string();
            assert!(out.insert(name.clone(), s).is_none(), "two spans named {name} in the trace");
        }
    }
    out
}

fn parent_of<'a>(spans: &'a HashMap<String, Value>, name: &str) -> &'a str {
    spans[name]["parent_span_id"].as_str().unwrap()
}

fn id_of<'a>(spans: &'a HashMap<String, Value>, name: &str) -> &'a str {
    spans[name]["span_id"].as_str().unwrap()
}

/// Whether OTLP's "parent is remote" flag is set.
fn remote_parent(span: &Value) -> bool {
    span["flags"].as_u64().unwrap() & 0x200 != 0
}

#[test]
fn example_tree_arrives_in_one_trace_across_two_processes() {
    let h = Harness::start();
    let out = example("agent_tracing")
        .env("SIGIL_PROTOCOL", "http")
        .env("SIGIL_ENDPOINT", h.http_endpoint())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", h.otlp_endpoint())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let trace_id = stdout.lines().find_map(|l| l.strip_prefix("trace ")).expect("the trace id").to_string();
    let mut spans = HashMap::new();
    for _ in 0..250 {
        spans = h
            .spans()
            .into_iter()
            .filter(|s| s["trace_id"] == trace_id)
            .map(|s| (s["name"].as_str().unwrap().to_string(), s))
            .collect::<HashMap<_, _>>();
        if spans.len() >= 6 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let names: Vec<_> = spans.keys().cloned().collect();
    assert_eq!(spans.len(), 6, "{names:?}");
    let agent = "invoke_agent travel-agent";
    assert_eq!(parent_of(&spans, agent), "");
    assert_eq!(parent_of(&spans, "plan"), id_of(&spans, agent));
    for child in ["search-docs", "generateText gpt-4o", "execute_tool book"] {
        assert_eq!(parent_of(&spans, child), id_of(&spans, "plan"), "{child}");
    }
    assert_eq!(parent_of(&spans, "book-service"), id_of(&spans, "execute_tool book"));
    for (name, kind) in [(agent, "agent"), ("plan", "chain"), ("search-docs", "retriever"), ("book-service", "task")] {
        assert_eq!(spans[name]["attributes"]["sigil.span.kind"], kind, "{name}");
        assert_eq!(spans[name]["attributes"]["sigil.sdk.name"], "sdk-rust", "{name}");
        assert_eq!(
            spans[name]["attributes"]["gen_ai.conversation.id"],
            if name == "book-service" { Value::Null } else { json!("conv-agent-example") }
        );
    }
    assert_eq!(spans[agent]["attributes"]["gen_ai.operation.name"], "invoke_agent");
    assert_eq!(spans[agent]["attributes"]["gen_ai.agent.name"], "travel-agent");
    assert_eq!(spans["plan"]["attributes"]["documents"], 2);
    assert_eq!(spans["search-docs"]["events"][0]["name"], "retrieved");
    assert_eq!(spans["search-docs"]["events"][0]["attributes"]["count"], 2);
    assert_eq!(spans["book-service"]["attributes"]["sigil.span.output"], "\"booked a room in Paris\"");
    // In-process parents are local; the service's parent came over HTTP.
    assert!(!remote_parent(&spans["plan"]) && !remote_parent(&spans["execute_tool book"]));
    assert!(remote_parent(&spans["book-service"]));
}

#[derive(Debug)]
struct Overbooked;

impl std::fmt::Display for Overbooked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no rooms left")
    }
}

impl std::error::Error for Overbooked {}

#[test]
fn guards_nest_carry_typed_attributes_events_and_errors() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let agent = client.span(StepKind::Agent, "planner").agent_name("travel-agent").conversation_id("conv-1").start();
    let trace_id = agent.trace_id().unwrap().to_string();
    {
        let chain = client.start_span(StepKind::Chain, "plan");
        chain.set_attribute("steps", 2);
        chain.set_attribute("ratio", 0.75);
        chain.set_attribute("cached", true);
        chain.set_attribute("index", "docs-v2");
        chain.set_attribute("sigil.span.kind", "mutant"); // engine keys are never replaced
        chain.add_event(
            "ranked",
            [
                ("top", AttributeValue::from("paris-guide")),
                ("score", 0.5.into()),
                ("hits", 3.into()),
                ("ids", AttributeValue::StringArray(vec!["a".into(), "b".into()])),
            ],
        );
        let generation = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
        generation.end().unwrap();
        let failing = client.start_span(StepKind::Retriever, "search");
        failing.end_with_error(&Overbooked).unwrap();
        let tool = client.start_tool_execution(&ToolExecutionStart::new("book"));
        tool.end().unwrap();
        chain.end().unwrap();
    }
    agent.end().unwrap();
    let spans = spans_of(&h, &client, &trace_id);
    assert_eq!(spans.len(), 5, "{:?}", spans.keys());
    let chain = &spans["plan"];
    assert_eq!(parent_of(&spans, "plan"), id_of(&spans, "invoke_agent travel-agent"));
    for child in ["generateText gpt-4o", "search", "execute_tool book"] {
        assert_eq!(parent_of(&spans, child), id_of(&spans, "plan"), "{child}");
    }
    let attrs = &chain["attributes"];
    assert_eq!(
        (&attrs["steps"], &attrs["ratio"], &attrs["cached"], &attrs["index"], &attrs["sigil.span.kind"]),
        (&json!(2), &json!(0.75), &json!(true), &json!("docs-v2"), &json!("chain"))
    );
    assert_eq!(
        chain["events"][0]["attributes"],
        json!({"top": "paris-guide", "score": 0.5, "hits": 3, "ids": ["a", "b"]})
    );
    let agent = &spans["invoke_agent travel-agent"];
    assert_eq!(agent["attributes"]["gen_ai.conversation.id"], "conv-1");
    assert_eq!(agent["attributes"]["gen_ai.agent.name"], "travel-agent");
    let failed = &spans["search"];
    assert_eq!(failed["status"]["code"], "STATUS_CODE_ERROR");
    assert_eq!(failed["status"]["message"], "no rooms left");
    assert_eq!(failed["attributes"]["error.type"], "Overbooked");
    assert_eq!(failed["events"][0]["name"], "exception");
    assert_eq!(chain["status"]["code"], "STATUS_CODE_UNSET");
}

#[test]
fn a_panic_marks_the_span_and_propagates() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut trace_id = String::new();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.in_span(StepKind::Task, "doomed", |span| {
            trace_id = span.trace_id().unwrap().to_string();
            panic!("boom");
        })
    }));
    assert!(caught.is_err());
    assert!(sigil::current_span().is_none(), "the panicking span stayed current");
    let spans = spans_of(&h, &client, &trace_id);
    assert_eq!(spans["doomed"]["status"]["code"], "STATUS_CODE_ERROR");
    assert_eq!(spans["doomed"]["attributes"]["error.type"], "panic");
}

#[test]
fn ending_twice_and_bad_keys_are_reported() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let span = client.span(StepKind::Custom, "x").start_detached();
    span.set_attribute("bad\0key", 1);
    span.set_attribute("list", AttributeValue::StringArray(vec![]));
    assert!(matches!(span.end(), Err(sigil::Error::InvalidArgument(m)) if m.contains("NUL")));
    assert!(matches!(span.end(), Err(sigil::Error::AlreadyEnded(_))));
}

#[test]
fn threads_keep_their_trees_apart() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let roots: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let client = &client;
                s.spawn(move || {
                    client.in_span(StepKind::Agent, format!("agent-{i}"), |agent| {
                        for _ in 0..3 {
                            client.in_span(StepKind::Task, format!("step-{i}"), |_| std::thread::yield_now());
                        }
                        let mut tool = client.start_tool_execution(&ToolExecutionStart::new(format!("tool-{i}")));
                        tool.set_exec_error("x");
                        drop(tool);
                        (agent.trace_id().unwrap().to_string(), agent.traceparent().unwrap()[36..52].to_string())
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    client.shutdown(Duration::from_secs(10)).unwrap();
    let spans = h.spans();
    for (i, (trace, agent_id)) in roots.iter().enumerate() {
        let mine: Vec<_> = spans.iter().filter(|s| &s["trace_id"] == trace).collect();
        assert_eq!(mine.len(), 5, "trace of agent-{i}: {mine:#?}");
        for s in mine.iter().filter(|s| s["span_id"] != agent_id.as_str()) {
            assert_eq!(s["parent_span_id"], agent_id.as_str(), "{}", s["name"]);
            assert!(s["name"].as_str().unwrap().ends_with(&format!("-{i}")), "{} in the trace of agent-{i}", s["name"]);
        }
    }
}

#[test]
fn tokio_tasks_keep_their_trees_apart() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    sigil::configure_tracing(Some(&client));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let roots: Vec<(String, String, String)> = rt.block_on(async {
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(sigil::in_span_async(StepKind::Agent, format!("agent-{i}"), move |agent| async move {
                    let mut leaf = String::new();
                    for _ in 0..3 {
                        tokio::task::yield_now().await; // may resume on another worker thread
                        let client = client.clone();
                        leaf = sigil::in_span_async(StepKind::Chain, format!("chain-{i}"), |chain| async move {
                            tokio::task::yield_now().await;
                            let generation = client
                                .start_generation(&GenerationStart::new(ModelRef::new("openai", format!("m{i}"))));
                            drop(generation);
                            chain.traceparent().unwrap()[36..52].to_string()
                        })
                        .await;
                    }
                    // A task spawned with the current context carries the span into it.
                    let inner =
                        tokio::spawn(Context::current().wrap_future(async move {
                            sigil::in_span(StepKind::Task, format!("spawned-{i}"), |_| ())
                        }));
                    inner.await.unwrap();
                    (agent.trace_id().unwrap().to_string(), agent.traceparent().unwrap()[36..52].to_string(), leaf)
                }))
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    sigil::configure_tracing(None);
    client.shutdown(Duration::from_secs(10)).unwrap();
    let spans = h.spans();
    for (i, (trace, agent_id, last_chain)) in roots.iter().enumerate() {
        let mine: Vec<_> = spans.iter().filter(|s| &s["trace_id"] == trace).collect();
        assert_eq!(mine.len(), 1 + 3 + 3 + 1, "trace of agent-{i}: {mine:#?}");
        for s in &mine {
            let name = s["name"].as_str().unwrap();
            assert!(name.ends_with(&format!("-{i}")) || name.ends_with(&format!("m{i}")), "{name} in agent-{i}");
            if name.starts_with("chain") || name.starts_with("spawned") {
                assert_eq!(s["parent_span_id"], agent_id.as_str(), "{name}");
            }
        }
        let gen = mine.iter().filter(|s| s["name"] == format!("generateText m{i}")).count();
        assert_eq!(gen, 3);
        assert!(mine.iter().any(|s| s["parent_span_id"] == last_chain.as_str()));
    }
}

#[test]
fn metadata_only_leaves_no_content_on_spans() {
    let h = Harness::start();
    let client =
        Client::new(h.config(Protocol::Http).content_capture(ContentCaptureMode::MetadataOnly).build()).unwrap();
    let root = client.span(StepKind::Agent, "private").conversation_title("secret title").start();
    let trace_id = root.trace_id().unwrap().to_string();
    let lookup = client.start_span(StepKind::Retriever, "lookup");
    assert!(!lookup.captures_content());
    lookup.set_input(&json!("secret question"));
    lookup.set_output(&json!({"answer": "secret answer"}));
    lookup.set_content_attribute("note", "secret note");
    lookup.set_attribute("rank", 1);
    lookup.add_content_event("hit", [("text", AttributeValue::from("secret document"))]);
    lookup.set_error_type("LookupFailed", "secret failure");
    drop(lookup);
    drop(root);
    let spans = spans_of(&h, &client, &trace_id);
    assert_eq!(spans.len(), 2);
    let text = serde_json::to_string(&spans).unwrap();
    assert!(!text.contains("secret"), "content left the process under metadata_only: {text}");
    let lookup = &spans["lookup"];
    assert_eq!(lookup["attributes"]["rank"], 1);
    assert_eq!(lookup["attributes"]["error.type"], "LookupFailed");
    assert_eq!(lookup["events"][0]["name"], "hit");
    assert_eq!(lookup["events"][0]["attributes"], json!({}));
}

#[test]
fn inject_and_extract_round_trip() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let mut empty: HashMap<String, String> = HashMap::new();
    assert!(!sigil::inject(&mut empty), "inject wrote without a trace context");
    assert!(empty.is_empty());

    const REMOTE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let incoming: HashMap<String, String> = [("TraceParent", REMOTE), ("TraceState", "vendor=opaque,other=1")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let remote = sigil::extract(&incoming);
    let (span_tp, injected, gen_injected) = remote.in_scope(|| {
        let mut again: HashMap<String, String> = HashMap::new();
        assert!(sigil::inject(&mut again));
        assert_eq!(again["traceparent"], REMOTE);
        client.in_span(StepKind::Task, "continued", |span| {
            let mut out = HashMap::from([("x-other".to_string(), "1".to_string())]);
            assert!(sigil::inject(&mut out));
            let generation = client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
            let mut gen_out: HashMap<String, String> = HashMap::new();
            generation.context().inject(&mut gen_out);
            drop(generation);
            (span.traceparent().unwrap().to_string(), out, gen_out)
        })
    });
    assert_eq!(&span_tp[3..35], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(injected["traceparent"], span_tp);
    assert_eq!(injected["tracestate"], "vendor=opaque,other=1");
    assert_eq!(injected["x-other"], "1");
    let tc = sigil::parse_w3c_traceparent(&gen_injected["traceparent"]).unwrap();
    assert_eq!(tc.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(gen_injected["traceparent"], span_tp);
    assert_eq!(gen_injected["tracestate"], "vendor=opaque,other=1");

    let spans = spans_of(&h, &client, "4bf92f3577b34da6a3ce929d0e0e4736");
    let continued = &spans["continued"];
    assert_eq!(continued["parent_span_id"], "00f067aa0ba902b7");
    assert_eq!(continued["trace_state"], "vendor=opaque,other=1");
    assert!(remote_parent(continued));
    let generation = &spans["generateText gpt-4o"];
    assert_eq!(generation["parent_span_id"], continued["span_id"]);
    assert!(!remote_parent(generation));
}
