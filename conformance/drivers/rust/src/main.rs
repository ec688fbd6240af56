//! The Rust conformance driver: speaks the line protocol of
//! conformance/README.md on stdin/stdout and performs every operation through
//! the public `sigil` crate, the way a Rust program would: typed model
//! structs, `Result`s matched by variant, recorders that end by value, and
//! context values applied with `Context::in_scope` around the start call.
//! Diagnostics go to stderr.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use sigil::{
    Artifact, ArtifactKind, AttributeValue, Client, Config, ContentCaptureMode, Context, ConversationRatingInput,
    ConversationRatingValue, EmbeddingRecorder, EmbeddingResult, EmbeddingStart, Generation, GenerationMode,
    GenerationRecorder, GenerationStart, MappingResult, Media, Message, ModelRef, Part, PartContent, PartMetadata,
    Protocol, ProviderJson, ProviderOptions, Role, SpanBuilder, SpanRecorder, StepKind,
    SubmitConversationRatingResponse, TokenUsage, ToolCall, ToolContent, ToolDefinition, ToolExecutionEnd,
    ToolExecutionRecorder, ToolExecutionStart, ToolResult,
};

const PROTOCOL_VERSION: u32 = 1;

/// A request the driver cannot carry out (`ok: false`).
enum Bad {
    Request(String),
    /// Rust cannot express it (`unsupported: true`).
    Unsupported(String),
}

type Op = Result<Value, Bad>;

fn bad<T>(msg: impl Into<String>) -> Result<T, Bad> {
    Err(Bad::Request(msg.into()))
}

fn unsupported<T>(msg: impl Into<String>) -> Result<T, Bad> {
    Err(Bad::Unsupported(msg.into()))
}

/// The SDK's answer: no error, or the error's canonical name and message.
fn reply(result: Result<(), sigil::Error>, extra: Value) -> Value {
    let mut r = json!({"ok": true, "error": null, "message": null});
    if let Err(e) = result {
        r["error"] = json!(e.name());
        r["message"] = json!(e.to_string());
    }
    if let Value::Object(extra) = extra {
        r.as_object_mut().unwrap().extend(extra);
    }
    r
}

fn ok() -> Op {
    Ok(reply(Ok(()), Value::Null))
}

// ---------------------------------------------------------------------------
// Typed access to request objects; every object's keys are checked.

struct Obj<'a> {
    what: &'a str,
    map: &'a Map<String, Value>,
}

fn obj<'a>(what: &'a str, v: Option<&'a Value>, allowed: &[&str]) -> Result<Option<Obj<'a>>, Bad> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
                return bad(format!("{what}: unknown key {k:?}"));
            }
            Ok(Some(Obj { what, map }))
        }
        Some(_) => bad(format!("{what} must be an object")),
    }
}

impl<'a> Obj<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Result<Option<String>, Bad> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => bad(format!("{}.{key} must be a string", self.what)),
        }
    }

    fn string(&self, key: &str) -> Result<String, Bad> {
        Ok(self.str(key)?.unwrap_or_default())
    }

    fn int(&self, key: &str) -> Result<Option<i64>, Bad> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) if s.parse::<i64>().is_ok() => Ok(s.parse().ok()),
            Some(_) => bad(format!("{}.{key} must be an integer", self.what)),
        }
    }

    fn float(&self, key: &str) -> Result<Option<f64>, Bad> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => match s.as_str() {
                "NaN" => Ok(Some(f64::NAN)),
                "Infinity" => Ok(Some(f64::INFINITY)),
                "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
                s => s.parse().map(Some).or_else(|_| bad(format!("{}.{key} must be a number", self.what))),
            },
            Some(_) => bad(format!("{}.{key} must be a number", self.what)),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, Bad> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => bad(format!("{}.{key} must be a boolean", self.what)),
        }
    }

    fn array(&self, key: &str) -> Result<&'a [Value], Bad> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => bad(format!("{}.{key} must be an array", self.what)),
        }
    }

    fn object(&self, key: &str) -> Result<Map<String, Value>, Bad> {
        match self.get(key) {
            None => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(_) => bad(format!("{}.{key} must be an object", self.what)),
        }
    }

    fn strings(&self, key: &str) -> Result<std::collections::BTreeMap<String, String>, Bad> {
        self.object(key)?
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                _ => bad(format!("{}.{key} values must be strings", self.what)),
            })
            .collect()
    }

    fn string_list(&self, key: &str) -> Result<Vec<String>, Bad> {
        self.array(key)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or(())
                    .or_else(|_| bad(format!("{}.{key} must hold strings", self.what)))
            })
            .collect()
    }

    /// A protojson bytes field: base64, or (abi-json extension) the JSON value itself.
    fn bytes(&self, key: &str) -> Result<Vec<u8>, Bad> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => {
                base64_decode(s).ok_or(()).or_else(|_| bad(format!("{}.{key}: bad base64", self.what)))
            }
            Some(v) => Ok(v.to_string().into_bytes()),
        }
    }

    fn time(&self, key: &str) -> Result<Option<SystemTime>, Bad> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.parse::<i64>().is_err() => {
                parse_rfc3339(s).map(Some).ok_or(()).or_else(|_| bad(format!("{}.{key}: not RFC 3339", self.what)))
            }
            Some(_) => Ok(self.int(key)?.map(from_unix_ns)),
        }
    }
}

fn from_unix_ns(ns: i64) -> SystemTime {
    if ns >= 0 {
        UNIX_EPOCH + Duration::from_nanos(ns as u64)
    } else {
        UNIX_EPOCH - Duration::from_nanos(ns.unsigned_abs())
    }
}

/// "2025-01-02T03:04:05.678Z" or with a "+01:00" offset.
fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &s[start..i];
        nanos = format!("{frac:0<9}")[..9].parse().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Days from civil (proleptic Gregorian).
    let (yy, mm_) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm_ + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset;
    // Seconds and nanoseconds, not int64 nanoseconds: SystemTime holds
    // instants beyond 1677-2262, and the binding decides what they become.
    let whole = Duration::from_secs(secs.unsigned_abs());
    let t = if secs >= 0 { UNIX_EPOCH + whole } else { UNIX_EPOCH - whole };
    Some(t + Duration::from_nanos(nanos as u64))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Replaces every {"$bytes": base64} with the string it stands for. A Rust
