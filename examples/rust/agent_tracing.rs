//! sigil (Rust) agent tracing: the span tree of one agent run, with the tool
//! it books through as a second process that continues the same trace:
//!
//!     invoke_agent travel-agent   agent
//!       plan                      chain
//!         search-docs             retriever
//!         generateText gpt-4o     generation
//!         execute_tool book       tool
//!           book-service          task, in the other process (W3C traceparent)
//!
//! Configured through the environment, for example against the local
//! receiver (spans go to the OTLP endpoint):
//!
//!     SIGIL_PROTOCOL=http SIGIL_ENDPOINT=http://127.0.0.1:8080 \
//!     OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run --example agent_tracing
//!
//! (from bindings/rust). The book service is this program run again with
//! `--book-service`: it listens on a loopback port, prints the port and
//! serves one HTTP request. Exit status: 0 when everything was recorded and
//! delivered, 1 otherwise.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use serde_json::json;
use sigil::{
    Client, Context, Generation, GenerationStart, Message, ModelRef, StepKind, TokenUsage,
    ToolExecutionEnd, ToolExecutionStart,
};

fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agent: {e}");
            return ExitCode::FAILURE;
        }
    };
    sigil::configure_tracing(Some(&client));
    let result = if std::env::args().any(|a| a == "--book-service") {
        book_service()
    } else {
        run_agent(&client)
    };
    let shutdown = client
        .shutdown(Duration::from_secs(10))
        .map_err(|e| e.to_string());
    match result.and(shutdown) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_agent(client: &Client) -> Result<(), String> {
    let _conversation = Context::new()
        .with_conversation_id("conv-agent-example")
        .attach();
    sigil::in_span(StepKind::Agent, "travel-agent", |agent| {
        let question = "a room in Paris?";
        agent.set_input(&json!({ "question": question }));
        let answer = sigil::in_span(StepKind::Chain, "plan", |chain| {
            let r = plan(client, question);
            if let Err(e) = &r {
                chain.set_error_type("BookingFailed", e);
            }
            r
        });
        match &answer {
            Ok(a) => {
                agent.set_output(&json!(a));
                println!("{a}");
                println!("trace {}", agent.trace_id().unwrap_or(""));
            }
            Err(e) => agent.set_error_type("BookingFailed", e),
        }
        answer.map(|_| ())
    })
}

fn plan(client: &Client, question: &str) -> Result<String, String> {
    let docs = sigil::in_span(StepKind::Retriever, "search-docs", |search| {
        let docs = vec![
            "Hotel du Nord has rooms".to_string(),
            "Paris is busy in June".to_string(),
        ];
        search.set_input(&json!(question));
        search.add_event("retrieved", [("count", docs.len().into())]);
        search.set_output(&json!(docs));
        docs
    });
    if let Some(chain) = sigil::current_span() {
        chain.set_attribute("documents", docs.len());
    }

    let mut generation =
        client.start_generation(&GenerationStart::new(ModelRef::new("openai", "gpt-4o")));
    generation
        .set_result(&Generation {
            input: vec![Message::user_text(question)],
            output: vec![Message::assistant_text("I will book Hotel du Nord.")],
            usage: TokenUsage {
                input_tokens: 42,
                output_tokens: 9,
                ..Default::default()
            },
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
    generation.end().map_err(|e| e.to_string())?;

    let mut tool = client.start_tool_execution(&ToolExecutionStart {
        include_content: true,
        ..ToolExecutionStart::new("book")
    });
    // Inside the tool execution: the request carries its traceparent.
    let result = tool.context().in_scope(|| call_book_service("Paris"));
    if let Err(e) = &result {
        tool.set_exec_error(e);
    }
    tool.set_result(&ToolExecutionEnd::new(
        json!({"city": "Paris"}),
        json!(result.as_deref().unwrap_or_default()),
    ));
    tool.end().map_err(|e| e.to_string())?;
    result
}

/// Starts the service process and posts one booking to it, with the current
/// trace context in the request headers.
fn call_book_service(city: &str) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("--book-service")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("book service: {e}"))?;
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .map_err(|e| e.to_string())?;
    let mut headers: HashMap<String, String> = HashMap::new();
    sigil::inject(&mut headers);
    let body = json!({ "city": city }).to_string();
    let mut request = format!(
        "POST /book HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in &headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let mut stream = TcpStream::connect((
        "127.0.0.1",
        port.trim().parse::<u16>().map_err(|e| e.to_string())?,
    ))
    .map_err(|e| format!("book service: {e}"))?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    let (head, answer) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    if !head.starts_with("HTTP/1.1 200") || !status.success() {
        return Err(format!("book service: {head} ({status})"));
    }
    Ok(answer.to_string())
}

/// Serves one booking: its span continues the caller's trace.
fn book_service() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    println!(
        "{}",
        listener.local_addr().map_err(|e| e.to_string())?.port()
    );
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut headers = HashMap::new();
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?; // request line
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        match line.trim_end().split_once(':') {
            Some((k, v)) => headers.insert(k.trim().to_string(), v.trim().to_string()),
            None => break,
        };
    }
    let len = sigil::Extractor::get(&headers, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    let answer = sigil::extract(&headers).in_scope(|| {
        sigil::in_span(StepKind::Task, "book-service", |span| {
            let input: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            span.set_input(&input);
            let answer = format!("booked a room in {}", input["city"].as_str().unwrap_or("?"));
            span.set_output(&json!(answer));
            answer
        })
    });
    let mut stream = reader.into_inner();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )
    .map_err(|e| e.to_string())
}
