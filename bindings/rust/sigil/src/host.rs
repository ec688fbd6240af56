//! The telemetry pipeline (`TelemetryMode`) and, with the `otel` feature, the
//! host OpenTelemetry pipeline: parenting from `opentelemetry::Context`, each
//! recorder's span started through the application's tracer, the engine's
//! finished span copied onto it, and the GenAI histograms recorded through
//! the application's meter (README, "Telemetry"; docs/telemetry.md).

use std::borrow::Cow;

use crate::context::ContextData;
use crate::privacy::RecordKind;

/// Where spans and GenAI metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TelemetryMode {
    /// libsigil's own OTLP export (when an OTLP endpoint is configured).
    Engine,
    /// The application's tracer and meter (feature `otel`): every span is
    /// re-emitted through the host tracer with the same ids, timestamps,
    /// attributes, events and status, the host sampler decides, and OTLP
    /// endpoints are ignored so nothing leaves twice.
    Host,
    /// Both, deliberately.
    Both,
}

impl TelemetryMode {
    pub(crate) fn raw(self) -> u32 {
        match self {
            TelemetryMode::Engine => sigil_sys::SIGIL_TELEMETRY_PIPELINE_ENGINE,
            TelemetryMode::Host => sigil_sys::SIGIL_TELEMETRY_PIPELINE_HOST,
            TelemetryMode::Both => sigil_sys::SIGIL_TELEMETRY_PIPELINE_BOTH,
        }
    }
}

/// What a start call hands the engine.
pub(crate) struct HostStart<'a> {
    pub(crate) parent: Option<Cow<'a, str>>,
    pub(crate) parent_is_local: bool,
    pub(crate) span_traceparent: Option<String>,
    pub(crate) started_at_ns: i64,
    #[cfg(feature = "otel")]
    host_cx: Option<opentelemetry::Context>,
}

/// The span name a host span starts with (the engine's replaces it at end).
pub(crate) fn span_name(operation: &str, subject: &str) -> String {
    if subject.is_empty() {
        operation.to_string()
    } else {
        format!("{operation} {subject}")
    }
}

#[cfg(not(feature = "otel"))]
mod imp {
    use super::*;
    use crate::client::ClientInner;

    /// A recorder's part in the host pipeline (nothing without `otel`).
    #[derive(Default)]
    pub(crate) struct HostSlot;

    pub(crate) fn begin<'a>(
        _client: &ClientInner,
        ctx: Option<&'a ContextData>,
        _kind: RecordKind,
        _name: impl FnOnce() -> String,
        started_at_ns: i64,
    ) -> HostStart<'a> {
        HostStart {
            parent: ctx.and_then(|c| c.parent_traceparent.as_deref()).map(Cow::Borrowed),
            parent_is_local: ctx.is_some_and(|c| c.parent_is_local),
            span_traceparent: None,
            started_at_ns,
        }
    }

    impl HostStart<'_> {
        pub(crate) fn finish(
            self,
            _client: &ClientInner,
            _engine_traceparent: impl FnOnce() -> Option<String>,
            _started: bool,
        ) -> HostSlot {
            HostSlot
        }
    }
}

#[cfg(feature = "otel")]
mod imp {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::SystemTime;

    use opentelemetry::global::BoxedTracer;
    use opentelemetry::metrics::{Histogram, Meter};
    use opentelemetry::trace::{
        SpanBuilder, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
    };
    use opentelemetry::{Array, KeyValue, StringValue, Value};

    use super::*;
    use crate::client::ClientInner;
    use crate::span::{AttributeValue, Span, SpanStatus};

    /// The tracer and meter names taken from the global providers when none
    /// is given (the reference SDK's).
    pub const INSTRUMENTATION_NAME: &str = "github.com/grafana/sigil/sdks/rust";

    /// One client's host tracer and meter, and its host spans in flight.
    pub(crate) struct Host {
        tracer: Arc<BoxedTracer>,
        meter: Meter,
        /// Host or both: recorders start host spans and metrics reach the meter.
        pub(crate) pipeline: bool,
        open: Mutex<HashMap<String, opentelemetry::Context>>,
        histograms: Mutex<HashMap<String, Histogram<f64>>>,
    }

    impl Host {
        pub(crate) fn new(tracer: Option<Arc<BoxedTracer>>, meter: Option<Meter>, pipeline: bool) -> Host {
            Host {
                tracer: tracer.unwrap_or_else(|| Arc::new(opentelemetry::global::tracer(INSTRUMENTATION_NAME))),
                meter: meter.unwrap_or_else(|| opentelemetry::global::meter(INSTRUMENTATION_NAME)),
                pipeline,
                open: Mutex::new(HashMap::new()),
                histograms: Mutex::new(HashMap::new()),
            }
        }