/// `String` holds only UTF-8, so bytes that are not are unsupported.
fn expand_bytes(v: &mut Value) -> Result<(), Bad> {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("$bytes") => {
            let raw = m["$bytes"].as_str().and_then(base64_decode).ok_or(()).or_else(|_| bad("malformed $bytes"))?;
            match String::from_utf8(raw) {
                Ok(s) => *v = Value::String(s),
                Err(_) => return unsupported("a Rust String cannot hold invalid UTF-8 (the type system rules it out)"),
            }
        }
        Value::Object(m) => m.values_mut().try_for_each(expand_bytes)?,
        Value::Array(a) => a.iter_mut().try_for_each(expand_bytes)?,
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// sigil.v1 protojson -> the crate's model

/// A per-call content capture mode by name; "default" (or absent) defers.
fn content_capture(o: &Obj) -> Result<Option<ContentCaptureMode>, Bad> {
    match o.str("content_capture")?.as_deref() {
        None | Some("default") => Ok(None),
        Some("full") => Ok(Some(ContentCaptureMode::Full)),
        Some("no_tool_content") => Ok(Some(ContentCaptureMode::NoToolContent)),
        Some("metadata_only") => Ok(Some(ContentCaptureMode::MetadataOnly)),
        Some("full_with_metadata_spans") => Ok(Some(ContentCaptureMode::FullWithMetadataSpans)),
        Some(other) => bad(format!("unknown content_capture {other:?}")),
    }
}

fn model_ref(o: &Obj, key: &str) -> Result<ModelRef, Bad> {
    Ok(match obj("model", o.get(key), &["provider", "name"])? {
        Some(m) => ModelRef::new(m.string("provider")?, m.string("name")?),
        None => ModelRef::default(),
    })
}

fn tools(o: &Obj, key: &str) -> Result<Vec<ToolDefinition>, Bad> {
    o.array(key)?
        .iter()
        .map(|t| {
            let t = obj("tool", Some(t), &["name", "description", "type", "input_schema_json", "deferred"])?.unwrap();
            Ok(ToolDefinition {
                name: t.string("name")?,
                description: t.string("description")?,
                tool_type: t.string("type")?,
                input_schema_json: t.bytes("input_schema_json")?,
                deferred: t.bool("deferred")?.unwrap_or(false),
            })
        })
        .collect()
}

fn role(name: &str) -> Result<Role, Bad> {
    match name {
        "MESSAGE_ROLE_USER" | "user" => Ok(Role::User),
        "MESSAGE_ROLE_ASSISTANT" | "assistant" => Ok(Role::Assistant),
        "MESSAGE_ROLE_TOOL" | "tool" => Ok(Role::Tool),
        other => unsupported(format!("sigil::Role has no {other:?}")),
    }
}

fn messages(o: &Obj, key: &str) -> Result<Vec<Message>, Bad> {
    o.array(key)?
        .iter()
        .map(|m| {
            let m = obj("message", Some(m), &["role", "name", "parts"])?.unwrap();
            let parts = m.array("parts")?.iter().map(part).collect::<Result<_, _>>()?;
            Ok(Message { role: role(&m.string("role")?)?, name: m.string("name")?, parts })
        })
        .collect()
}

fn part(p: &Value) -> Result<Part, Bad> {
    let p = obj("part", Some(p), &["text", "thinking", "tool_call", "tool_result", "media", "metadata"])?.unwrap();
    let mut contents = Vec::new();
    if let Some(t) = p.str("text")? {
        contents.push(PartContent::Text(t));
    }
    if let Some(t) = p.str("thinking")? {
        contents.push(PartContent::Thinking(t));
    }
    if let Some(c) = obj("tool_call", p.get("tool_call"), &["id", "name", "input_json"])? {
        contents.push(PartContent::ToolCall(ToolCall {
            id: c.string("id")?,
            name: c.string("name")?,
            input_json: c.bytes("input_json")?,
        }));
    }
    if let Some(r) =
        obj("tool_result", p.get("tool_result"), &["tool_call_id", "name", "content", "content_json", "is_error"])?
    {
        contents.push(PartContent::ToolResult(ToolResult {
            tool_call_id: r.string("tool_call_id")?,
            name: r.string("name")?,
            content: r.string("content")?,
            content_json: r.bytes("content_json")?,
            is_error: r.bool("is_error")?.unwrap_or(false),
        }));
    }
    if let Some(m) = obj("media", p.get("media"), &["kind", "url", "mime_type", "name"])? {
        contents.push(PartContent::Media(Media {
            kind: m.string("kind")?,
            url: m.string("url")?,
            mime_type: m.string("mime_type")?,
            name: m.string("name")?,
        }));
    }
    let metadata = match obj("part.metadata", p.get("metadata"), &["provider_type"])? {
        Some(m) => PartMetadata { provider_type: m.string("provider_type")? },
        None => PartMetadata::default(),
    };
    if contents.len() != 1 {
        return unsupported("sigil::Part holds exactly one payload");
    }
    Ok(Part { content: contents.pop().unwrap(), metadata })
}

fn usage(o: &Obj, key: &str) -> Result<TokenUsage, Bad> {
    let keys = [
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cache_read_input_tokens",
        "cache_write_input_tokens",
        "cache_creation_input_tokens",
        "reasoning_tokens",
    ];
    let Some(u) = obj("usage", o.get(key), &keys)? else { return Ok(TokenUsage::default()) };
    let n = |k| u.int(k).map(|v| v.unwrap_or(0));
    Ok(TokenUsage {
        input_tokens: n("input_tokens")?,
        output_tokens: n("output_tokens")?,
        total_tokens: n("total_tokens")?,
        cache_read_input_tokens: n("cache_read_input_tokens")?,
        cache_write_input_tokens: n("cache_write_input_tokens")?,
        cache_creation_input_tokens: n("cache_creation_input_tokens")?,
        reasoning_tokens: n("reasoning_tokens")?,
    })
}

fn artifacts(o: &Obj, key: &str) -> Result<Vec<Artifact>, Bad> {
    o.array(key)?
        .iter()
        .map(|a| {
            let a =
                obj("artifact", Some(a), &["kind", "name", "content_type", "payload", "record_id", "uri"])?.unwrap();
            let kind = match a.string("kind")?.as_str() {
                "ARTIFACT_KIND_REQUEST" => ArtifactKind::Request,
                "ARTIFACT_KIND_RESPONSE" => ArtifactKind::Response,
                "ARTIFACT_KIND_TOOLS" => ArtifactKind::Tools,
                "ARTIFACT_KIND_PROVIDER_EVENT" => ArtifactKind::ProviderEvent,
                other => return unsupported(format!("sigil::ArtifactKind has no {other:?}")),
            };
            Ok(Artifact {
                kind,
                name: a.string("name")?,
                content_type: a.string("content_type")?,
                payload: a.bytes("payload")?,
                record_id: a.string("record_id")?,
                uri: a.string("uri")?,
            })
        })
        .collect()
}

const GENERATION_KEYS: &[&str] = &[
    "id",
    "conversation_id",
    "conversation_title",
    "user_id",
    "agent_name",
    "agent_version",
    "mode",
    "operation_name",
    "model",
    "response_id",
    "response_model",
    "system_prompt",
    "input",
    "output",
    "tools",
    "max_tokens",
    "temperature",
    "top_p",
    "tool_choice",
    "thinking_enabled",
    "usage",
    "stop_reason",
    "started_at",
    "completed_at",
    "tags",
    "metadata",
    "raw_artifacts",
    "artifacts",
    "call_error",
    "parent_generation_ids",
    "effective_version",
    "trace_id",
    "span_id",
];

fn generation(v: Option<&Value>) -> Result<Generation, Bad> {
    let Some(g) = obj("result", v, GENERATION_KEYS)? else { return bad("\"result\" must be an object") };
    if g.get("trace_id").is_some() || g.get("span_id").is_some() {
        return unsupported("trace and span ids are the engine's output; sigil::Generation has no field for them");
    }
    let mode = match g.str("mode")?.as_deref() {
        None => None,
        Some("GENERATION_MODE_SYNC" | "SYNC") => Some(GenerationMode::Sync),
        Some("GENERATION_MODE_STREAM" | "STREAM") => Some(GenerationMode::Stream),
        Some(other) => return unsupported(format!("sigil::GenerationMode has no {other:?}")),
    };
    let mut artifacts_list = artifacts(&g, "raw_artifacts")?;
    artifacts_list.extend(artifacts(&g, "artifacts")?);
    Ok(Generation {
        id: g.string("id")?,
        conversation_id: g.string("conversation_id")?,
        conversation_title: g.string("conversation_title")?,
        user_id: g.string("user_id")?,
        agent_name: g.string("agent_name")?,
        agent_version: g.string("agent_version")?,
        mode,
        operation_name: g.string("operation_name")?,
        model: model_ref(&g, "model")?,
        response_id: g.string("response_id")?,
        response_model: g.string("response_model")?,
        system_prompt: g.string("system_prompt")?,
        input: messages(&g, "input")?,
        output: messages(&g, "output")?,
        tools: tools(&g, "tools")?,
        max_tokens: g.int("max_tokens")?,
        temperature: g.float("temperature")?,
        top_p: g.float("top_p")?,
        tool_choice: g.str("tool_choice")?,
        thinking_enabled: g.bool("thinking_enabled")?,
        usage: usage(&g, "usage")?,
        stop_reason: g.string("stop_reason")?,
        started_at: g.time("started_at")?,
        completed_at: g.time("completed_at")?,
        tags: g.strings("tags")?,
        metadata: g.object("metadata")?,
        artifacts: artifacts_list,
        call_error: g.string("call_error")?,
        parent_generation_ids: g.string_list("parent_generation_ids")?,
        effective_version: g.string("effective_version")?,
    })
}

// ---------------------------------------------------------------------------
// The driver

enum Recorder {
    Generation(Option<GenerationRecorder>),
    Tool(Option<ToolExecutionRecorder>),
    Embedding(Option<EmbeddingRecorder>),
    Span(SpanRecorder),
}

struct Handle {
    recorder: Recorder,
    /// Read at start: the span ids are fixed then, and a handle must still
    /// answer after it was ended.
    traceparent: Option<String>,
}

#[derive(Default)]
struct Driver {
    client: Option<Client>,
    handles: HashMap<String, Handle>,
    order: Vec<String>,
}

/// A span or event attribute from JSON: integral numbers are ints (as
/// JavaScript sees them), other numbers doubles.
fn attribute(v: Option<&Value>) -> Result<AttributeValue, Bad> {
    Ok(match v {
        Some(Value::String(s)) => AttributeValue::String(s.clone()),
        Some(Value::Bool(b)) => AttributeValue::Bool(*b),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => AttributeValue::Int(i),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => AttributeValue::Int(f as i64),
                Some(f) => AttributeValue::Double(f),
                None => return bad("an attribute number out of range"),
            },
        },
        _ => return bad("an attribute value must be a string, number or bool"),
    })
}

