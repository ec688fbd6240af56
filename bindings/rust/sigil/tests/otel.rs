//! The host OpenTelemetry pipeline (feature `otel`) against the real
//! OpenTelemetry SDK: in-memory span and metric exporters.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use opentelemetry::metrics::MeterProvider;
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
    TracerProvider,
};
use opentelemetry::{Context as OtelContext, KeyValue};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData};
use sigil::{
    AttributeValue, Client, Config, EmbeddingResult, EmbeddingStart, Generation, GenerationStart, Message, ModelRef,
    Protocol, Span, SpanStatus, TelemetryMode, TokenUsage, ToolExecutionStart,
};

struct Host {
    spans: InMemorySpanExporter,
    tp: SdkTracerProvider,
    metrics: InMemoryMetricExporter,
    mp: SdkMeterProvider,
}

impl Host {
    fn new(sampler: Sampler) -> Host {
        let spans = InMemorySpanExporter::default();
        let tp = SdkTracerProvider::builder().with_simple_exporter(spans.clone()).with_sampler(sampler).build();
        let metrics = InMemoryMetricExporter::default();
        let mp = SdkMeterProvider::builder().with_reader(PeriodicReader::builder(metrics.clone()).build()).build();
        Host { spans, tp, metrics, mp }
    }

    fn finished(&self) -> Vec<SpanData> {
        self.spans.get_finished_spans().unwrap()
    }

    /// (name, attributes, count, sum, bounds) of every histogram point.
    fn points(&self) -> Vec<(String, BTreeMap<String, String>, u64, f64, Vec<f64>)> {
        self.mp.force_flush().unwrap();
        let mut out = Vec::new();
        let all = self.metrics.get_finished_metrics().unwrap();
        if let Some(rm) = all.last() {
            for sm in rm.scope_metrics() {
                for m in sm.metrics() {
                    if let AggregatedMetrics::F64(MetricData::Histogram(h)) = m.data() {
                        for dp in h.data_points() {
                            let attrs = dp.attributes().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect();
                            out.push((m.name().to_string(), attrs, dp.count(), dp.sum(), dp.bounds().collect()));
                        }
                    }
                }
            }
        }
        out
    }
}

type EngineSpans = Arc<Mutex<Vec<Span>>>;

fn client(host: Option<&Host>, mode: Option<TelemetryMode>) -> (Client, EngineSpans) {
    let seen: EngineSpans = Arc::default();
    let sink = seen.clone();
    let mut b = Config::builder().protocol(Protocol::None).on_span(move |s| sink.lock().unwrap().push(s.clone()));
    if let Some(h) = host {
        b = b.tracer(h.tp.tracer("app")).meter(h.mp.meter("app"));
    }
    if let Some(m) = mode {
        b = b.telemetry_mode(m);
    }
    (Client::new(b.build()).unwrap(), seen)
}

fn model() -> ModelRef {
    ModelRef::new("openai", "gpt-4o")
}

fn generation() -> Generation {
    Generation {
        input: vec![Message::user_text("hello")],
        output: vec![Message::assistant_text("hi")],
        usage: TokenUsage { input_tokens: 12, output_tokens: 5, ..Default::default() },
        ..Default::default()
    }
}

fn one<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "spans named {name}: {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    found[0]
}

fn host_attrs(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect()
}

