//! Finished spans, as given to [`ConfigBuilder::on_span`](crate::ConfigBuilder::on_span).

use std::ffi::c_char;
use std::time::SystemTime;

use sigil_sys as sys;

use crate::ffi::from_unix_ns;

/// A finished span (a copy of the engine's `sigil_span_t`), for bridging into
/// the host's own tracer or for tests. docs/telemetry.md lists the names and
/// attributes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Span {
    /// "generateText gpt-4o", "execute_tool get_weather", "embeddings ...".
    pub name: String,
    pub kind: SpanKind,
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    /// "" for a root span.
    pub parent_span_id: String,
    /// W3C trace flags (0x01 = sampled).
    pub trace_flags: u32,
    pub start_time: Option<SystemTime>,
    pub end_time: Option<SystemTime>,
    pub status: SpanStatus,
    pub attributes: Vec<(String, AttributeValue)>,
    pub events: Vec<SpanEvent>,
}

/// OTLP span kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpanKind {
    Internal,
    Client,
    /// A kind this crate does not know (the OTLP number).
    Other(u32),
}

/// OTLP span status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpanStatus {
    Unset,
    Ok,
    Error(String),
}

/// A span or event attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    String(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    StringArray(Vec<String>),
}

macro_rules! attribute_from {
    ($($t:ty => $v:ident($conv:expr)),* $(,)?) => {$(
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> AttributeValue {
                #[allow(clippy::redundant_closure_call)]
                AttributeValue::$v(($conv)(v))
            }
        }
    )*};
}

attribute_from!(
    &str => String(|v: &str| v.to_string()),
    String => String(|v| v),
    &String => String(|v: &String| v.clone()),
    bool => Bool(|v| v),
    i64 => Int(|v| v),
    i32 => Int(i64::from),
    u32 => Int(i64::from),
    usize => Int(|v: usize| i64::try_from(v).unwrap_or(i64::MAX)),
    f64 => Double(|v| v),
    Vec<String> => StringArray(|v| v),
);

/// A span event ("exception", with exception.type and exception.message).
#[derive(Debug, Clone, PartialEq)]
pub struct SpanEvent {
    pub name: String,
    pub time: Option<SystemTime>,
    pub attributes: Vec<(String, AttributeValue)>,
}

impl Span {
    /// The value of an attribute.
    pub fn attribute(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// This span as a W3C traceparent, e.g. to parent the host's own spans.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id, self.span_id, self.trace_flags & 0xff)
    }

    /// Copies an engine span.
    ///
    /// # Safety
    /// `raw` and everything it points to must be valid (the callback contract).
    pub(crate) unsafe fn from_raw(raw: &sys::sigil_span_t) -> Span {
        Span {
            name: text(raw.name, raw.name_len),
            kind: match raw.kind {
                sys::SIGIL_SPAN_KIND_INTERNAL => SpanKind::Internal,
                sys::SIGIL_SPAN_KIND_CLIENT => SpanKind::Client,
                k => SpanKind::Other(k),
            },
            trace_id: fixed(&raw.trace_id),
            span_id: fixed(&raw.span_id),
            parent_span_id: fixed(&raw.parent_span_id),
            trace_flags: raw.trace_flags,
            start_time: from_unix_ns(raw.start_ns),
            end_time: from_unix_ns(raw.end_ns),
            status: match raw.status_code {
                sys::SIGIL_SPAN_STATUS_OK => SpanStatus::Ok,
                sys::SIGIL_SPAN_STATUS_ERROR => SpanStatus::Error(text(raw.status_message, raw.status_message_len)),
                _ => SpanStatus::Unset,
            },
            attributes: attributes(raw.attributes, raw.attributes_count),
            events: slice(raw.events, raw.events_count)
                .iter()
                .map(|e| SpanEvent {
                    name: text(e.name, e.name_len),
                    time: from_unix_ns(e.time_ns),
                    attributes: attributes(e.attributes, e.attributes_count),
                })
                .collect(),
        }
    }
}

unsafe fn slice<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

unsafe fn text(p: *const c_char, n: usize) -> String {
    String::from_utf8_lossy(slice(p.cast::<u8>(), n)).into_owned()
}

fn fixed(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

unsafe fn attributes(p: *const sys::sigil_attribute_t, n: usize) -> Vec<(String, AttributeValue)> {
    slice(p, n)
        .iter()
        .map(|a| {
            let value = match a.type_ {
                sys::SIGIL_ATTRIBUTE_BOOL => AttributeValue::Bool(a.int_value != 0),
                sys::SIGIL_ATTRIBUTE_INT => AttributeValue::Int(a.int_value),
                sys::SIGIL_ATTRIBUTE_DOUBLE => AttributeValue::Double(a.double_value),
                sys::SIGIL_ATTRIBUTE_STRING_ARRAY => {
                    let values = slice(a.string_values, a.string_values_count);
                    let lens = slice(a.string_value_lens, a.string_values_count);
                    AttributeValue::StringArray(
                        values
                            .iter()
                            .enumerate()
                            .map(|(i, &s)| match lens.get(i) {
                                Some(&l) => text(s, l),
                                None => crate::ffi::string(s), // NUL-terminated as well
                            })
                            .collect(),
                    )
                }
                _ => AttributeValue::String(text(a.string_value, a.string_value_len)),
            };
            (text(a.key, a.key_len), value)
        })
        .collect()
}

/// Copies an engine metric point (host pipeline).
///
/// # Safety
/// `raw` and everything it points to must be valid (the callback contract).
#[cfg(feature = "otel")]
pub(crate) unsafe fn metric_point(raw: &sys::sigil_metric_point_t) -> crate::host::MetricPoint {
    crate::host::MetricPoint {
        name: text(raw.name, raw.name_len),
        unit: text(raw.unit, raw.unit_len),
        description: text(raw.description, raw.description_len),
        bounds: slice(raw.explicit_bounds, raw.explicit_bounds_count).to_vec(),
        value: raw.value,
        attributes: attributes(raw.attributes, raw.attributes_count)
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    AttributeValue::String(s) => s,
                    other => format!("{other:?}"),
                };
                (k, v)
            })
            .collect(),
    }
}