/// The recorder was ended by value already: the protocol's AlreadyEnded.
fn already_ended() -> Op {
    Ok(reply(Err(sigil::Error::AlreadyEnded("the recorder was already ended".into())), Value::Null))
}

/// A provider body as the protocol gives it: a JSON string is the provider's
/// JSON text (passed as is), any other JSON value a `serde_json::Value`.
enum Body<'a> {
    Text(&'a str),
    Value(&'a Value),
}

impl ProviderJson for Body<'_> {
    fn provider_json(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Body::Text(s) => s.provider_json(),
            Body::Value(v) => v.provider_json(),
        }
    }
}

fn provider_body<'a>(v: Option<&'a Value>, key: &str) -> Result<Body<'a>, Bad> {
    match v {
        None | Some(Value::Null) => bad(format!("\"{key}\" is required")),
        Some(Value::String(s)) => Ok(Body::Text(s)),
        Some(v) => Ok(Body::Value(v)),
    }
}

fn provider_args(req: &Map<String, Value>) -> Result<(String, ProviderOptions), Bad> {
    let r = Obj { what: "request", map: req };
    let Some(api) = r.str("api")? else { return bad("\"api\" is required") };
    let options = if r.bool("raw_artifacts")?.unwrap_or(false) {
        ProviderOptions::raw_artifacts()
    } else {
        ProviderOptions::default()
    };
    Ok((api, options))
}

