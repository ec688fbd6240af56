//! The sigil.v1 protojson writer (docs/abi-json.md): appends to a reused
//! buffer, field by field, without intermediate values. Zero values are left
//! out (the start's values or the engine's defaults apply). Bytes fields are
//! written as base64, the protojson form, so they arrive byte for byte.

use std::io::Write;
use std::time::SystemTime;

use serde_json::Value;

use crate::ffi::unix_ns;
use crate::model::*;

/// Appends `,` unless the enclosing object or array is still empty.
fn sep(b: &mut Vec<u8>) {
    if let Some(&last) = b.last() {
        if last != b'{' && last != b'[' && last != b':' {
            b.push(b',');
        }
    }
}

fn key(b: &mut Vec<u8>, k: &str) {
    sep(b);
    b.push(b'"');
    b.extend_from_slice(k.as_bytes());
    b.extend_from_slice(b"\":");
}

/// Whether any of the 8 bytes of `w` is below 0x20, '"' or '\\' (exact as a
/// whole-word test: borrows only start at a byte that matches).
#[inline]
fn needs_escape(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(LO) & !v & HI;
    (w.wrapping_sub(0x20 * LO) & !w & HI) | zero_byte(w ^ (b'"' as u64 * LO)) | zero_byte(w ^ (b'\\' as u64 * LO)) != 0
}

/// A JSON string: escapes quotes, backslashes and control characters.
pub(crate) fn string(b: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    b.reserve(s.len() + 2);
    b.push(b'"');
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        // Eight bytes at a time while nothing needs escaping.
        if let Some(chunk) = bytes.get(i..i + 8) {
            if !needs_escape(u64::from_le_bytes(chunk.try_into().unwrap())) {
                i += 8;
                continue;
            }
        }
        let c = bytes[i];
        i += 1;
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        b.extend_from_slice(&bytes[start..i - 1]);
        match c {
            b'"' => b.extend_from_slice(b"\\\""),
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'\n' => b.extend_from_slice(b"\\n"),
            b'\r' => b.extend_from_slice(b"\\r"),
            b'\t' => b.extend_from_slice(b"\\t"),
            _ => b.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]),
        }
        start = i;
    }
    b.extend_from_slice(&bytes[start..]);
    b.push(b'"');
}

fn str_field(b: &mut Vec<u8>, k: &str, v: &str) {
    if !v.is_empty() {
        key(b, k);
        string(b, v);
    }
}

fn int(b: &mut Vec<u8>, v: i64) {
    let _ = write!(b, "{v}");
}

fn int_field(b: &mut Vec<u8>, k: &str, v: i64) {
    if v != 0 {
        key(b, k);
        int(b, v);
    }
}

/// A double as protojson writes it: a number, or "NaN" / "Infinity" / "-Infinity".
fn float(b: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        b.extend_from_slice(b"\"NaN\"");
    } else if f.is_infinite() {
        b.extend_from_slice(if f > 0.0 { b"\"Infinity\"" } else { b"\"-Infinity\"" });
    } else {
        let _ = serde_json::to_writer(&mut *b, &f);
    }
}

