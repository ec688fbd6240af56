//! A fake LLM provider on loopback for the examples and tests: the Python
//! tests' fake_provider.py (bindings/python/tests) as a child process, a real
//! HTTP server answering with the conformance fixtures. No network, no key.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The running fake provider; it stops when dropped.
pub struct FakeProvider {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl FakeProvider {
    /// Starts it with `routes`, each `ROUTE=SPEC`: a path substring and its
    /// reply (`json:openai.chat/response_text.json`,
    /// `sse:anthropic.messages/stream.jsonl`, `sse,cut=3,drop:...`,
    /// `error:429`; reply_from_spec in fake_provider.py says more).
    pub fn start(routes: &[&str]) -> std::io::Result<FakeProvider> {
        let crate_dir = env!("CARGO_MANIFEST_DIR");
        let script = Path::new(crate_dir).join("../../python/tests/fake_provider.py");
        let mut child = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
            .arg(script)
            .args(routes)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        if !line.starts_with("http://") {
            let _ = child.kill();
            let _ = child.wait();
            let message = format!("the fake provider did not start: {line:?}");
            return Err(std::io::Error::other(message));
        }
        let url = line.trim().to_string();
        Ok(FakeProvider { child, url })
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // it stops when its stdin closes
        let _ = self.child.wait();
    }
}