/// A provider call's answer: its caller error, else the mapping problem it reported.
fn mapped(r: MappingResult) -> Result<(), sigil::Error> {
    match r {
        Ok(None) => Ok(()),
        Ok(Some(problem)) => Err(problem),
        Err(e) => Err(e),
    }
}

fn only(req: &Map<String, Value>, allowed: &[&str]) -> Result<(), Bad> {
    match req.keys().find(|k| k.as_str() != "op" && !allowed.contains(&k.as_str())) {
        Some(k) => bad(format!("unknown key {k:?}")),
        None => Ok(()),
    }
}

/// The request's context on top of `base` (a span's context for
/// "parent_span", an extracted one for "headers": see Driver::start_context).
fn context_on(base: Context, req: &Map<String, Value>, allowed: &[&str]) -> Result<Context, Bad> {
    let mut ctx = base;
    if let Some(c) = obj("context", req.get("context"), allowed)? {
        for (key, _) in c.map.iter() {
            if key == "parent_span" || key == "headers" {
                continue;
            }
            let Some(v) = c.str(key)? else { continue };
            ctx = match key.as_str() {
                "conversation_id" => ctx.with_conversation_id(v),
                "conversation_title" => ctx.with_conversation_title(v),
                "user_id" => ctx.with_user_id(v),
                "agent_name" => ctx.with_agent_name(v),
                "agent_version" => ctx.with_agent_version(v),
                "parent_traceparent" => ctx.with_parent_traceparent(v),
                _ => unreachable!("checked by obj()"),
            };
        }
    }
    Ok(ctx)
}

fn timeout(req: &Map<String, Value>, default_ms: i64) -> Result<Duration, Bad> {
    let o = Obj { what: "request", map: req };
    Ok(Duration::from_millis(o.int("timeout_ms")?.unwrap_or(default_ms).max(0) as u64))
}

impl Driver {
    fn client(&self) -> Result<&Client, Bad> {
        self.client.as_ref().ok_or(()).or_else(|_| bad("no client: send client.new first"))
    }

    fn new_handle(&self, req: &Map<String, Value>) -> Result<String, Bad> {
        match req.get("handle") {
            Some(Value::String(h)) if self.handles.contains_key(h) => bad(format!("handle {h:?} already exists")),
            Some(Value::String(h)) => Ok(h.clone()),
            _ => bad("\"handle\" is required"),
        }
    }

    fn add(&mut self, name: String, recorder: Recorder, traceparent: Option<String>) -> Op {
        self.order.push(name.clone());
        self.handles.insert(name, Handle { recorder, traceparent });
        ok() // a start reports nothing: its errors surface at end
    }

    fn handle(&mut self, req: &Map<String, Value>) -> Result<&mut Handle, Bad> {
        let Some(Value::String(name)) = req.get("handle") else { return bad("\"handle\" is required") };
        self.handles.get_mut(name).ok_or(()).or_else(|_| bad(format!("unknown handle {name:?}")))
    }

    fn generation(&mut self, req: &Map<String, Value>) -> Result<&mut Option<GenerationRecorder>, Bad> {
        match &mut self.handle(req)?.recorder {
            Recorder::Generation(r) => Ok(r),
            _ => bad("the handle is a different kind of recorder"),
        }
    }

    fn tool(&mut self, req: &Map<String, Value>) -> Result<&mut Option<ToolExecutionRecorder>, Bad> {
        match &mut self.handle(req)?.recorder {
            Recorder::Tool(r) => Ok(r),
            _ => bad("the handle is a different kind of recorder"),
        }
    }

    fn embedding(&mut self, req: &Map<String, Value>) -> Result<&mut Option<EmbeddingRecorder>, Bad> {
        match &mut self.handle(req)?.recorder {
            Recorder::Embedding(r) => Ok(r),
            _ => bad("the handle is a different kind of recorder"),
        }
    }

    fn span(&mut self, req: &Map<String, Value>) -> Result<&SpanRecorder, Bad> {
        match &self.handle(req)?.recorder {
            Recorder::Span(r) => Ok(r),
            _ => bad("the handle is a different kind of recorder"),
        }
    }

    /// The context a start runs under: the request's "context" keys applied
    /// the way an application applies them, on top of the context of the
    /// span "parent_span" names (what starts inside that span sees), or of
    /// the trace context extracted from "headers".
    fn start_context(&self, req: &Map<String, Value>, allowed: &[&str]) -> Result<Context, Bad> {
        let mut base = Context::new();
        if let Some(c) = obj("context", req.get("context"), allowed)? {
            if let Some(h) = c.str("parent_span")? {
                match self.handles.get(&h).map(|h| &h.recorder) {
                    Some(Recorder::Span(span)) => base = span.context(),
                    _ => return bad(format!("context.parent_span {h:?} is not a span handle")),
                }
            }
            if let Some(headers) = obj("context.headers", c.map.get("headers"), &["traceparent", "tracestate"])? {
                let mut carrier = HashMap::new();
                for k in ["traceparent", "tracestate"] {
                    if let Some(v) = headers.str(k)? {
                        carrier.insert(k.to_string(), v);
                    }
                }
                base = sigil::extract(&carrier);
            }
        }
        context_on(base, req, allowed)
    }

