//! Context values reach the exported generation and its span: through the
//! thread-local scope, explicitly, and from a recorder to its children.

mod common;

use std::time::Duration;

use common::{by_id, Harness};
use sigil::*;

fn start(id: &str) -> GenerationStart {
    GenerationStart { id: id.into(), ..GenerationStart::new(ModelRef::new("openai", "gpt-5")) }
}

#[test]
fn scoped_and_explicit_contexts_flow_into_the_export() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let ctx = Context::new()
        .with_conversation_id("conv-ctx")
        .with_conversation_title("From context")
        .with_user_id("ctx-user")
        .with_agent_name("ctx-agent")
        .with_agent_version("9.9");

    // Thread-local scope.
    ctx.clone().in_scope(|| client.start_generation(&start("gen-scoped")).end()).unwrap();
    // Explicit, with no scope active.
    client.start_generation_with_context(&start("gen-explicit"), &ctx).end().unwrap();
    // Start fields win over the context; an empty field does not.
    {
        let _guard = ctx.clone().attach();
        let s = GenerationStart { agent_name: "start-agent".into(), user_id: String::new(), ..start("gen-precedence") };
        client.start_generation(&s).end().unwrap();
    }
    // Outside any scope: nothing.
    client.start_generation(&start("gen-none")).end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("http");
    for id in ["gen-scoped", "gen-explicit"] {
        let g = by_id(&gens, id);
        assert_eq!(g["conversation_id"], "conv-ctx", "{id}");
        assert_eq!(g["agent_name"], "ctx-agent", "{id}");
        assert_eq!(g["agent_version"], "9.9", "{id}");
        assert_eq!(g["metadata"]["sigil.user.id"], "ctx-user", "{id}");
        assert_eq!(g["metadata"]["sigil.conversation.title"], "From context", "{id}");
    }
    let p = by_id(&gens, "gen-precedence");
    assert_eq!(
        (p["agent_name"].as_str(), p["metadata"]["sigil.user.id"].as_str()),
        (Some("start-agent"), Some("ctx-user"))
    );
    let none = by_id(&gens, "gen-none");
    assert!(none.get("conversation_id").is_none() && none.get("agent_name").is_none(), "{none}");
}

#[test]
fn recorders_started_under_a_recorder_s_context_are_its_children() {
    let h = Harness::start();
    let client = h.client(Protocol::Grpc);
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let gen = client.start_generation_with_context(
        &start("gen-parent"),
        &Context::new().with_parent_traceparent(parent).with_agent_name("planner"),
    );
    let tp = gen.traceparent().unwrap();
    assert!(tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && tp.ends_with("-01"), "{tp}");
    assert_ne!(&tp[36..52], "00f067aa0ba902b7");
    {
        let _inside = gen.context().attach();
        let tool = client.start_tool_execution(&ToolExecutionStart::new("lookup"));
        let emb = client.start_embedding(&EmbeddingStart::new(ModelRef::new("openai", "text-embedding-3-small")));
        // Grandchildren through the tool's own context, on another thread.
        let child_ctx = tool.context();
        let c = client.clone();
        std::thread::spawn(move || {
            c.start_tool_execution_with_context(&ToolExecutionStart::new("nested"), &child_ctx).end()
        })
        .join()
        .unwrap()
        .unwrap();
        tool.end().unwrap();
        emb.end().unwrap();
    }
    gen.end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let g = &h.generations("grpc")[0];
    assert_eq!(g["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    let spans = h.spans();
    let span = |name: &str| spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {spans:#?}"));
    let gspan = span("generateText gpt-5");
    assert_eq!(gspan["parent_span_id"], "00f067aa0ba902b7");
    assert_eq!(gspan["span_id"], g["span_id"]);
    for child in ["execute_tool lookup", "embeddings text-embedding-3-small"] {
        assert_eq!(span(child)["parent_span_id"], gspan["span_id"], "{child}");
        assert_eq!(span(child)["trace_id"], g["trace_id"], "{child}");
        assert_eq!(span(child)["attributes"]["gen_ai.agent.name"], "planner", "{child}");
    }
    assert_eq!(span("execute_tool nested")["parent_span_id"], span("execute_tool lookup")["span_id"]);
}

#[test]
fn an_unsampled_parent_exports_the_generation_without_a_span() {
    let h = Harness::start();
    let client = h.client(Protocol::Http);
    let ctx = Context::new().with_parent_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    client.start_generation_with_context(&start("gen-unsampled"), &ctx).end().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();
    let g = &h.generations("http")[0];
    assert_eq!(g["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert!(h.spans().iter().all(|s| s["attributes"]["sigil.generation.id"] != "gen-unsampled"));
}
