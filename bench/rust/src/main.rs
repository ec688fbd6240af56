//! The Rust benchmark program for libsigil (bindings/rust); see bench/README.md.
//!
//! One record is `start_generation -> set_result -> end`, timed with the
//! monotonic clock; the workload is mapped to the crate's model types once,
//! before timing. The result is one JSON object on the last line of stdout.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::Value;
use sigil::{Client, Config, Generation, GenerationStart, Message, ModelRef, Part, Protocol, Role, TokenUsage, ToolCall};

/// Deadlines of the flush after the warmup (export) and of the final flush
/// (export, overload), as in bench/c/sigil_bench.c.
const WARMUP_FLUSH_DEADLINE: Duration = Duration::from_secs(60);
const FLUSH_DEADLINE: Duration = Duration::from_secs(120);

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1);
}

struct Params {
    workload: String,
    workload_file: String,
    n: usize,
    warmup: usize,
    protocol: String,
    endpoint: String,
    otlp_endpoint: String,
    rate: f64,
    duration_s: f64,
    queue_bytes: u64,
    queue_items: u32,
    batch_size: u32,
}

fn params() -> Params {
    let mut args = std::env::args().skip(1);
    let raw = match (args.next(), args.next()) {
        (Some(flag), Some(json)) if flag == "--params" => json,
        (Some(json), None) => json,
        _ => fail("usage: sigil-bench --params '<json>'"),
    };
    let p: Value = serde_json::from_str(&raw).unwrap_or_else(|e| fail(&format!("params: {e}")));
    let text = |k: &str| p[k].as_str().unwrap_or_else(|| fail(&format!("params: {k} must be a string"))).to_string();
    let num = |k: &str| p[k].as_f64().unwrap_or_else(|| fail(&format!("params: {k} must be a number")));
    Params {
        workload: text("workload"),
        workload_file: text("workload_file"),
        n: num("n") as usize,
        warmup: num("warmup") as usize,
        protocol: text("protocol"),
        endpoint: text("endpoint"),
        otlp_endpoint: text("otlp_endpoint"),
        rate: num("rate"),
        duration_s: num("duration_s"),
        queue_bytes: num("queue_bytes") as u64,
        queue_items: num("queue_items") as u32,
        batch_size: num("batch_size") as u32,
    }
}

/// The workload's start and result in the crate's types.
fn models(path: &str) -> (GenerationStart, Generation) {
    let data = std::fs::read(path).unwrap_or_else(|e| fail(&format!("workload {path}: {e}")));
    let w: Value = serde_json::from_slice(&data).unwrap_or_else(|e| fail(&format!("workload {path}: {e}")));
    let (s, r) = (&w["start"], &w["result"]);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let strings = |v: &Value| {
        v.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), text(v))).collect()).unwrap_or_default()
    };
    let start = GenerationStart {
        conversation_id: text(&s["conversation_id"]),
        agent_name: text(&s["agent_name"]),
        agent_version: text(&s["agent_version"]),
        max_tokens: s["max_tokens"].as_i64(),
        temperature: s["temperature"].as_f64(),
        tags: strings(&s["tags"]),
        ..GenerationStart::new(ModelRef::new(text(&s["model"]["provider"]), text(&s["model"]["name"])))
    };
    let message = |m: &Value| {
        let role = match m["role"].as_str() {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("tool") => Role::Tool,
            other => fail(&format!("workload: unknown role {other:?}")),
        };
        let mut parts = Vec::new();
        if let Some(t) = m["text"].as_str().filter(|t| !t.is_empty()) {
            parts.push(Part::text(t));
        }
        if let Some(tc) = m.get("tool_call").filter(|v| v.is_object()) {
            parts.push(Part::tool_call(ToolCall {
                id: text(&tc["id"]),
                name: text(&tc["name"]),
                input_json: text(&tc["input_json"]).into_bytes(),
            }));
        }
        Message::new(role, parts)
    };
    let messages = |v: &Value| v.as_array().map(|a| a.iter().map(message).collect()).unwrap_or_default();
    let u = &r["usage"];
    let result = Generation {
        system_prompt: text(&r["system_prompt"]),
        input: messages(&r["input"]),
        output: messages(&r["output"]),
        usage: TokenUsage {
            input_tokens: u["input_tokens"].as_i64().unwrap_or(0),
            output_tokens: u["output_tokens"].as_i64().unwrap_or(0),
            cache_read_input_tokens: u["cache_read_input_tokens"].as_i64().unwrap_or(0),
            ..Default::default()
        },
        response_id: text(&r["response_id"]),
        response_model: text(&r["response_model"]),
        stop_reason: text(&r["stop_reason"]),
        metadata: r["metadata"].as_object().cloned().unwrap_or_default(),
        ..Default::default()
    };
    (start, result)
}

#[repr(C)]
struct Timeval {
    sec: i64,
    usec: i64,
}

/// `struct rusage` of Linux (64-bit): two timevals, then 14 longs.
#[repr(C)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    rest: [i64; 13],
}

extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    fn sysconf(name: i32) -> i64;
}

const SC_PAGESIZE: i32 = 30; // Linux