    fn span_start(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["handle", "start", "context"])?;
        let name = self.new_handle(req)?;
        let keys =
            ["kind", "name", "conversation_id", "conversation_title", "agent_name", "agent_version", "content_capture"];
        let s = obj("start", req.get("start"), &keys)?;
        let get = |k: &str| -> Result<String, Bad> { s.as_ref().map_or(Ok(String::new()), |s| s.string(k)) };
        let kind: StepKind = match s.as_ref().map(|s| s.str("kind")).transpose()?.flatten() {
            Some(k) => match k.parse() {
                Ok(k) => k,
                Err(e) => return bad(format!("{e}")),
            },
            None => StepKind::Custom,
        };
        let mut builder = self.client()?.span(kind, get("name")?);
        for (key, set) in [
            ("conversation_id", SpanBuilder::conversation_id as fn(SpanBuilder, String) -> SpanBuilder),
            ("conversation_title", SpanBuilder::conversation_title),
            ("agent_name", SpanBuilder::agent_name),
            ("agent_version", SpanBuilder::agent_version),
        ] {
            let v = get(key)?;
            if !v.is_empty() {
                builder = set(builder, v);
            }
        }
        if let Some(s) = &s {
            if let Some(mode) = content_capture(s)? {
                builder = builder.content_capture(mode);
            }
        }
        let ctx = self.start_context(req, &["parent_span", "headers", "conversation_id", "agent_name"])?;
        let span = builder.parent(&ctx).start_detached();
        let tp = span.traceparent().map(String::from);
        self.add(name, Recorder::Span(span), tp)
    }

    fn run(&mut self, op: &str, req: &Map<String, Value>) -> Op {
        match op {
            "hello" => Ok(reply(
                Ok(()),
                json!({"protocol": PROTOCOL_VERSION, "language": "rust", "library_version": sigil::version()}),
            )),
            "client.new" => self.client_new(req),
            "client.flush" => {
                only(req, &["timeout_ms"])?;
                Ok(reply(self.client()?.flush(timeout(req, 5000)?), Value::Null))
            }
            "client.shutdown" => {
                only(req, &["timeout_ms"])?;
                Ok(reply(self.client()?.shutdown(timeout(req, 5000)?), Value::Null))
            }
            "client.stats" => {
                only(req, &[])?;
                let s = self.client()?.stats();
                Ok(reply(
                    Ok(()),
                    json!({"stats": {
                        "generations_enqueued": s.generations_enqueued, "generations_exported": s.generations_exported,
                        "generations_rejected": s.generations_rejected, "dropped_queue_full": s.dropped_queue_full,
                        "dropped_byte_budget": s.dropped_byte_budget,
                        "dropped_payload_too_large": s.dropped_payload_too_large,
                        "dropped_retry_exhausted": s.dropped_retry_exhausted,
                        "dropped_shutdown_timeout": s.dropped_shutdown_timeout,
                        "validation_failures": s.validation_failures, "export_attempts": s.export_attempts,
                        "export_retries": s.export_retries, "queue_items": s.queue_items, "queue_bytes": s.queue_bytes,
                    }}),
                ))
            }
            "generation.start" => self.generation_start(req),
            "generation.set_result" => {
                only(req, &["handle", "result"])?;
                let g = generation(req.get("result"))?;
                match self.generation(req)? {
                    Some(rec) => Ok(reply(rec.set_result(&g), Value::Null)),
                    None => already_ended(),
                }
            }
            "generation.set_call_error" => {
                let (message, status) = call_error(req)?;
                match self.generation(req)? {
                    Some(rec) if status > 0 => rec.set_call_error_with_status(message, status),
                    Some(rec) => rec.set_call_error(message),
                    None => return already_ended(),
                }
                ok()
            }
            "generation.set_first_token_at" => {
                only(req, &["handle", "unix_ns"])?;
                let at = match (Obj { what: "request", map: req }).int("unix_ns")? {
                    Some(ns) if ns != 0 => from_unix_ns(ns),
                    _ => SystemTime::now(),
                };
                match self.generation(req)? {
                    Some(rec) => rec.set_first_token_at(at),
                    None => return already_ended(),
                }
                ok()
            }
            "generation.end" => {
                only(req, &["handle"])?;
                match self.generation(req)?.take() {
                    Some(rec) => Ok(reply(rec.end(), Value::Null)),
                    None => already_ended(),
                }
            }
            "generation.set_provider_request" | "generation.set_provider_response" => {
                only(req, &["handle", "api", "body", "raw_artifacts"])?;
                let (api, options) = provider_args(req)?;
                let body = provider_body(req.get("body"), "body")?;
                let response = op == "generation.set_provider_response";
                match self.generation(req)? {
                    Some(rec) if response => {
                        Ok(reply(mapped(rec.set_provider_response_with(&api, body, options)), Value::Null))
                    }
                    Some(rec) => Ok(reply(mapped(rec.set_provider_request_with(&api, body, options)), Value::Null)),
                    None => already_ended(),
                }
            }
            "generation.add_provider_events" => {
                only(req, &["handle", "api", "events", "raw_artifacts"])?;
                let (api, options) = provider_args(req)?;
                let Some(Value::Array(events)) = req.get("events") else { return bad("\"events\" must be an array") };
                let bodies =
                    events.iter().map(|e| provider_body(Some(e), "events[]")).collect::<Result<Vec<_>, _>>()?;
                let Some(rec) = self.generation(req)? else { return already_ended() };
                // Every event, in order; the first one's error is the answer (as the C driver).
                let mut first = Ok(());
                for body in bodies {
                    let r = mapped(rec.add_provider_event_with(&api, body, options));
                    if first.is_ok() {
                        first = r;
                    }
                }
                Ok(reply(first, Value::Null))
            }
            "generation.set_mapping_error" => {
                only(req, &["handle", "message"])?;
                let message = (Obj { what: "request", map: req }).string("message")?;
                match self.generation(req)? {
                    Some(rec) => rec.set_mapping_error(message),
                    None => return already_ended(),
                }
                ok()
            }
            "embedding.set_provider_result" => {
                only(req, &["handle", "api", "request", "response"])?;
                let Some(Value::String(api)) = req.get("api") else { return bad("\"api\" must be a string") };
                let request = req.get("request").filter(|v| !v.is_null()).map(|v| provider_body(Some(v), "request"));
                let response = req.get("response").filter(|v| !v.is_null()).map(|v| provider_body(Some(v), "response"));
                let (request, response) = (request.transpose()?, response.transpose()?);
                match self.embedding(req)? {
                    Some(rec) => Ok(reply(
                        mapped(rec.set_provider_result(
                            api,
                            request.as_ref().map(|b| b as &dyn ProviderJson),
                            response.as_ref().map(|b| b as &dyn ProviderJson),
                        )),
                        Value::Null,
                    )),
                    None => already_ended(),
                }
            }
            "tool_execution.start" => self.tool_start(req),
            "tool_execution.set_result" => {
                only(req, &["handle", "arguments", "result", "completed_at_unix_ns"])?;
                let content = |k: &str| req.get(k).filter(|v| !v.is_null()).map(ToolContent::from);
                let completed = (Obj { what: "request", map: req }).int("completed_at_unix_ns")?;
                let end = ToolExecutionEnd {
                    arguments: content("arguments"),
                    result: content("result"),
                    completed_at: completed.filter(|&ns| ns != 0).map(from_unix_ns),
                };
                match self.tool(req)? {
                    Some(rec) => rec.set_result(&end),
                    None => return already_ended(),
                }
                ok()
            }
            "tool_execution.set_error" => {
                let (message, status) = call_error(req)?;
                match self.tool(req)? {
                    Some(rec) if status > 0 => rec.set_exec_error_with_status(message, status),
                    Some(rec) => rec.set_exec_error(message),
                    None => return already_ended(),
                }
                ok()
            }
            "tool_execution.end" => {
                only(req, &["handle"])?;
                match self.tool(req)?.take() {
                    Some(rec) => Ok(reply(rec.end(), Value::Null)),
                    None => already_ended(),
                }
            }
            "embedding.start" => self.embedding_start(req),
            "embedding.set_result" => {
                only(req, &["handle", "result"])?;
                let r = obj(
                    "result",
                    req.get("result"),
                    &["input_count", "input_tokens", "response_model", "dimensions", "input_texts"],
                )?;
                let result = match r {
                    Some(r) => EmbeddingResult {
                        input_count: r.int("input_count")?.unwrap_or(0),
                        input_tokens: r.int("input_tokens")?.unwrap_or(0),
                        response_model: r.string("response_model")?,
                        dimensions: r.int("dimensions")?,
                        input_texts: r.string_list("input_texts")?,
                    },
                    None => EmbeddingResult::default(),
                };
                match self.embedding(req)? {
                    Some(rec) => Ok(reply(rec.set_result(&result), Value::Null)),
                    None => already_ended(),
                }
            }
            "embedding.set_call_error" => {
                let (message, status) = call_error(req)?;
                match self.embedding(req)? {
                    Some(rec) if status > 0 => rec.set_call_error_with_status(message, status),
                    Some(rec) => rec.set_call_error(message),
                    None => return already_ended(),
                }
                ok()
            }
            "embedding.end" => {
                only(req, &["handle"])?;
                match self.embedding(req)?.take() {
                    Some(rec) => Ok(reply(rec.end(), Value::Null)),
                    None => already_ended(),
                }
            }
            "traceparent" => {
                only(req, &["handle"])?;
                Ok(match self.handle(req)?.traceparent.clone() {
                    Some(tp) => reply(Ok(()), json!({"traceparent": tp})),
                    None => reply(
                        Err(sigil::Error::InvalidArgument("the recorder has no span".into())),
                        json!({"traceparent": null}),
                    ),
                })
            }
            "span.start" => self.span_start(req),
            "span.set_attribute" => {
                only(req, &["handle", "key", "value", "content"])?;
                let o = Obj { what: "request", map: req };
                let key = o.string("key")?;
                let content = o.bool("content")?.unwrap_or(false);
                let value = attribute(req.get("value"))?;
                let span = self.span(req)?;
                if content {
                    span.set_content_attribute(&key, value);
                } else {
                    span.set_attribute(&key, value);
                }
                ok()
            }
            "span.add_event" => {
                only(req, &["handle", "name", "attributes", "content"])?;
                let o = Obj { what: "request", map: req };
                let name = o.string("name")?;
                let content = o.bool("content")?.unwrap_or(false);
                let attrs = match req.get("attributes") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Object(m)) => {
                        m.iter().map(|(k, v)| Ok((k.clone(), attribute(Some(v))?))).collect::<Result<Vec<_>, Bad>>()?
                    }
                    Some(_) => return bad("\"attributes\" must be an object"),
                };
                let span = self.span(req)?;
                if content {
                    span.add_content_event(&name, attrs);
                } else {
                    span.add_event(&name, attrs);
                }
                ok()
            }
            "span.set_input" | "span.set_output" => {
                only(req, &["handle", "value"])?;
                let Some(value) = req.get("value") else { return bad("\"value\" is required") };
                let span = self.span(req)?;
                if op == "span.set_input" {
                    span.set_input(value);
                } else {
                    span.set_output(value);
                }
                ok()
            }
            "span.set_error" => {
                only(req, &["handle", "type", "message"])?;
                let o = Obj { what: "request", map: req };
                let (t, message) = (o.string("type")?, o.string("message")?);
                self.span(req)?.set_error_type(&t, &message);
                ok()
            }
            "span.end" => {
                only(req, &["handle"])?;
                Ok(reply(self.span(req)?.end(), Value::Null))
            }
            "rating.submit" => self.rating_submit(req),
            other => unsupported(format!("unknown op {other:?}")),
        }
    }

    fn client_new(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["config"])?;
        if self.client.is_some() {
            return bad("client.new: the driver already has a client");
        }
        let keys = [
            "protocol",
            "endpoint",
            "api_endpoint",
            "otlp_endpoint",
            "headers",
            "tags",
            "agent_name",
            "agent_version",
            "user_id",
            "batch_size",
            "flush_interval_ms",
            "queue_size",
            "max_retries",
            "payload_max_bytes",
        ];
        let config = match obj("config", req.get("config"), &keys)? {
            None => Config::default(), // environment and defaults only
            Some(c) => {
                let mut b = Config::builder();
                b = match c.str("protocol")?.as_deref() {
                    None => b,
                    Some("grpc") => b.protocol(Protocol::Grpc),
                    Some("http") => b.protocol(Protocol::Http),
                    Some("none") => b.protocol(Protocol::None),
                    Some(other) => return bad(format!("unknown protocol {other:?}")),
                };
                if let Some(v) = c.str("endpoint")? {
                    b = b.endpoint(v);
                }
                if let Some(v) = c.str("api_endpoint")? {
                    b = b.api_endpoint(v);
                }
                if let Some(v) = c.str("otlp_endpoint")? {
                    b = b.otlp_endpoint(v);
                }
                if let Some(v) = c.str("agent_name")? {
                    b = b.agent_name(v);
                }
                if let Some(v) = c.str("agent_version")? {
                    b = b.agent_version(v);
                }
                if let Some(v) = c.str("user_id")? {
                    b = b.user_id(v);
                }
                for (k, v) in c.strings("headers")? {
                    b = b.header(k, v);
                }
                for (k, v) in c.strings("tags")? {
                    b = b.tag(k, v);
                }
                let u32_of = |k: &str| -> Result<Option<u32>, Bad> {
                    c.int(k)?.map(u32::try_from).transpose().or_else(|_| bad(format!("config.{k} is out of range")))
                };
                if let Some(n) = u32_of("batch_size")? {
                    b = b.batch_size(n);
                }
                if let Some(n) = c.int("flush_interval_ms")? {
                    b = b.flush_interval(Duration::from_millis(n.max(0) as u64));
                }
                if let Some(n) = u32_of("queue_size")? {
                    b = b.queue_size(n);
                }
                if let Some(n) = u32_of("max_retries")? {
                    b = b.max_retries(n); // 0 disables retries
                }
                if let Some(n) = c.int("payload_max_bytes")? {
                    b = b.payload_max_bytes(n.max(0) as u64);
                }
                b.build()
            }
        };
        match Client::new(config) {
            Ok(client) => {
                self.client = Some(client);
                ok()
            }
            Err(e) => Ok(reply(Err(e), Value::Null)),
        }
    }

    fn generation_start(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["handle", "mode", "start", "context"])?;
        let name = self.new_handle(req)?;
        let streaming = match req.get("mode").and_then(Value::as_str) {
            None | Some("sync") => false,
            Some("stream") => true,
            Some(other) => return bad(format!("unknown mode {other:?}")),
        };
        let keys = [
            "id",
            "conversation_id",
            "conversation_title",
            "user_id",
            "agent_name",
            "agent_version",
            "operation_name",
            "model",
            "system_prompt",
            "max_tokens",
            "temperature",
            "top_p",
            "tool_choice",
            "thinking_enabled",
            "tools",
            "tags",
            "metadata",
            "content_capture",
        ];
        let start = match obj("start", req.get("start"), &keys)? {
            None => GenerationStart::default(),
            Some(s) => GenerationStart {
                id: s.string("id")?,
                conversation_id: s.string("conversation_id")?,
                conversation_title: s.string("conversation_title")?,
                user_id: s.string("user_id")?,
                agent_name: s.string("agent_name")?,
                agent_version: s.string("agent_version")?,
                operation_name: s.string("operation_name")?,
                model: model_ref(&s, "model")?,
                system_prompt: s.string("system_prompt")?,
                max_tokens: s.int("max_tokens")?,
                temperature: s.float("temperature")?,
                top_p: s.float("top_p")?,
                tool_choice: s.str("tool_choice")?,
                thinking_enabled: s.bool("thinking_enabled")?,
                tools: tools(&s, "tools")?,
                tags: s.strings("tags")?,
                metadata: s.object("metadata")?,
                content_capture: content_capture(&s)?,
                ..Default::default()
            },
        };
        let ctx = self.start_context(
            req,
            &[
                "parent_span",
                "conversation_id",
                "conversation_title",
                "user_id",
                "agent_name",
                "agent_version",
                "parent_traceparent",
            ],
        )?;
        let client = self.client()?;
        let rec = ctx.in_scope(|| {
            if streaming {
                client.start_streaming_generation(&start)
            } else {
                client.start_generation(&start)
            }
        });
        let tp = rec.traceparent();
        self.add(name, Recorder::Generation(Some(rec)), tp)
    }

    fn tool_start(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["handle", "start", "context"])?;
        let name = self.new_handle(req)?;
        let keys = [
            "tool_name",
            "tool_call_id",
            "tool_type",
            "tool_description",
            "conversation_id",
            "conversation_title",
            "agent_name",
            "agent_version",
            "request_model",
            "request_provider",
            "include_content",
            "content_capture",
        ];
        let start = match obj("start", req.get("start"), &keys)? {
            None => ToolExecutionStart::default(),
            Some(s) => ToolExecutionStart {
                tool_name: s.string("tool_name")?,
                tool_call_id: s.string("tool_call_id")?,
                tool_type: s.string("tool_type")?,
                tool_description: s.string("tool_description")?,
                conversation_id: s.string("conversation_id")?,
                conversation_title: s.string("conversation_title")?,
                agent_name: s.string("agent_name")?,
                agent_version: s.string("agent_version")?,
                request_model: s.string("request_model")?,
                request_provider: s.string("request_provider")?,
                include_content: s.bool("include_content")?.unwrap_or(false),
                content_capture: content_capture(&s)?,
                ..Default::default()
            },
        };
        let ctx = self.start_context(
            req,
            &[
                "parent_span",
                "conversation_id",
                "conversation_title",
                "agent_name",
                "agent_version",
                "parent_traceparent",
            ],
        )?;
        let client = self.client()?;
        let rec = ctx.in_scope(|| client.start_tool_execution(&start));
        let tp = rec.traceparent();
        self.add(name, Recorder::Tool(Some(rec)), tp)
    }

    fn embedding_start(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["handle", "start", "context"])?;
        let name = self.new_handle(req)?;
        let keys = ["model", "agent_name", "agent_version", "dimensions", "encoding_format", "content_capture"];
        let start = match obj("start", req.get("start"), &keys)? {
            None => EmbeddingStart::default(),
            Some(s) => EmbeddingStart {
                model: model_ref(&s, "model")?,
                agent_name: s.string("agent_name")?,
                agent_version: s.string("agent_version")?,
                dimensions: s.int("dimensions")?,
                encoding_format: s.string("encoding_format")?,
                content_capture: content_capture(&s)?,
                ..Default::default()
            },
        };
        let ctx = context_on(Context::new(), req, &["agent_name", "agent_version", "parent_traceparent"])?;
        let client = self.client()?;
        let rec = ctx.in_scope(|| client.start_embedding(&start));
        let tp = rec.traceparent();
        self.add(name, Recorder::Embedding(Some(rec)), tp)
    }

    fn rating_submit(&mut self, req: &Map<String, Value>) -> Op {
        only(req, &["input", "timeout_ms"])?;
        let keys =
            ["conversation_id", "rating_id", "rating", "comment", "metadata", "generation_id", "rater_id", "source"];
        let empty = Map::new();
        let i = obj("input", req.get("input"), &keys)?.unwrap_or(Obj { what: "input", map: &empty });
        let rating = match i.str("rating")?.as_deref() {
            None | Some("CONVERSATION_RATING_VALUE_UNSPECIFIED") => ConversationRatingValue::Unspecified,
            Some("CONVERSATION_RATING_VALUE_GOOD") => ConversationRatingValue::Good,
            Some("CONVERSATION_RATING_VALUE_BAD") => ConversationRatingValue::Bad,
            Some(other) => return bad(format!("unknown rating value {other:?}")),
        };
        let input = ConversationRatingInput {
            rating_id: i.string("rating_id")?,
            rating,
            comment: i.string("comment")?,
            metadata: i.object("metadata")?,
            generation_id: i.string("generation_id")?,
            rater_id: i.string("rater_id")?,
            source: i.string("source")?,
        };
        let conversation_id = i.string("conversation_id")?;
        let client = self.client()?;
        let result = match (Obj { what: "request", map: req }).int("timeout_ms")? {
            Some(ms) if ms > 0 => client.submit_conversation_rating_with_timeout(
                &conversation_id,
                &input,
                Duration::from_millis(ms as u64),
            ),
            _ => client.submit_conversation_rating(&conversation_id, &input),
        };
        Ok(match result {
            Ok(r) => reply(Ok(()), json!({"response": rating_response(&r)})),
            Err(e) => reply(Err(e), json!({"response": null})),
        })
    }

    /// End of input: drop every recorder (ending it), then the client
    /// (the last owner: shut down within 5 s, then freed).
    fn close(&mut self) {
        for name in std::mem::take(&mut self.order) {
            self.handles.remove(&name);
        }
        if let Some(client) = self.client.take() {
            if let Err(e) = client.shutdown(Duration::from_secs(5)) {
                eprintln!("shutdown: {e}");
            }
        }
    }
}

