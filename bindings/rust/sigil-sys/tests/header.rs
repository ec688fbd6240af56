//! Checks `src/lib.rs` against `include/sigil/sigil.h`, so that the hand-written
//! declarations cannot drift from the specification:
//!
//! - every `SIGIL_API` function is declared in the `extern "C"` block with the
//!   same parameter and return types, and nothing else is declared there;
//! - the callback typedefs have the same signatures;
//! - every struct has the same fields, in order, with the same types, and a C
//!   compiler agrees with rustc on each field's offset and size and on each
//!   struct's size and alignment;
//! - every numeric `#define` has a Rust constant with the value the C
//!   compiler sees.
//!
//! Types are compared by translating the C declaration into the Rust type it
//! must have (`const char *` -> `*const c_char`, ...).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CStr;
use std::mem::{align_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use sigil_sys::*;

const RUST_SOURCE: &str = include_str!("../src/lib.rs");

fn include_dirs() -> Vec<PathBuf> {
    std::env::split_paths(env!("SIGIL_SYS_INCLUDES")).collect()
}

fn find_include(rel: &str) -> PathBuf {
    include_dirs()
        .into_iter()
        .map(|d| d.join(rel))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{rel} not found in {}", env!("SIGIL_SYS_INCLUDES")))
}

fn header_text() -> String {
    strip_c_comments(&std::fs::read_to_string(find_include("sigil/sigil.h")).unwrap())
}

fn strip_c_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.map_or(true, |l| b < l) => {
                out.push_str(&rest[..b]);
                let end = rest[b + 2..].find("*/").expect("unterminated comment") + b + 4;
                out.push(' ');
                rest = &rest[end..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = &rest[l..];
                rest = &rest[rest.find('\n').unwrap_or(rest.len())..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

fn strip_rust_comments(s: &str) -> String {
    s.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// C declarations -> the Rust types they must have

fn rust_base(c: &str) -> String {
    match c {
        "char" => "c_char",
        "int" => "c_int",
        "void" => "c_void",
        "uint32_t" => "u32",
        "int32_t" => "i32",
        "uint64_t" => "u64",
        "int64_t" => "i64",
        "size_t" => "usize",
        "double" => "f64",
        other => other,
    }
    .to_string()
}

/// A C declaration ("const char *const *name", "uint32_t", "char id[17]")
/// as (name, Rust type). `named` says whether the declaration has a name.
fn c_decl(decl: &str, named: bool) -> (String, String) {
    let decl = decl.replace('*', " * ");
    let mut tokens: Vec<&str> = decl.split_whitespace().collect();
    let mut array = None;
    let mut name = String::new();
    if named {
        let last = tokens.pop().expect("declaration name");
        let (n, arr) = match last.split_once('[') {
            Some((n, a)) => (n, Some(a.trim_end_matches(']').to_string())),
            None => (last, None),
        };
        name = n.to_string();
        array = arr;
    }
    let mut base_const = false;
    let mut base = None;
    let mut pointer_is_const = Vec::new(); // "*" and "*const", innermost first
    for t in tokens {
        match t {
            "const" if pointer_is_const.is_empty() => base_const = true,
            "const" => *pointer_is_const.last_mut().unwrap() = true,
            "*" => pointer_is_const.push(false),
            word => {
                assert!(base.is_none(), "unexpected token {word:?} in {decl:?}");
                base = Some(word.to_string());
            }
        }
    }
    // A Rust raw pointer's mutability is its pointee's constness.
    let mut ty = rust_base(&base.expect("base type"));
    let mut pointee_const = base_const;
    for is_const in pointer_is_const {
        ty = format!("*{} {}", if pointee_const { "const" } else { "mut" }, ty);
        pointee_const = is_const;
    }
    if let Some(n) = array {
        ty = format!("[{ty}; {n}]");
    }
    let name = match name.as_str() {
        "type" => "type_".to_string(),
        "fn" => "fn_".to_string(),
        _ => name,
    };
    (name, ty)
}

/// "(a, b)" parameter lists as Rust types.
fn c_params(params: &str) -> Vec<String> {
    let params = params.trim();
    if params == "void" || params.is_empty() {
        return Vec::new();
    }
    params.split(',').map(|p| c_decl(p, true).1).collect()
}

#[derive(Debug, PartialEq)]
struct Signature {
    params: Vec<String>,
    ret: String,
}

/// The header without preprocessor lines (they mention SIGIL_API too).
fn declarations(h: &str) -> String {
    h.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}

fn header_functions(h: &str) -> BTreeMap<String, Signature> {
    let mut out = BTreeMap::new();
    for chunk in declarations(h).split("SIGIL_API").skip(1) {
        let decl = squash(&chunk[..chunk.find(';').expect("prototype ends with ;")]);
        let open = decl.find('(').unwrap();
        let head = &decl[..open];
        let params = &decl[open + 1..decl.rfind(')').unwrap()];
        let (name, ret) = c_decl(head, true);
        let ret = if ret == "c_void" { String::new() } else { ret };
        out.insert(name, Signature { params: c_params(params), ret });
    }
    out
}

/// typedef R (*name)(params);
fn header_callbacks(h: &str) -> BTreeMap<String, Signature> {
    let mut out = BTreeMap::new();
    for chunk in declarations(h).split("typedef").skip(1) {
        let decl = squash(&chunk[..chunk.find(';').unwrap()]);
        let Some(star) = decl.find("(*") else { continue };
        let ret = c_decl(&decl[..star], false).1;
        let name_end = decl[star..].find(')').unwrap() + star;
        let name = decl[star + 2..name_end].trim().to_string();
        let params = &decl[decl[name_end..].find('(').unwrap() + name_end + 1..decl.rfind(')').unwrap()];
        let ret = if ret == "c_void" { String::new() } else { ret };
        out.insert(name, Signature { params: c_params(params), ret });
    }
    out
}

/// typedef struct x { fields } x_t;  ->  x_t: [(field, type)]
fn header_structs(h: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for chunk in h.split("typedef struct").skip(1) {
        let Some(open) = chunk.find('{') else { continue };
        let semi = chunk.find(';').unwrap();
        if semi < open {
            continue; // an opaque handle: typedef struct x x_t;
        }
        let close = chunk.find('}').unwrap();
        let name = chunk[close + 1..chunk[close..].find(';').unwrap() + close].trim().to_string();
        let fields = chunk[open + 1..close]
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| c_decl(f, true))
            .collect();
        out.insert(name, fields);
    }
    out
}

fn header_constants(h: &str) -> BTreeSet<String> {
    h.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            (it.next()? == "#define").then_some(())?;
            let name = it.next()?;
            let value = it.next()?;
            (name.starts_with("SIGIL_") && value.trim_end_matches('u').parse::<u64>().is_ok()).then(|| name.to_string())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The Rust side, read from src/lib.rs

fn rust_type(t: &str) -> String {
    squash(t).replace("* ", "*").replace("*const", "*const ").replace("*mut", "*mut ").replace("  ", " ")
}

fn rust_params(params: &str) -> Vec<String> {
    params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| rust_type(p.split_once(':').expect("name: type").1))
        .collect()
}

fn rust_functions(src: &str) -> BTreeMap<String, Signature> {
    let block = &src[src.find("extern \"C\" {").expect("extern block")..];
    let mut out = BTreeMap::new();
    for chunk in block.split("pub fn ").skip(1) {
        let decl = squash(&chunk[..chunk.find(';').unwrap()]);
        let open = decl.find('(').unwrap();
        let close = decl.rfind(')').unwrap();
        let ret = decl[close + 1..].trim().trim_start_matches("->").trim();
        out.insert(
            decl[..open].trim().to_string(),
            Signature { params: rust_params(&decl[open + 1..close]), ret: rust_type(ret) },
        );
    }
    out
}

fn rust_callbacks(src: &str) -> BTreeMap<String, Signature> {
    let mut out = BTreeMap::new();
    for chunk in src.split("pub type ").skip(1) {
        let decl = squash(&chunk[..chunk.find(';').unwrap()]);
        let Some((name, ty)) = decl.split_once('=') else { continue };
        let Some(f) = ty.find("fn(") else { continue };
        let mut depth = 0;
        let close = (f + 2..ty.len())
            .find(|&i| {
                match &ty[i..i + 1] {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .expect("balanced parentheses");
        let params = &ty[f + 3..close];
        let after = ty[close + 1..].trim_start();
        let ret = match after.strip_prefix("->") {
            Some(r) => r[..r.find([',', '>']).unwrap_or(r.len())].trim(),
            None => "",
        };
        out.insert(name.trim().to_string(), Signature { params: rust_params(params), ret: rust_type(ret) });
    }
    out
}

fn rust_structs(src: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for chunk in src.split("pub struct ").skip(1) {
        let name = chunk[..chunk.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap()].to_string();
        let open = chunk.find('{').unwrap();
        let body = &chunk[open + 1..chunk.find('}').unwrap()];
        if body.contains("_marker") {
            continue; // opaque
        }
        let fields = body
            .split(",\n")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (n, t) = f.trim_start_matches("pub ").split_once(':').unwrap();
                (n.trim().to_string(), rust_type(t.trim().trim_end_matches(',')))
            })
            .collect();
        out.insert(name, fields);
    }
    out
}

fn rust_constants(src: &str) -> BTreeMap<String, u64> {
    src.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = l.split_once(':')?;
            let value = rest.split_once('=')?.1.trim().trim_end_matches(';');
            Some((name.trim().to_string(), value.parse().ok()?))
        })
        .collect()
}

// ---------------------------------------------------------------------------

#[test]
fn functions_match_the_header() {
    let src = strip_rust_comments(RUST_SOURCE);
    let c = header_functions(&header_text());
    let rust = rust_functions(&src);
    assert!(c.len() > 100, "parsed only {} prototypes from the header", c.len());
    let missing: Vec<_> = c.keys().filter(|k| !rust.contains_key(*k)).collect();
    let extra: Vec<_> = rust.keys().filter(|k| !c.contains_key(*k)).collect();
    assert!(missing.is_empty(), "functions in sigil.h but not in sigil-sys: {missing:?}");
    assert!(extra.is_empty(), "functions in sigil-sys but not in sigil.h: {extra:?}");
    for (name, sig) in &c {
        assert_eq!(&rust[name], sig, "signature of {name}");
    }
}

#[test]
fn callbacks_match_the_header() {
    let c = header_callbacks(&header_text());
    let rust = rust_callbacks(&strip_rust_comments(RUST_SOURCE));
    assert!(c.len() >= 4, "{:?}", c.keys());
    assert_eq!(c, rust);
}

#[test]
fn struct_fields_match_the_header() {
    let c = header_structs(&header_text());
    let rust = rust_structs(&strip_rust_comments(RUST_SOURCE));
    assert_eq!(c.keys().collect::<Vec<_>>(), rust.keys().collect::<Vec<_>>(), "struct names");
    for (name, fields) in &c {
        assert_eq!(&rust[name], fields, "fields of {name}");
    }
}

#[test]
fn constants_match_the_header() {
    let names = header_constants(&header_text());
    let rust = rust_constants(RUST_SOURCE);
    let missing: Vec<_> = names.iter().filter(|n| !rust.contains_key(*n)).collect();
    assert!(missing.is_empty(), "#defines without a Rust constant: {missing:?}");
    let extra: Vec<_> = rust.keys().filter(|n| !names.contains(*n) && n.as_str() != "SIGIL_ABI_VERSION").collect();
    assert!(extra.is_empty(), "Rust constants not in the header: {extra:?}");
    // Values and layouts as the C compiler sees them.
    let report = c_report();
    for name in names.iter().chain(std::iter::once(&"SIGIL_ABI_VERSION".to_string())) {
        assert_eq!(report[&format!("const {name}")], rust[name], "value of {name}");
    }
}

/// (struct, field) -> (offset, size) and struct -> (size, align), from rustc.
macro_rules! rust_layouts {
    ($($s:ident { $($f:ident),* $(,)? })*) => {{
        let mut m = BTreeMap::<String, u64>::new();
        $(
            m.insert(format!("size {}", stringify!($s)), size_of::<$s>() as u64);
            m.insert(format!("align {}", stringify!($s)), align_of::<$s>() as u64);
            $(
                m.insert(format!("offset {}.{}", stringify!($s), stringify!($f)),
                         std::mem::offset_of!($s, $f) as u64);
                m.insert(format!("fsize {}.{}", stringify!($s), stringify!($f)), {
                    fn field_size<T, F>(_: fn(&T) -> &F) -> usize { size_of::<F>() }
                    field_size(|s: &$s| &s.$f) as u64
                });
            )*
        )*
        m
    }};
}

#[test]
fn struct_layouts_match_the_c_compiler() {
    let rust = rust_layouts! {
        sigil_stats_t { version, generations_enqueued, generations_exported, generations_rejected,
            dropped_queue_full, dropped_byte_budget, dropped_payload_too_large, dropped_retry_exhausted,
            dropped_shutdown_timeout, validation_failures, export_attempts, export_retries, queue_items,
            queue_bytes, dropped_spool_full, dropped_total, generations_spooled, generations_replayed,
            spans_exported, spans_dropped, metric_exports_failed, spans_spooled, spans_replayed,
            metric_exports_spooled, metric_exports_replayed, scores_enqueued, scores_exported, scores_rejected,
            scores_dropped, score_export_attempts, score_export_retries, generations_unpriced,
            generations_export_sampled_out, generations_content_sampled_out }
        sigil_generation_start_t { version, id, conversation_id, conversation_title, user_id, agent_name,
            agent_version, operation_name, model_provider, model_name, system_prompt, has_max_tokens, max_tokens,
            has_temperature, temperature, has_top_p, top_p, tool_choice, has_thinking_enabled, thinking_enabled,
            tools_json, tools_json_len, tags_json, tags_json_len, metadata_json, metadata_json_len, started_at_ns,
            context_conversation_id, context_conversation_title, context_user_id, context_agent_name,
            context_agent_version, parent_traceparent, content_capture, parent_is_local, span_traceparent }
        sigil_token_usage_t { version, input_tokens, output_tokens, total_tokens, cache_read_input_tokens,
            cache_write_input_tokens, cache_creation_input_tokens, reasoning_tokens }
        sigil_tool_execution_start_t { version, tool_name, tool_call_id, tool_type, tool_description,
            conversation_id, conversation_title, agent_name, agent_version, request_model, request_provider,
            include_content, started_at_ns, context_conversation_id, context_conversation_title,
            context_agent_name, context_agent_version, parent_traceparent, content_capture, parent_is_local, span_traceparent }
        sigil_span_start_t { version, kind, name, conversation_id, conversation_title, agent_name, agent_version,
            started_at_ns, context_conversation_id, context_conversation_title, context_agent_name,
            context_agent_version, parent_traceparent, parent_tracestate, parent_is_local, content_capture,
            span_traceparent }
        sigil_embedding_start_t { version, model_provider, model_name, agent_name, agent_version, has_dimensions,
            dimensions, encoding_format, started_at_ns, context_agent_name, context_agent_version,
            parent_traceparent, content_capture, parent_is_local, span_traceparent }
        sigil_embedding_result_t { version, input_count, input_tokens, response_model, has_dimensions,
            dimensions, input_texts, input_texts_count }
        sigil_rating_input_t { version, conversation_id, rating_id, rating, comment, metadata_json,
            metadata_json_len, generation_id, rater_id, source }
        sigil_rating_summary_t { version, total_count, good_count, bad_count, latest_rating, has_bad_rating,
            latest_rated_at_ns, latest_bad_at_ns }
        sigil_score_t { version, score_id, generation_id, conversation_id, trace_id, span_id, evaluator_id,
            evaluator_version, key, value_kind, number_value, bool_value, string_value, passed, label, rationale,
            metadata_json, metadata_json_len, created_at_ns }
        sigil_attribute_t { key, key_len, type_, string_value, string_value_len, int_value, double_value,
            string_values, string_value_lens, string_values_count }
        sigil_span_event_t { name, name_len, time_ns, attributes, attributes_count }
        sigil_span_t { version, name, name_len, kind, trace_id, span_id, parent_span_id, trace_flags, start_ns,
            end_ns, status_code, status_message, status_message_len, attributes, attributes_count, events,
            events_count }
        sigil_metric_point_t { version, name, name_len, unit, unit_len, description, description_len,
            explicit_bounds, explicit_bounds_count, value, attributes, attributes_count }
    };
    let structs = header_structs(&header_text());
    let report = c_report();
    for (name, fields) in &structs {
        for key in [format!("size {name}"), format!("align {name}")] {
            assert_eq!(rust.get(&key), report.get(&key), "{key} (is every struct listed in rust_layouts!?)");
        }
        for (field, _) in fields {
            for key in [format!("offset {name}.{field}"), format!("fsize {name}.{field}")] {
                assert_eq!(rust.get(&key), report.get(&key), "{key}");
            }
        }
    }
}

/// Every constant and every struct's layout as the C compiler sees them
/// (computed once: tests run in parallel and share the probe's files).
fn c_report() -> &'static BTreeMap<String, u64> {
    static REPORT: std::sync::OnceLock<BTreeMap<String, u64>> = std::sync::OnceLock::new();
    REPORT.get_or_init(compile_and_run_probe)
}

/// Compiles and runs a C program that prints every constant and every
/// struct's layout.
fn compile_and_run_probe() -> BTreeMap<String, u64> {
    let h = header_text();
    let mut c = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include <sigil/sigil.h>\n\
         #define P(k, v) printf(\"%s %llu\\n\", k, (unsigned long long)(v))\nint main(void) {\n",
    );
    for name in header_constants(&h).iter().chain(std::iter::once(&"SIGIL_ABI_VERSION".to_string())) {
        c += &format!("  P(\"const {name}\", {name});\n");
    }
    for (s, fields) in header_structs(&h) {
        c += &format!("  P(\"size {s}\", sizeof({s}));\n  P(\"align {s}\", _Alignof({s}));\n");
        for (f, _) in fields {
            let cf = if f == "type_" { "type" } else { f.as_str() };
            c += &format!("  P(\"offset {s}.{f}\", offsetof({s}, {cf}));\n");
            c += &format!("  P(\"fsize {s}.{f}\", sizeof(((const {s} *)0)->{cf}));\n");
        }
    }
    c += "  return 0;\n}\n";
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sigil-sys-header");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut cmd = Command::new(&cc);
    cmd.arg("-std=c11").arg("-Wall").arg("-Werror");
    for d in include_dirs() {
        cmd.arg("-I").arg(d);
    }
    let out = cmd.arg(&src).arg("-o").arg(&exe).output().unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(out.status.success(), "compiling the layout probe failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(&exe).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_linked_library_is_the_header_s() {
    let header = std::fs::read_to_string(find_include("sigil/version.h")).unwrap();
    let version =
        header.lines().find_map(|l| l.strip_prefix("#define SIGIL_VERSION_STRING ")).unwrap().trim_matches('"');
    unsafe {
        assert_eq!(sigil_abi_version(), SIGIL_ABI_VERSION);
        assert_eq!(CStr::from_ptr(sigil_version_string()).to_str().unwrap(), version);
        assert_eq!(CStr::from_ptr(sigil_status_name(SIGIL_E_QUEUE_FULL)).to_str().unwrap(), "SIGIL_E_QUEUE_FULL");
    }
}

#[test]
fn init_functions_write_what_the_structs_hold() {
    unsafe {
        let mut g: sigil_generation_start_t = std::mem::zeroed();
        g.max_tokens = 7;
        assert_eq!(sigil_generation_start_init(&mut g), SIGIL_OK);
        assert_eq!(
            (g.version, g.max_tokens, g.parent_traceparent),
            (SIGIL_GENERATION_START_VERSION, 0, std::ptr::null())
        );
        let mut t: sigil_tool_execution_start_t = std::mem::zeroed();
        assert_eq!(sigil_tool_execution_start_init(&mut t), SIGIL_OK);
        assert_eq!(t.version, SIGIL_TOOL_EXECUTION_START_VERSION);
        let mut e: sigil_embedding_start_t = std::mem::zeroed();
        assert_eq!(sigil_embedding_start_init(&mut e), SIGIL_OK);
        assert_eq!(e.version, SIGIL_EMBEDDING_START_VERSION);
        let mut s: sigil_span_start_t = std::mem::zeroed();
        assert_eq!(sigil_span_start_init(&mut s), SIGIL_OK);
        assert_eq!(s.version, SIGIL_SPAN_START_VERSION);
        let mut r: sigil_rating_input_t = std::mem::zeroed();
        assert_eq!(sigil_rating_input_init(&mut r), SIGIL_OK);
        assert_eq!(r.version, SIGIL_RATING_INPUT_VERSION);
        let mut sc: sigil_score_t = std::mem::zeroed();
        assert_eq!(sigil_score_init(&mut sc), SIGIL_OK);
        assert_eq!(sc.version, SIGIL_SCORE_VERSION);
    }
}

#[test]
fn the_type_translation_handles_every_c_form() {
    assert_eq!(
        c_decl("const char *const *string_values", true),
        ("string_values".into(), "*const *const c_char".into())
    );
    assert_eq!(c_decl("sigil_error_t **error", true), ("error".into(), "*mut *mut sigil_error_t".into()));
    assert_eq!(c_decl("char trace_id[33]", true), ("trace_id".into(), "[c_char; 33]".into()));
    assert_eq!(c_decl("const sigil_client_t *client", true).1, "*const sigil_client_t");
    assert_eq!(c_decl("uint32_t type", true), ("type_".into(), "u32".into()));
    assert_eq!(rust_type("*mut  *mut sigil_error_t"), "*mut *mut sigil_error_t");
}
