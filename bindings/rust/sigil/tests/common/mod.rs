//! The capture harness (conformance/harness) as a test fixture: real HTTP,
//! gRPC, OTLP and rating servers on loopback, started per test with
//! `python3 -m harness serve --ports-file F` and driven through its control
//! API (conformance/harness/README.md).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sigil::{Client, Config, Protocol};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").canonicalize().unwrap()
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Where the harness keeps its generated protobuf modules: generated once per
/// test binary, before any harness starts, so parallel tests do not race.
fn gen_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("harness-gen");
        let out = Command::new(python())
            .args(["-m", "harness", "codegen"])
            .current_dir(repo().join("conformance"))
            .env("SIGIL_HARNESS_GEN_DIR", &dir)
            .output()
            .expect("python3 (with conformance/requirements.txt installed)");
        assert!(out.status.success(), "harness codegen failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

pub struct Harness {
    child: Child,
    pub ports: Value,
    ports_file: PathBuf,
}

impl Harness {
    pub fn start() -> Harness {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ports_file =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("harness-{}-{n}.json", std::process::id()));
        let _ = std::fs::remove_file(&ports_file);
        let mut child = Command::new(python())
            .args(["-m", "harness", "serve", "--ports-file"])
            .arg(&ports_file)
            .current_dir(repo().join("conformance"))
            .env("SIGIL_HARNESS_GEN_DIR", gen_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the harness");
        let deadline = Instant::now() + Duration::from_secs(30);
        let ports = loop {
            if let Ok(text) = std::fs::read_to_string(&ports_file) {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    break v;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the harness exited: {status}");
            }
            assert!(Instant::now() < deadline, "the harness did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Harness { child, ports, ports_file }
    }

    pub fn port(&self, key: &str) -> u64 {
        self.ports[key].as_u64().unwrap()
    }

    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port("http"))
    }

    pub fn grpc_endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port("grpc"))
    }

    pub fn api_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port("api"))
    }

    pub fn otlp_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port("otlp"))
    }

    /// A config exporting to this harness over `protocol`, ignoring the
    /// process environment.
    pub fn config(&self, protocol: Protocol) -> sigil::ConfigBuilder {
        let endpoint = match protocol {
            Protocol::Http => self.http_endpoint(),
            _ => self.grpc_endpoint(),
        };
        Config::builder()
            .use_environment(false)
            .protocol(protocol)
            .endpoint(endpoint)
            .api_endpoint(self.api_endpoint())
            .otlp_endpoint(self.otlp_endpoint())
    }

    pub fn client(&self, protocol: Protocol) -> Client {
        Client::new(self.config(protocol).build()).expect("client")
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port("control") as u16)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8(response).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{method} {path}: {head}\n{body}"
        );
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {body}"))
    }

    /// Captures of one kind (http_exports, grpc_exports, otlp_traces, ...).
    pub fn captures(&self, kind: &str) -> Vec<Value> {
        self.request("GET", &format!("/captures?kind={kind}"), None)[kind].as_array().cloned().unwrap_or_default()
    }

    /// Waits until at least `count` captures of `kind` exist (panics after 10 s).
    pub fn wait(&self, kind: &str, count: usize) -> Vec<Value> {
        let v = self.request("GET", &format!("/captures/wait?kind={kind}&count={count}&timeout_ms=10000"), None);
        assert!(v["complete"].as_bool().unwrap(), "waited for {count} {kind}, got {}", v["count"]);
        v["captures"].as_array().cloned().unwrap()
    }

    /// Every exported generation of one transport ("http" or "grpc").
    pub fn generations(&self, transport: &str) -> Vec<Value> {
        self.captures(&format!("{transport}_exports"))
            .iter()
            .flat_map(|c| c["generations"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Every span received over OTLP.
    pub fn spans(&self) -> Vec<Value> {
        self.captures("otlp_traces").iter().flat_map(|c| c["spans"].as_array().cloned().unwrap_or_default()).collect()
    }

    pub fn script(&self, target: &str, responses: Value) {
        self.request("POST", "/script", Some(&json!({"target": target, "responses": responses})));
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = TcpStream::connect(("127.0.0.1", self.port("control") as u16)).and_then(|mut s| {
            s.write_all(b"POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            let mut sink = Vec::new();
            s.read_to_end(&mut sink)
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_file(&self.ports_file);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.ports_file);
    }
}

/// The generation with this id.
pub fn by_id<'a>(gens: &'a [Value], id: &str) -> &'a Value {
    let found: Vec<_> = gens.iter().filter(|g| g["id"] == id).collect();
    assert_eq!(found.len(), 1, "generations with id {id}: {gens:#?}");
    found[0]
}

#[path = "../../../../../examples/rust/support/fake_provider.rs"]
mod fake_provider;

/// The fake LLM provider (examples/rust/support/fake_provider.rs).
pub fn fake_provider(routes: &[&str]) -> fake_provider::FakeProvider {
    fake_provider::FakeProvider::start(routes).expect("python3 and bindings/python/tests/fake_provider.py")
}

#[allow(unused_imports)]
pub use fake_provider::FakeProvider;

/// A command running the example binary Cargo built next to this test
/// (`cargo test` builds the examples its features allow), with no SIGIL_* or
/// OTEL_* variable of the caller's environment.
pub fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap(); // target/<profile>/deps -> target/<profile>
    let path = dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo test` (which builds examples) or `cargo build --example {name}`",
        path.display()
    );
    let mut cmd = Command::new(path);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("OTEL_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A provider fixture (conformance/fixtures/providers/PATH).
pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(repo().join("conformance/fixtures/providers").join(path)).expect(path)
}

/// The span of the generation with this id (waits for it).
pub fn span_of(h: &Harness, id: &str) -> Value {
    for _ in 0..250 {
        if let Some(s) = h.spans().into_iter().find(|s| s["attributes"]["sigil.generation.id"] == id) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no span for {id}");
}