fn engine_attrs(attrs: &[(String, AttributeValue)]) -> BTreeMap<String, String> {
    attrs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::String(s) => s.clone(),
                AttributeValue::Bool(b) => b.to_string(),
                AttributeValue::Int(i) => i.to_string(),
                AttributeValue::Double(d) => d.to_string(),
                AttributeValue::StringArray(a) => format!("[{}]", a.join(",")),
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn generation_nests_under_host_span_and_its_scope_parents_children() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, engine) = client(Some(&h), None);
    let tracer = h.tp.tracer("app");
    let request = tracer.start("request");
    let request_cx = OtelContext::current_with_span(request);
    {
        let _req = request_cx.clone().attach();
        let mut rec = c.start_generation(&GenerationStart::new(model()));
        {
            let _scope = rec.otel_context().attach(); // the generation's span is current
            assert!(OtelContext::current().span().is_recording());
            tracer.start("http call").end();
            let mut tool = c.start_tool_execution(&ToolExecutionStart::new("weather"));
            tool.set_result(&sigil::ToolExecutionEnd::new(r#"{"city":"Oslo"}"#, "sunny"));
            tool.end().unwrap();
        }
        rec.set_result(&generation()).unwrap();
        rec.end().unwrap();
    }
    request_cx.span().end();

    let spans = h.finished();
    assert_eq!(spans.len(), 4, "{spans:?}");
    let req = one(&spans, "request");
    let gen = one(&spans, "generateText gpt-4o");
    let call = one(&spans, "http call");
    let exec = one(&spans, "execute_tool weather");
    assert_eq!(gen.parent_span_id, req.span_context.span_id());
    assert_eq!(gen.span_context.trace_id(), req.span_context.trace_id());
    assert_eq!(call.parent_span_id, gen.span_context.span_id());
    assert_eq!(exec.parent_span_id, gen.span_context.span_id());
    assert_eq!((gen.span_kind.clone(), exec.span_kind.clone()), (SpanKind::Client, SpanKind::Internal));
    let ids: HashSet<String> = [gen, exec].iter().map(|s| s.span_context.span_id().to_string()).collect();
    let engine = engine.lock().unwrap();
    assert_eq!(engine.len(), 2);
    for s in engine.iter() {
        assert!(ids.contains(&s.span_id), "engine span {} is not a host span", s.name);
    }
}

#[test]
fn host_span_is_the_engine_span() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, engine) = client(Some(&h), Some(TelemetryMode::Both));
    let mut ok = c.start_generation(&GenerationStart {
        conversation_id: "conv-1".into(),
        agent_name: "planner".into(),
        ..GenerationStart::new(model())
    });
    ok.set_result(&generation()).unwrap();
    ok.end().unwrap();
    let mut bad = c.start_streaming_generation(&GenerationStart::new(model()));
    bad.set_first_token_at(SystemTime::now());
    bad.set_call_error("rate limited");
    bad.end().unwrap();
    let mut emb = c.start_embedding(&EmbeddingStart::new(ModelRef::new("openai", "text-embedding-3-small")));
    emb.set_result(&EmbeddingResult { input_count: 2, input_tokens: 9, ..Default::default() }).unwrap();
    emb.end().unwrap();

    let spans = h.finished();
    let engine = engine.lock().unwrap();
    assert_eq!((spans.len(), engine.len()), (3, 3));
    let mut saw_error = false;
    for e in engine.iter() {
        let s = spans.iter().find(|s| s.span_context.span_id().to_string() == e.span_id).expect("host span");
        assert_eq!(s.name, e.name);
        assert_eq!(s.span_context.trace_id().to_string(), e.trace_id);
        assert_eq!(Some(s.start_time), e.start_time, "{}", e.name);
        assert_eq!(Some(s.end_time), e.end_time, "{}", e.name);
        assert_eq!(host_attrs(&s.attributes), engine_attrs(&e.attributes), "{}", e.name);
        let host_events: Vec<_> = s.events.iter().collect();
        assert_eq!(host_events.len(), e.events.len(), "{}", e.name);
        for (he, ee) in host_events.iter().zip(&e.events) {
            assert_eq!(he.name, ee.name);
            assert_eq!(Some(he.timestamp), ee.time);
            assert_eq!(host_attrs(&he.attributes), engine_attrs(&ee.attributes));
        }
        match &e.status {
            SpanStatus::Error(message) => {
                saw_error = true;
                assert_eq!(s.status, Status::error(message.clone()));
            }
            SpanStatus::Unset => assert_eq!(s.status, Status::Unset),
            SpanStatus::Ok => assert_eq!(s.status, Status::Ok),
        }
    }
    assert!(saw_error, "the call error gave no error status");
}