        /// The span callback: copies the engine's span onto its host span and ends it.
        pub(crate) fn on_span(&self, s: &Span) {
            let Some(cx) = self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(&s.span_id) else {
                return;
            };
            let span = cx.span();
            span.update_name(s.name.clone());
            span.set_attributes(s.attributes.iter().map(key_value));
            for e in &s.events {
                span.add_event_with_timestamp(
                    e.name.clone(),
                    e.time.unwrap_or_else(SystemTime::now),
                    e.attributes.iter().map(key_value).collect(),
                );
            }
            match &s.status {
                SpanStatus::Error(message) => span.set_status(Status::error(message.clone())),
                SpanStatus::Ok => span.set_status(Status::Ok),
                SpanStatus::Unset => {}
            }
            match s.end_time {
                Some(t) => span.end_with_timestamp(t),
                None => span.end(),
            }
        }

        /// The metric callback: one GenAI histogram point through the host meter.
        pub(crate) fn on_metric(&self, p: &MetricPoint) {
            let histogram = {
                let mut map = self.histograms.lock().unwrap_or_else(|e| e.into_inner());
                map.entry(p.name.clone())
                    .or_insert_with(|| {
                        self.meter
                            .f64_histogram(p.name.clone())
                            .with_unit(p.unit.clone())
                            .with_description(p.description.clone())
                            .with_boundaries(p.bounds.clone())
                            .build()
                    })
                    .clone()
            };
            let attrs: Vec<KeyValue> = p.attributes.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
            histogram.record(p.value, &attrs);
        }

        fn end_unfinished(&self, span_id: &str) {
            let cx = self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(span_id);
            if let Some(cx) = cx {
                cx.span().end();
            }
        }
    }

    /// One GenAI histogram recording, as the engine makes it.
    pub(crate) struct MetricPoint {
        pub(crate) name: String,
        pub(crate) unit: String,
        pub(crate) description: String,
        pub(crate) bounds: Vec<f64>,
        pub(crate) value: f64,
        pub(crate) attributes: Vec<(String, String)>,
    }

    fn key_value((k, v): &(String, AttributeValue)) -> KeyValue {
        let value = match v {
            AttributeValue::String(s) => Value::from(s.clone()),
            AttributeValue::Bool(b) => Value::Bool(*b),
            AttributeValue::Int(i) => Value::I64(*i),
            AttributeValue::Double(d) => Value::F64(*d),
            AttributeValue::StringArray(a) => {
                Value::Array(Array::String(a.iter().cloned().map(StringValue::from).collect()))
            }
        };
        KeyValue::new(k.clone(), value)
    }

    /// A span context as a W3C traceparent.
    pub fn traceparent(sc: &SpanContext) -> String {
        format!("00-{}-{}-{:02x}", sc.trace_id(), sc.span_id(), sc.trace_flags().to_u8())
    }

