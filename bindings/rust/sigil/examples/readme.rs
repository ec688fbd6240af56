use std::time::Duration;

use sigil::{Client, Config, Context, Generation, GenerationStart, Message, ModelRef, TokenUsage};

fn main() -> Result<(), sigil::Error> {
    // Config::default(): everything from SIGIL_* / OTEL_* environment variables.
    let client = Client::new(Config::default())?;

    // Request-scoped identity: recorders started in this scope pick it up.
    let _scope = Context::new().with_conversation_id("conv-1").with_user_id("user-42").attach();

    let mut rec = client.start_generation(&GenerationStart {
        agent_name: "assistant".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-4o"))
    });
    // ... call the model; on failure: rec.set_call_error(&err) ...
    rec.set_result(&Generation {
        input: vec![Message::user_text("Hello")],
        output: vec![Message::assistant_text("Hi!")],
        usage: TokenUsage { input_tokens: 5, output_tokens: 2, ..Default::default() },
        ..Default::default()
    })?;
    rec.end()?; // local errors only: validation, queue full, shutdown

    client.shutdown(Duration::from_secs(5)) // delivers what is queued
}