#[test]
fn host_sampler_decides() {
    let h = Host::new(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
    let (c, engine) = client(Some(&h), None);
    let mut dropped = c.start_generation(&GenerationStart::new(model())); // a root: never sampled
    dropped.set_result(&generation()).unwrap();
    dropped.end().unwrap();
    assert!(h.finished().is_empty());
    assert!(engine.lock().unwrap().is_empty());
    let durations: u64 = h.points().iter().filter(|p| p.0 == "gen_ai.client.operation.duration").map(|p| p.2).sum();
    assert_eq!(durations, 1, "metrics still count a dropped span");

    let parent = SpanContext::new(
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap(),
        SpanId::from_hex("b7ad6b7169203331").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    {
        let _g = OtelContext::new().with_remote_span_context(parent.clone()).attach();
        let mut kept = c.start_generation(&GenerationStart::new(model()));
        kept.set_result(&generation()).unwrap();
        kept.end().unwrap();
    }
    let spans = h.finished();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_span_id, parent.span_id());
    assert_eq!(spans[0].span_context.trace_id(), parent.trace_id());
    assert_eq!(engine.lock().unwrap()[0].parent_span_id, parent.span_id().to_string());
}

#[test]
fn host_meter_gets_the_genai_histograms() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, _) = client(Some(&h), None);
    let start = SystemTime::now() - Duration::from_secs(2);
    let mut rec = c.start_streaming_generation(&GenerationStart {
        agent_name: "planner".into(),
        started_at: Some(start),
        ..GenerationStart::new(model())
    });
    rec.set_first_token_at(start + Duration::from_millis(500));
    rec.set_result(&generation()).unwrap();
    rec.end().unwrap();

    let snapshot = c.metrics_snapshot().unwrap();
    let engine_bounds = |name: &str| -> Vec<f64> {
        snapshot["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .map(|m| m["explicit_bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
            .unwrap_or_default()
    };
    let points = h.points();
    let common = ["gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.agent.name"];
    for (name, keys) in [
        ("gen_ai.client.operation.duration", &common[..]),
        ("gen_ai.client.token.usage", &common[..]),
        ("gen_ai.client.time_to_first_token", &common[1..3]),
        ("gen_ai.client.tool_calls_per_operation", &common[1..]),
    ] {
        let mine: Vec<_> = points.iter().filter(|p| p.0 == name).collect();
        assert!(!mine.is_empty(), "{name} not recorded through the host meter");
        let bounds = engine_bounds(name);
        for p in mine {
            for k in keys {
                assert!(p.1.contains_key(*k), "{name} lacks {k}: {:?}", p.1);
            }
            assert_eq!(p.1["gen_ai.request.model"], "gpt-4o");
            assert!(!bounds.is_empty());
            assert_eq!(p.4, bounds, "{name}: the engine's bucket boundaries");
        }
    }
    let tokens: BTreeMap<_, _> = points
        .iter()
        .filter(|p| p.0 == "gen_ai.client.token.usage")
        .map(|p| (p.1["gen_ai.token.type"].clone(), p.3))
        .collect();
    assert_eq!((tokens["input"], tokens["output"]), (12.0, 5.0));
    let ttft = points.iter().find(|p| p.0 == "gen_ai.client.time_to_first_token").unwrap();
    assert_eq!(ttft.2, 1);
    assert!((ttft.3 - 0.5).abs() < 0.01, "time to first token {}", ttft.3);
}

#[test]
fn many_threads_record_at_once() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, _) = client(Some(&h), None);
    const THREADS: usize = 8;
    const EACH: usize = 25;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..EACH {
                    let mut rec = c.start_generation(&GenerationStart::new(model()));
                    {
                        let _g = rec.otel_context().attach();
                        c.start_tool_execution(&ToolExecutionStart::new(format!("tool-{t}"))).end().unwrap();
                    }
                    rec.set_result(&generation()).unwrap();
                    rec.end().unwrap();
                }
            });
        }
    });
    let spans = h.finished();
    assert_eq!(spans.len(), 2 * THREADS * EACH);
    let gens: HashSet<SpanId> =
        spans.iter().filter(|s| s.span_kind == SpanKind::Client).map(|s| s.span_context.span_id()).collect();
    assert_eq!(gens.len(), THREADS * EACH, "generation span ids are unique");
    for s in spans.iter().filter(|s| s.span_kind == SpanKind::Internal) {
        assert!(gens.contains(&s.parent_span_id), "tool {} has no generation parent", s.name);
    }
    let durations: u64 = h.points().iter().filter(|p| p.0 == "gen_ai.client.operation.duration").map(|p| p.2).sum();
    assert_eq!(durations as usize, 2 * THREADS * EACH);
}