fn rusage() -> Rusage {
    let mut ru = Rusage { utime: Timeval { sec: 0, usec: 0 }, stime: Timeval { sec: 0, usec: 0 }, maxrss: 0, rest: [0; 13] };
    // SAFETY: RUSAGE_SELF (0) and a struct of the kernel's layout.
    unsafe { getrusage(0, &mut ru) };
    ru
}

fn cpu_seconds() -> f64 {
    let ru = rusage();
    (ru.utime.sec + ru.stime.sec) as f64 + (ru.utime.usec + ru.stime.usec) as f64 / 1e6
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { sysconf(SC_PAGESIZE) } as u64
}

/// median, p99, max and mean in ns, with the ranks of bench/c/bench_util.h.
fn summary(samples: &mut [u64]) -> String {
    let n = samples.len();
    if n == 0 {
        return "{}".into();
    }
    samples.sort_unstable();
    let mean = samples.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    let p99 = ((n - 1) as f64 * 0.99 + 0.5) as usize;
    format!(
        r#"{{"median": {}, "p99": {}, "max": {}, "mean": {:.1}}}"#,
        samples[(n - 1) / 2],
        samples[p99],
        samples[n - 1],
        mean
    )
}

fn main() {
    let p = params();
    let (start, result) = models(&p.workload_file);
    let protocol = match p.protocol.as_str() {
        "none" => Protocol::None,
        "grpc" => Protocol::Grpc,
        "http" => Protocol::Http,
        other => fail(&format!("params: unknown protocol {other:?}")),
    };
    let mut config = Config::builder().use_environment(false).protocol(protocol).otlp_endpoint(p.otlp_endpoint.clone());
    if protocol != Protocol::None {
        config = config.endpoint(p.endpoint.clone()).insecure(true);
    }
    if p.queue_items > 0 {
        config = config.queue_size(p.queue_items);
    }
    if p.queue_bytes > 0 {
        config = config.queue_max_bytes(p.queue_bytes);
    }
    if p.batch_size > 0 {
        config = config.batch_size(p.batch_size);
    }
    let client = Client::new(config.build()).unwrap_or_else(|e| fail(&format!("client: {e}")));
    let record = || -> (u64, Option<sigil::Error>) {
        let t0 = Instant::now();
        let mut rec = client.start_generation(&start);
        let set = rec.set_result(&result);
        let end = rec.end();
        let elapsed = t0.elapsed().as_nanos() as u64;
        (elapsed, set.err().or(end.err()))
    };

    let mut errors: std::collections::BTreeMap<String, usize> = Default::default();
    for _ in 0..p.warmup {
        if let (_, Some(e)) = record() {
            *errors.entry(e.to_string()).or_default() += 1;
        }
    }
    if !errors.is_empty() {
        fail(&format!("warmup records failed: {errors:?}"));
    }
    if p.workload == "export" && p.warmup > 0 {
        // The timed window starts with an empty queue.
        client.flush(WARMUP_FLUSH_DEADLINE).unwrap_or_else(|e| fail(&format!("warmup flush: {e}")));
    }
    let before = client.stats();

    let overload = p.workload == "overload";
    let n = if overload { (p.rate * p.duration_s) as usize } else { p.n };
    let interval = if overload { Duration::from_secs_f64(1.0 / p.rate) } else { Duration::ZERO };
    let mut samples = vec![0u64; n];
    let rss_baseline = rss_bytes();
    let cpu0 = cpu_seconds();
    let wall0 = Instant::now();
    for (i, sample) in samples.iter_mut().enumerate() {
        if overload {
            // Absolute deadlines: sleep until this record's slot; a late record goes at once.
            let due = wall0 + interval.mul_f64(i as f64);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        let (elapsed, err) = record();
        *sample = elapsed;
        if let Some(e) = err {
            *errors.entry(e.to_string()).or_default() += 1;
        }
    }
    let mut flush_s = 0.0;
    if p.workload != "record" {
        let f0 = Instant::now();
        if let Err(e) = client.flush(FLUSH_DEADLINE) {
            eprintln!("bench: flush: {e}");
        }
        flush_s = f0.elapsed().as_secs_f64();
    }
    let wall_s = wall0.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;

    let mut out = format!(
        r#"{{"ops": {n}, "caller_ns": {}, "wall_s": {wall_s:.6}, "cpu_s": {cpu_s:.6}, "rss_baseline_bytes": {rss_baseline}, "rss_peak_bytes": {}"#,
        summary(&mut samples),
        rusage().maxrss * 1024
    );
    if p.workload != "record" {
        let after = client.stats();
        let _ = write!(
            out,
            r#", "delivered": {}, "dropped": {}, "spooled": {}, "flush_s": {flush_s:.6}"#,
            after.generations_exported - before.generations_exported,
            after.dropped_total - before.dropped_total,
            after.generations_spooled - before.generations_spooled
        );
    }
    out.push('}');
    if !errors.is_empty() {
        eprintln!("bench: records that ended with an error: {errors:?}");
        if !overload {
            fail("records failed outside the overload workload; the figures would be wrong");
        }
    }
    let _ = client.shutdown(Duration::from_secs(10));
    println!("{out}");
}