fn call_error(req: &Map<String, Value>) -> Result<(String, u16), Bad> {
    only(req, &["handle", "message", "http_status"])?;
    let o = Obj { what: "request", map: req };
    let status = o.int("http_status")?.unwrap_or(0);
    let status = u16::try_from(status).or_else(|_| bad("http_status is out of range"))?;
    Ok((o.string("message")?, status))
}

fn rating_response(r: &SubmitConversationRatingResponse) -> Value {
    let (rt, s) = (&r.rating, &r.summary);
    json!({
        "rating": {
            "rating_id": rt.rating_id, "conversation_id": rt.conversation_id, "rating": rt.rating.as_str(),
            "comment": rt.comment, "metadata": rt.metadata, "generation_id": rt.generation_id,
            "rater_id": rt.rater_id, "source": rt.source, "created_at": rt.created_at,
        },
        "summary": {
            "total_count": s.total_count, "good_count": s.good_count, "bad_count": s.bad_count,
            "latest_rating": s.latest_rating.as_str(), "has_bad_rating": s.has_bad_rating,
        },
    })
}

fn handle_line(driver: &mut Driver, line: &str) -> Value {
    let failure = |message: String, unsupported: bool| {
        let mut r = json!({"ok": false, "error": null, "message": message});
        if unsupported {
            r["unsupported"] = json!(true);
        }
        r
    };
    let mut req: Value = match serde_json::from_str(line) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return failure("request is not a JSON object".into(), false),
        Err(e) => return failure(format!("request is not JSON: {e}"), false),
    };
    let result = expand_bytes(&mut req).and_then(|()| {
        let map = req.as_object().unwrap();
        let op = map.get("op").and_then(Value::as_str).unwrap_or("").to_string();
        // A driver bug must answer, not kill the run.
        catch_unwind(AssertUnwindSafe(|| driver.run(&op, map)))
            .unwrap_or_else(|p| bad(format!("driver panic: {}", panic_text(&p))))
    });
    match result {
        Ok(r) => r,
        Err(Bad::Request(m)) => failure(m, false),
        Err(Bad::Unsupported(m)) => failure(m, true),
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default()
}

fn main() {
    let mut driver = Driver::default();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let r = handle_line(&mut driver, &line);
        if writeln!(stdout, "{r}").and_then(|()| stdout.flush()).is_err() {
            break;
        }
    }
    driver.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        let t = parse_rfc3339("2025-01-02T03:04:05.5+01:00").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_nanos(), 1_735_783_445_500_000_000);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(parse_rfc3339("nope"), None);
    }

    #[test]
    fn bytes_markers() {
        let mut v = json!({"a": [{"$bytes": "SGk="}]});
        assert!(expand_bytes(&mut v).is_ok());
        assert_eq!(v, json!({"a": ["Hi"]}));
        assert!(matches!(expand_bytes(&mut json!({"$bytes": "7aCA"})), Err(Bad::Unsupported(_))));
    }
}