    /// Reads a W3C traceparent ("00-<trace>-<span>-<flags>").
    pub fn parse_traceparent(tp: &str, remote: bool) -> Option<SpanContext> {
        let b = tp.as_bytes();
        if b.len() != 55 || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return None;
        }
        let trace_id = TraceId::from_hex(&tp[3..35]).ok()?;
        let span_id = SpanId::from_hex(&tp[36..52]).ok()?;
        let flags = u8::from_str_radix(&tp[53..55], 16).ok()?;
        let sc = SpanContext::new(trace_id, span_id, TraceFlags::new(flags), remote, TraceState::default());
        sc.is_valid().then_some(sc)
    }

    /// A recorder's part in the host pipeline: its host span (ended here if
    /// the engine gave none) and the OpenTelemetry context with its span
    /// current.
    #[derive(Default)]
    pub(crate) struct HostSlot {
        host: Option<Arc<Host>>,
        span_id: Option<String>,
        pub(crate) cx: Option<opentelemetry::Context>,
    }

    impl Drop for HostSlot {
        fn drop(&mut self) {
            // Runs after the recorder ended (its fields drop after its own
            // drop and after end): the span callback has taken the host span
            // unless the engine had none to give (not sampled).
            if let (Some(host), Some(id)) = (&self.host, &self.span_id) {
                host.end_unfinished(id);
            }
        }
    }

    pub(crate) fn begin<'a>(
        client: &ClientInner,
        ctx: Option<&'a ContextData>,
        kind: RecordKind,
        name: impl FnOnce() -> String,
        mut started_at_ns: i64,
    ) -> HostStart<'a> {
        let explicit_parent = ctx.and_then(|c| c.parent_traceparent.as_deref());
        let explicit_local = ctx.is_some_and(|c| c.parent_is_local);
        let mut hs = HostStart {
            parent: explicit_parent.map(Cow::Borrowed),
            parent_is_local: explicit_local,
            span_traceparent: None,
            started_at_ns,
            host_cx: None,
        };
        let Some(host) = client.host.as_ref() else { return hs };
        let current = opentelemetry::Context::current();
        let parent_cx = match explicit_parent {
            Some(tp) => match parse_traceparent(tp, !explicit_local) {
                Some(sc) => current.with_remote_span_context(sc),
                None => current,
            },
            None => {
                let sc = current.span().span_context().clone();
                if sc.is_valid() {
                    hs.parent = Some(Cow::Owned(traceparent(&sc)));
                    hs.parent_is_local = !sc.is_remote();
                }
                current
            }
        };
        if !host.pipeline || client.is_closed() {
            return hs;
        }
        if started_at_ns == 0 {
            started_at_ns = crate::ffi::unix_ns(SystemTime::now());
            hs.started_at_ns = started_at_ns;
        }
        let parent_id = parent_cx.span().span_context().span_id();
        let start = crate::ffi::from_unix_ns(started_at_ns).unwrap_or_else(SystemTime::now);
        let kind = if matches!(kind, RecordKind::ToolExecution | RecordKind::Span) {
            SpanKind::Internal
        } else {
            SpanKind::Client
        };
        let builder = SpanBuilder::from_name(name()).with_kind(kind).with_start_time(start);
        let span = host.tracer.build_with_context(builder, &parent_cx);
        let sc = opentelemetry::trace::Span::span_context(&span).clone();
        if !sc.is_valid() || sc.span_id() == parent_id {
            return hs; // a no-op tracer: the engine makes the ids
        }
        let tp = traceparent(&sc);
        hs.host_cx = Some(parent_cx.with_span(span));
        hs.span_traceparent = Some(tp);
        hs
    }

    impl HostStart<'_> {
        /// After the engine's start: the recorder's slot (its host span, or the
        /// engine's span as the current span of its OpenTelemetry context).
        pub(crate) fn finish(
            self,
            client: &ClientInner,
            engine_traceparent: impl FnOnce() -> Option<String>,
            started: bool,
        ) -> HostSlot {
            let Some(host) = client.host.as_ref() else { return HostSlot::default() };
            match (self.host_cx, self.span_traceparent) {
                (Some(cx), Some(tp)) => {
                    if !started {
                        cx.span().end();
                        return HostSlot::default();
                    }
                    let id = tp[36..52].to_string();
                    host.open.lock().unwrap_or_else(|e| e.into_inner()).insert(id.clone(), cx.clone());
                    HostSlot { host: Some(host.clone()), span_id: Some(id), cx: Some(cx) }
                }
                _ => {
                    let cx = engine_traceparent()
                        .as_deref()
                        .and_then(|tp| parse_traceparent(tp, false))
                        .map(|sc| opentelemetry::Context::current().with_remote_span_context(sc));
                    HostSlot { host: None, span_id: None, cx }
                }
            }
        }
    }
}

#[cfg(feature = "otel")]
pub use imp::*;
#[cfg(not(feature = "otel"))]
pub(crate) use imp::*;

#[cfg(test)]
mod tests {
    use crate::{Client, Config, Error, Protocol, TelemetryMode};

    /// Without the `otel` feature there is no host tracer or meter to send
    /// to: asking for the host pipeline is a configuration error.
    #[cfg(not(feature = "otel"))]
    #[test]
    fn host_mode_needs_the_otel_feature() {
        for mode in [TelemetryMode::Host, TelemetryMode::Both] {
            let config = Config::builder().protocol(Protocol::None).telemetry_mode(mode).build();
            match Client::new(config) {
                Err(Error::InvalidConfig(message)) => assert!(message.contains("otel"), "{message}"),
                other => panic!("{mode:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn engine_mode_is_the_default_without_a_tracer() {
        let config = Config::builder().protocol(Protocol::None).build();
        assert_eq!(config.resolved_telemetry_mode(), TelemetryMode::Engine);
        let client =
            Client::new(Config::builder().protocol(Protocol::None).telemetry_mode(TelemetryMode::Engine).build());
        assert!(client.is_ok());
    }
}