#[test]
fn host_providers_shut_down_before_the_client() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, _) = client(Some(&h), None);
    let mut early = c.start_generation(&GenerationStart::new(model()));
    h.tp.shutdown().unwrap();
    h.mp.shutdown().unwrap();
    early.set_result(&generation()).unwrap();
    early.end().unwrap();
    let mut late = c.start_generation(&GenerationStart::new(model()));
    late.set_result(&generation()).unwrap();
    late.end().unwrap();
    c.shutdown(Duration::from_secs(5)).unwrap();
}

#[test]
fn client_shuts_down_before_the_host_providers() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, _) = client(Some(&h), None);
    let mut rec = c.start_generation(&GenerationStart::new(model()));
    rec.set_result(&generation()).unwrap();
    rec.end().unwrap();
    c.shutdown(Duration::from_secs(5)).unwrap();
    let after = c.start_generation(&GenerationStart::new(model()));
    assert!(after.end().is_err(), "a shut-down client says so");
    assert_eq!(h.finished().len(), 1, "no host span for a record made after shutdown");
    h.tp.shutdown().unwrap();
    h.mp.shutdown().unwrap();
}

#[test]
fn engine_mode_still_parents_both_ways() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, engine) = client(Some(&h), Some(TelemetryMode::Engine));
    let tracer = h.tp.tracer("app");
    let request_cx = OtelContext::current_with_span(tracer.start("request"));
    {
        let _req = request_cx.clone().attach();
        let mut rec = c.start_generation(&GenerationStart::new(model()));
        {
            let _scope = rec.otel_context().attach();
            tracer.start("http call").end();
        }
        rec.set_result(&generation()).unwrap();
        rec.end().unwrap();
    }
    request_cx.span().end();
    let engine = engine.lock().unwrap();
    assert_eq!(engine.len(), 1);
    assert_eq!(engine[0].parent_span_id, request_cx.span().span_context().span_id().to_string());
    let spans = h.finished();
    assert_eq!(spans.len(), 2, "only the application's own spans reach the host tracer");
    let call = one(&spans, "http call");
    assert_eq!(call.parent_span_id.to_string(), engine[0].span_id);
    assert!(h.points().is_empty(), "engine mode records nothing through the host meter");
}

#[test]
fn explicit_parent_wins_and_is_remote() {
    let h = Host::new(Sampler::AlwaysOn);
    let (c, _) = client(Some(&h), None);
    let tracer = h.tp.tracer("app");
    let other = OtelContext::current_with_span(tracer.start("other"));
    {
        let _g = other.clone().attach();
        let ctx =
            sigil::Context::new().with_parent_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        c.start_generation_with_context(&GenerationStart::new(model()), &ctx).end().unwrap();
    }
    other.span().end();
    let gen = h.finished().into_iter().find(|s| s.name == "generateText gpt-4o").unwrap();
    assert_eq!(gen.span_context.trace_id().to_string(), "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(gen.parent_span_id.to_string(), "b7ad6b7169203331");
    assert!(gen.parent_span_is_remote);
}

#[test]
fn traceparent_helpers_round_trip() {
    let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let sc = sigil::parse_traceparent(tp, false).unwrap();
    assert_eq!(sigil::otel_traceparent(&sc), tp);
    for bad in ["", "00-xyz", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-zz"] {
        assert!(sigil::parse_traceparent(bad, false).is_none(), "{bad}");
    }
}