fn bool_field(b: &mut Vec<u8>, k: &str, v: bool) {
    key(b, k);
    b.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Standard base64 with padding (protojson's bytes encoding).
fn base64(b: &mut Vec<u8>, data: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    b.reserve(data.len().div_ceil(3) * 4 + 2);
    b.push(b'"');
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        b.extend_from_slice(&[
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            ALPHABET[(n >> 6) as usize & 63],
            ALPHABET[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [x] => {
            let n = (x as u32) << 16;
            b.extend_from_slice(&[ALPHABET[(n >> 18) as usize & 63], ALPHABET[(n >> 12) as usize & 63], b'=', b'=']);
        }
        [x, y] => {
            let n = (x as u32) << 16 | (y as u32) << 8;
            b.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                ALPHABET[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
    b.push(b'"');
}

fn bytes_field(b: &mut Vec<u8>, k: &str, v: &[u8]) {
    if !v.is_empty() {
        key(b, k);
        base64(b, v);
    }
}

fn time_field(b: &mut Vec<u8>, k: &str, t: Option<SystemTime>) {
    if let Some(t) = t {
        key(b, k); // Unix nanoseconds (an abi-json extension)
        int(b, unix_ns(t));
    }
}

pub(crate) fn tags(b: &mut Vec<u8>, tags: &Tags) {
    b.push(b'{');
    for (k, v) in tags {
        sep(b);
        string(b, k);
        b.push(b':');
        string(b, v);
    }
    b.push(b'}');
}

pub(crate) fn metadata(b: &mut Vec<u8>, md: &Metadata) {
    b.push(b'{');
    for (k, v) in md {
        sep(b);
        string(b, k);
        b.push(b':');
        json(b, v);
    }
    b.push(b'}');
}

/// Any JSON value, compact (serde_json cannot fail on a `Value` into a Vec).
pub(crate) fn json(b: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(&mut *b, v);
}

pub(crate) fn tools(b: &mut Vec<u8>, tools: &[ToolDefinition]) {
    b.push(b'[');
    for t in tools {
        sep(b);
        b.push(b'{');
        str_field(b, "name", &t.name);
        str_field(b, "description", &t.description);
        str_field(b, "type", &t.tool_type);
        bytes_field(b, "input_schema_json", &t.input_schema_json);
        if t.deferred {
            bool_field(b, "deferred", true);
        }
        b.push(b'}');
    }
    b.push(b']');
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::User => "MESSAGE_ROLE_USER",
        Role::Assistant => "MESSAGE_ROLE_ASSISTANT",
        Role::Tool => "MESSAGE_ROLE_TOOL",
    }
}

fn messages(b: &mut Vec<u8>, msgs: &[Message]) {
    b.push(b'[');
    for m in msgs {
        sep(b);
        b.push(b'{');
        key(b, "role");
        string(b, role_name(m.role));
        str_field(b, "name", &m.name);
        key(b, "parts");
        b.push(b'[');
        for p in &m.parts {
            sep(b);
            part(b, p);
        }
        b.extend_from_slice(b"]}");
    }
    b.push(b']');
}

fn part(b: &mut Vec<u8>, p: &Part) {
    b.push(b'{');
    match &p.content {
        // The payload the part holds is always written, also when empty, so
        // that validation can name it.
        PartContent::Text(t) => {
            key(b, "text");
            string(b, t);
        }
        PartContent::Thinking(t) => {
            key(b, "thinking");
            string(b, t);
        }
        PartContent::ToolCall(c) => {
            key(b, "tool_call");
            b.push(b'{');
            str_field(b, "id", &c.id);
            str_field(b, "name", &c.name);
            bytes_field(b, "input_json", &c.input_json);
            b.push(b'}');
        }
        PartContent::ToolResult(r) => {
            key(b, "tool_result");
            b.push(b'{');
            str_field(b, "tool_call_id", &r.tool_call_id);
            str_field(b, "name", &r.name);
            str_field(b, "content", &r.content);
            bytes_field(b, "content_json", &r.content_json);
            if r.is_error {
                bool_field(b, "is_error", true);
            }
            b.push(b'}');
        }
        PartContent::Media(m) => {
            key(b, "media");
            b.push(b'{');
            str_field(b, "kind", &m.kind);
            str_field(b, "url", &m.url);
            str_field(b, "mime_type", &m.mime_type);
            str_field(b, "name", &m.name);
            b.push(b'}');
        }
    }
    if !p.metadata.provider_type.is_empty() {
        key(b, "metadata");
        b.push(b'{');
        str_field(b, "provider_type", &p.metadata.provider_type);
        b.push(b'}');
    }
    b.push(b'}');
}

fn artifact_kind(k: ArtifactKind) -> &'static str {
    match k {
        ArtifactKind::Request => "ARTIFACT_KIND_REQUEST",
        ArtifactKind::Response => "ARTIFACT_KIND_RESPONSE",
        ArtifactKind::Tools => "ARTIFACT_KIND_TOOLS",
        ArtifactKind::ProviderEvent => "ARTIFACT_KIND_PROVIDER_EVENT",
    }
}

/// A `sigil.v1` Generation document.
pub(crate) fn generation(b: &mut Vec<u8>, g: &Generation) {
    b.push(b'{');
    str_field(b, "id", &g.id);
    str_field(b, "conversation_id", &g.conversation_id);
    str_field(b, "conversation_title", &g.conversation_title);
    str_field(b, "user_id", &g.user_id);
    str_field(b, "agent_name", &g.agent_name);
    str_field(b, "agent_version", &g.agent_version);
    if let Some(mode) = g.mode {
        key(b, "mode");
        string(
            b,
            match mode {
                GenerationMode::Sync => "GENERATION_MODE_SYNC",
                GenerationMode::Stream => "GENERATION_MODE_STREAM",
            },
        );
    }
    str_field(b, "operation_name", &g.operation_name);
    if !g.model.is_empty() {
        key(b, "model");
        b.push(b'{');
        str_field(b, "provider", &g.model.provider);
        str_field(b, "name", &g.model.name);
        b.push(b'}');
    }
    str_field(b, "response_id", &g.response_id);
    str_field(b, "response_model", &g.response_model);
    str_field(b, "system_prompt", &g.system_prompt);
    if !g.input.is_empty() {
        key(b, "input");
        messages(b, &g.input);
    }
    if !g.output.is_empty() {
        key(b, "output");
        messages(b, &g.output);
    }
    if !g.tools.is_empty() {
        key(b, "tools");
        tools(b, &g.tools);
    }
    if let Some(n) = g.max_tokens {
        key(b, "max_tokens");
        int(b, n);
    }
    if let Some(f) = g.temperature {
        key(b, "temperature");
        float(b, f);
    }
    if let Some(f) = g.top_p {
        key(b, "top_p");
        float(b, f);
    }
    if let Some(c) = &g.tool_choice {
        key(b, "tool_choice");
        string(b, c);
    }
    if let Some(t) = g.thinking_enabled {
        bool_field(b, "thinking_enabled", t);
    }
    if !g.usage.is_zero() {
        let u = &g.usage;
        key(b, "usage");
        b.push(b'{');
        int_field(b, "input_tokens", u.input_tokens);
        int_field(b, "output_tokens", u.output_tokens);
        int_field(b, "total_tokens", u.total_tokens);
        int_field(b, "cache_read_input_tokens", u.cache_read_input_tokens);
        int_field(b, "cache_write_input_tokens", u.cache_write_input_tokens);
        int_field(b, "cache_creation_input_tokens", u.cache_creation_input_tokens);
        int_field(b, "reasoning_tokens", u.reasoning_tokens);
        b.push(b'}');
    }
    str_field(b, "stop_reason", &g.stop_reason);
    time_field(b, "started_at", g.started_at);
    time_field(b, "completed_at", g.completed_at);
    if !g.tags.is_empty() {
        key(b, "tags");
        tags(b, &g.tags);
    }
    if !g.metadata.is_empty() {
        key(b, "metadata");
        metadata(b, &g.metadata);
    }
    if !g.artifacts.is_empty() {
        key(b, "raw_artifacts");
        b.push(b'[');
        for a in &g.artifacts {
            sep(b);
            b.push(b'{');
            key(b, "kind");
            string(b, artifact_kind(a.kind));
            str_field(b, "name", &a.name);
            str_field(b, "content_type", &a.content_type);
            bytes_field(b, "payload", &a.payload);
            str_field(b, "record_id", &a.record_id);
            str_field(b, "uri", &a.uri);
            b.push(b'}');
        }
        b.push(b']');
    }
    str_field(b, "call_error", &g.call_error);
    if !g.parent_generation_ids.is_empty() {
        key(b, "parent_generation_ids");
        b.push(b'[');
        for id in &g.parent_generation_ids {
            sep(b);
            string(b, id);
        }
        b.push(b']');
    }
    str_field(b, "effective_version", &g.effective_version);
    b.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(g: &Generation) -> Value {
        let mut b = Vec::new();
        generation(&mut b, g);
        serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&b)))
    }

    #[test]
    fn an_empty_generation_is_an_empty_object() {
        assert_eq!(doc(&Generation::default()), json!({}));
    }

    #[test]
    fn strings_are_escaped() {
        let mut b = Vec::new();
        string(&mut b, "a\"b\\c\nd\u{1}é👋");
        assert_eq!(std::str::from_utf8(&b).unwrap(), r#""a\"b\\c\nd\u0001é👋""#);
        assert_eq!(serde_json::from_slice::<String>(&b).unwrap(), "a\"b\\c\nd\u{1}é👋");
    }

    #[test]
    fn escaping_finds_every_special_byte_at_every_position() {
        for special in [0u8, 1, 0x1f, b'"', b'\\', b'\n'] {
            for len in 0..20 {
                for pos in 0..len {
                    let mut raw = vec![b'a'; len];
                    raw[pos] = special;
                    raw.extend_from_slice("é ~\u{7f}".as_bytes());
                    let s = String::from_utf8(raw).unwrap();
                    let mut b = Vec::new();
                    string(&mut b, &s);
                    assert_eq!(serde_json::from_slice::<String>(&b).unwrap(), s, "{special} at {pos} of {len}");
                    assert_eq!(b.iter().filter(|&&c| c < 0x20).count(), 0);
                }
            }
        }
    }

    #[test]
    fn base64_matches_the_reference_vectors() {
        for (raw, enc) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            let mut b = Vec::new();
            base64(&mut b, raw.as_bytes());
            assert_eq!(String::from_utf8(b).unwrap(), format!("\"{enc}\""));
        }
    }

    #[test]
    fn every_field_is_written_in_the_protojson_shape() {
        let g = Generation {
            id: "g1".into(),
            conversation_id: "c1".into(),
            conversation_title: "t".into(),
            user_id: "u".into(),
            agent_name: "a".into(),
            agent_version: "1".into(),
            mode: Some(GenerationMode::Stream),
            operation_name: "op".into(),
            model: ModelRef::new("openai", "gpt-4o"),
            response_id: "r".into(),
            response_model: "rm".into(),
            system_prompt: "sp".into(),
            input: vec![Message::user_text("hi")],
            output: vec![Message::new(
                Role::Assistant,
                vec![
                    Part::thinking("hmm").with_provider_type("reasoning"),
                    Part::tool_call(ToolCall::new("c1", "weather", &json!({"city": "Paris"}))),
                    Part::media(Media { kind: "image".into(), url: "u".into(), ..Default::default() }),
                ],
            )],
            tools: vec![ToolDefinition {
                deferred: true,
                ..ToolDefinition::function("w", "d", &json!({"type": "object"}))
            }],
            max_tokens: Some(10),
            temperature: Some(0.5),
            top_p: Some(f64::NAN),
            tool_choice: Some(String::new()),
            thinking_enabled: Some(false),
            usage: TokenUsage { input_tokens: 3, reasoning_tokens: 1, ..Default::default() },
            stop_reason: "stop".into(),
            started_at: Some(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(5)),
            completed_at: None,
            tags: [("k".to_string(), "v".to_string())].into(),
            metadata: json!({"n": 1, "o": {"x": [true, null]}}).as_object().unwrap().clone(),
            artifacts: vec![Artifact::json(ArtifactKind::Request, "req", &json!({"a": 1}))],
            call_error: "boom".into(),
            parent_generation_ids: vec!["p1".into()],
            effective_version: "sha256:00".into(),
        };
        assert_eq!(
            doc(&g),
            json!({
                "id": "g1", "conversation_id": "c1", "conversation_title": "t", "user_id": "u",
                "agent_name": "a", "agent_version": "1", "mode": "GENERATION_MODE_STREAM", "operation_name": "op",
                "model": {"provider": "openai", "name": "gpt-4o"}, "response_id": "r", "response_model": "rm",
                "system_prompt": "sp",
                "input": [{"role": "MESSAGE_ROLE_USER", "parts": [{"text": "hi"}]}],
                "output": [{"role": "MESSAGE_ROLE_ASSISTANT", "parts": [
                    {"thinking": "hmm", "metadata": {"provider_type": "reasoning"}},
                    {"tool_call": {"id": "c1", "name": "weather", "input_json": "eyJjaXR5IjoiUGFyaXMifQ=="}},
                    {"media": {"kind": "image", "url": "u"}}
                ]}],
                "tools": [{"name": "w", "description": "d", "type": "function",
                           "input_schema_json": "eyJ0eXBlIjoib2JqZWN0In0=", "deferred": true}],
                "max_tokens": 10, "temperature": 0.5, "top_p": "NaN", "tool_choice": "", "thinking_enabled": false,
                "usage": {"input_tokens": 3, "reasoning_tokens": 1},
                "stop_reason": "stop", "started_at": 5,
                "tags": {"k": "v"}, "metadata": {"n": 1, "o": {"x": [true, null]}},
                "raw_artifacts": [{"kind": "ARTIFACT_KIND_REQUEST", "name": "req", "content_type": "application/json",
                                   "payload": "eyJhIjoxfQ=="}],
                "call_error": "boom", "parent_generation_ids": ["p1"], "effective_version": "sha256:00"
            })
        );
    }

    #[test]
    fn an_empty_part_payload_is_still_written() {
        let g = Generation { input: vec![Message::new(Role::User, vec![Part::text("")])], ..Default::default() };
        assert_eq!(doc(&g)["input"][0]["parts"][0], json!({"text": ""}));
    }
}
