//! Recording provider calls made with any HTTP client (feature `providers`).
//!
//! The engine maps provider JSON (see [`ProviderJson`]); this module records
//! a whole call in one step: a sync exchange from its request and response
//! bodies ([`GenerationCall::record`]), a failed call with the provider's
//! error ([`GenerationCall::record_error`]), an embedding call
//! ([`EmbeddingCall`]), and a stream from its raw server-sent event bytes as
//! they arrive ([`StreamRecorder::feed_sse`], built on [`SseParser`]).
//! With feature `reqwest`, [`EventStream`] turns a `reqwest::Response` into
//! a `Stream` of events that records as it is consumed; with feature
//! `async-openai`, [`async_openai`] wraps that crate's client.
//!
//! ```no_run
//! # fn main() -> Result<(), sigil::Error> {
//! # let client = sigil::Client::from_env()?;
//! # let (request, response) = (b"{}".to_vec(), b"{}".to_vec());
//! // The bytes an HTTP client sent and received:
//! sigil::providers::openai::chat(&client).record(&request, &response)?;
//! # Ok(()) }
//! ```

mod sse;
#[cfg(feature = "reqwest")]
mod stream;

#[cfg(feature = "async-openai")]
pub mod async_openai;

pub use sse::{SseEvent, SseParser};
#[cfg(feature = "reqwest")]
pub use stream::{EventStream, EventStreamError};

use std::fmt::Display;
use std::time::SystemTime;

use crate::client::Client;
use crate::context::Context;
use crate::embedding::{EmbeddingRecorder, EmbeddingStart};
use crate::error::Result;
use crate::generation::GenerationRecorder;
use crate::model::GenerationStart;
use crate::provider::{MappingResult, ProviderJson, ProviderOptions};

/// Metadata on a streamed generation that did not end with the provider's
/// last event, as every libsigil binding sets it: `"caller_closed"` (the
/// caller stopped reading: [`StreamRecorder::close`], or a stream dropped
/// before its end), `"error"` (the stream failed; the call error says how),
/// `"abandoned"` (a [`StreamRecorder`] dropped without being finished,
/// failed or closed). When the last event had not arrived the engine also
/// marks the output and usage as partial (span `error.type` `mapping_error`).
pub const STREAM_STOPPED_KEY: &str = "sigil.stream.stopped";

/// Stream events reach the engine in batches of at most this many, each with
/// the time it arrived (so the time to first token is the first content
/// event's, not its batch's).
const EVENT_BATCH: usize = 32;

/// OpenAI's APIs: Chat Completions, Responses, Embeddings.
pub mod openai {
    use super::{EmbeddingCall, GenerationCall};
    use crate::Client;

    /// `POST /v1/chat/completions` (also `stream: true`).
    pub fn chat(client: &Client) -> GenerationCall<'_> {
        GenerationCall::new(client, "openai.chat")
    }

    /// `POST /v1/responses` (also `stream: true`).
    pub fn responses(client: &Client) -> GenerationCall<'_> {
        GenerationCall::new(client, "openai.responses")
    }

    /// `POST /v1/embeddings`.
    pub fn embeddings(client: &Client) -> EmbeddingCall<'_> {
        EmbeddingCall::new(client, "openai.embeddings")
    }
}

/// Anthropic's Messages API.
pub mod anthropic {
    use super::GenerationCall;
    use crate::Client;

    /// `POST /v1/messages` (also `stream: true`).
    pub fn messages(client: &Client) -> GenerationCall<'_> {
        GenerationCall::new(client, "anthropic.messages")
    }
}

/// Google's Gemini API.
pub mod gemini {
    use super::{EmbeddingCall, GenerationCall};
    use crate::Client;

    /// `POST .../models/{model}:generateContent`, and
    /// `:streamGenerateContent?alt=sse` for a stream. Gemini's request body
    /// does not name the model: give it in the start
    /// ([`GenerationCall::start`]).
    pub fn generate_content(client: &Client) -> GenerationCall<'_> {
        GenerationCall::new(client, "gemini.generate_content")
    }

    /// `POST .../models/{model}:embedContent` (or `:batchEmbedContents`).
    pub fn embed_content(client: &Client) -> EmbeddingCall<'_> {
        EmbeddingCall::new(client, "gemini.embed_content")
    }
}

/// Amazon Bedrock's Converse API (its stream is an AWS event stream, not
/// server-sent events: hand each decoded event to [`StreamRecorder::add_event`]).
pub mod bedrock {
    use super::GenerationCall;
    use crate::Client;

    /// `POST /model/{modelId}/converse` (and `converse-stream`).
    pub fn converse(client: &Client) -> GenerationCall<'_> {
        GenerationCall::new(client, "bedrock.converse")
    }
}

/// How one generation call of a provider API is recorded: the start fields
/// (id, conversation, agent, tags, metadata; the model comes from the
/// provider JSON when the start leaves it empty), the context, and whether
/// the provider JSON is kept as artifacts. Made by the functions of
/// [`openai`], [`anthropic`], [`gemini`] and [`bedrock`]; cheap to clone and
/// reuse for many calls.
#[derive(Debug, Clone)]
pub struct GenerationCall<'c> {
    client: &'c Client,
    api: &'static str,
    start: GenerationStart,
    context: Option<Context>,
    options: ProviderOptions,
}

impl<'c> GenerationCall<'c> {
    /// A call of the provider API named `api` (`"openai.chat"`, ...; see
    /// [`GenerationRecorder::set_provider_request`]). An unknown name is
    /// reported by the recording methods ([`crate::Error::InvalidArgument`]).
    pub fn new(client: &'c Client, api: &'static str) -> GenerationCall<'c> {
        GenerationCall { client, api, start: GenerationStart::default(), context: None, options: Default::default() }
    }

    /// The provider API name.
    pub fn api(&self) -> &'static str {
        self.api
    }

    /// Start fields of every generation this call records.
    pub fn start(mut self, start: GenerationStart) -> Self {
        self.start = start;
        self
    }

    /// An explicit context (the choice in async code, where the thread's
    /// current context may belong to another task); without it, the
    /// thread's current [`Context`] at the time of recording.
    pub fn context(mut self, context: &Context) -> Self {
        self.context = Some(context.clone());
        self
    }

    /// Also keep the provider JSON as artifacts ([`ProviderOptions::raw_artifacts`]).
    pub fn raw_artifacts(mut self, keep: bool) -> Self {
        self.options.raw_artifacts = keep;
        self
    }

    fn begin_recorder(&self, streaming: bool) -> GenerationRecorder {
        match (&self.context, streaming) {
            (Some(cx), false) => self.client.start_generation_with_context(&self.start, cx),
            (Some(cx), true) => self.client.start_streaming_generation_with_context(&self.start, cx),
            (None, false) => self.client.start_generation(&self.start),
            (None, true) => self.client.start_streaming_generation(&self.start),
        }
    }

    /// Starts recording a call now (its duration starts here): maps the
    /// request body about to be sent; the returned [`Exchange`] takes the
    /// response or the error. `Err` only for an unknown API name.
    pub fn begin(&self, request: impl ProviderJson) -> Result<Exchange> {
        let mut rec = self.begin_recorder(false);
        let problem = rec.set_provider_request_with(self.api, request, self.options)?;
        Ok(Exchange { rec, api: self.api, options: self.options, problem })
    }

    /// Records a completed exchange in one call, from the request body sent
    /// and the response body received ([`begin`](Self::begin) then
    /// [`Exchange::response`]; the call's start is now unless the start
    /// fields give `started_at`).
    pub fn record(&self, request: impl ProviderJson, response: impl ProviderJson) -> MappingResult {
        self.begin(request)?.response(response)
    }

    /// Records a failed call in one call ([`begin`](Self::begin) then
    /// [`Exchange::error`]).
    pub fn record_error(
        &self,
        request: impl ProviderJson,
        error: impl Display,
        http_status: Option<u16>,
    ) -> Result<()> {
        self.begin(request)?.error(error, http_status)
    }

    /// Starts recording a streamed call: the request is mapped now, the
    /// events as they are fed to the returned [`StreamRecorder`]. `Err` only
    /// for an unknown API name.
    pub fn stream(&self, request: impl ProviderJson) -> Result<StreamRecorder> {
        let mut rec = self.begin_recorder(true);
        let problem = rec.set_provider_request_with(self.api, request, self.options)?;
        Ok(StreamRecorder::new(rec, self.api, self.options, problem))
    }
}

/// One generation call in flight, from [`GenerationCall::begin`]: ends with
/// the provider's [`response`](Self::response) or its [`error`](Self::error)
/// (dropped without either, it ends with neither).
#[derive(Debug)]
#[must_use = "an exchange records its call when it is given the response or the error"]
pub struct Exchange {
    rec: GenerationRecorder,
    api: &'static str,
    options: ProviderOptions,
    problem: Option<crate::Error>,
}

impl Exchange {
    /// The generation id.
    pub fn id(&self) -> &str {
        self.rec.id()
    }

    /// The response body received: maps it and ends the generation. `Err`
    /// for a local error ([`GenerationRecorder::end`]); `Ok(Some(problem))`
    /// when the request or the response could only partly be mapped (the
    /// record is still exported, see [`MappingResult`]).
    pub fn response(mut self, response: impl ProviderJson) -> MappingResult {
        let received = self.rec.set_provider_response_with(self.api, response, self.options)?;
        self.rec.end()?;
        Ok(self.problem.or(received))
    }

    /// The call failed — the provider's error (its HTTP status, when known,
    /// classifies it) or a transport error: records it as the call error and
    /// ends the generation. The error itself stays the caller's.
    pub fn error(mut self, error: impl Display, http_status: Option<u16>) -> Result<()> {
        // Status 0 is "unknown" to the engine, as set_call_error passes it.
        self.rec.set_call_error_with_status(error, http_status.unwrap_or(0));
        self.rec.end()
    }
}

/// How one embedding call of a provider API is recorded. Made by
/// [`openai::embeddings`] and [`gemini::embed_content`].
#[derive(Debug, Clone)]
pub struct EmbeddingCall<'c> {
    client: &'c Client,
    api: &'static str,
    start: EmbeddingStart,
    context: Option<Context>,
}

impl<'c> EmbeddingCall<'c> {
    /// A call of the embedding API named `api` (`"openai.embeddings"`,
    /// `"gemini.embed_content"`).
    pub fn new(client: &'c Client, api: &'static str) -> EmbeddingCall<'c> {
        EmbeddingCall { client, api, start: EmbeddingStart::default(), context: None }
    }

    /// Start fields of every embedding this call records (fields left unset
    /// come from the request body; Gemini's does not name the model).
    pub fn start(mut self, start: EmbeddingStart) -> Self {
        self.start = start;
        self
    }

    /// An explicit context, as [`GenerationCall::context`].
    pub fn context(mut self, context: &Context) -> Self {
        self.context = Some(context.clone());
        self
    }

    /// Starts recording an embedding call now; the returned
    /// [`EmbeddingExchange`] takes the response or the error. The request
    /// is mapped with the response (the engine maps the two together).
    pub fn begin(&self, request: impl ProviderJson) -> EmbeddingExchange {
        let rec = match &self.context {
            Some(cx) => self.client.start_embedding_with_context(&self.start, cx),
            None => self.client.start_embedding(&self.start),
        };
        EmbeddingExchange { rec, api: self.api, request: request.provider_json().into_owned() }
    }

    /// Records a completed embedding call in one call. Returns as
    /// [`GenerationCall::record`].
    pub fn record(&self, request: impl ProviderJson, response: impl ProviderJson) -> MappingResult {
        self.begin(request).response(response)
    }

    /// Records an embedding call that failed, as [`GenerationCall::record_error`].
    pub fn record_error(
        &self,
        request: impl ProviderJson,
        error: impl Display,
        http_status: Option<u16>,
    ) -> Result<()> {
        self.begin(request).error(error, http_status)
    }
}

/// One embedding call in flight, from [`EmbeddingCall::begin`].
#[derive(Debug)]
#[must_use = "an exchange records its call when it is given the response or the error"]
pub struct EmbeddingExchange {
    rec: EmbeddingRecorder,
    api: &'static str,
    request: Vec<u8>,
}

impl EmbeddingExchange {
    /// The response body received: maps it with the request and ends the
    /// embedding. Returns as [`Exchange::response`].
    pub fn response(mut self, response: impl ProviderJson) -> MappingResult {
        let problem = self.rec.set_provider_result(self.api, Some(&self.request), Some(&response))?;
        self.rec.end()?;
        Ok(problem)
    }

    /// The call failed: maps the request, records the error and ends.
    pub fn error(mut self, error: impl Display, http_status: Option<u16>) -> Result<()> {
        self.rec.set_provider_result(self.api, Some(&self.request), None)?;
        self.rec.set_call_error_with_status(error, http_status.unwrap_or(0));
        self.rec.end()
    }
}

/// Records one streamed generation as its events arrive: raw server-sent
/// event bytes ([`feed_sse`](Self::feed_sse)) or one event's JSON at a time
/// ([`add_event`](Self::add_event)). End it with [`finish`](Self::finish)
/// (the stream was read to its end), [`fail`](Self::fail) (it broke) or
/// [`close`](Self::close) (the caller stopped reading); dropped without any
/// of them it ends as `"abandoned"` ([`STREAM_STOPPED_KEY`]). Every event
/// fed reaches the engine before the generation ends.
#[derive(Debug)]
pub struct StreamRecorder {
    rec: Option<GenerationRecorder>,
    api: &'static str,
    options: ProviderOptions,
    parser: SseParser,
    pending: Vec<(Vec<u8>, SystemTime)>,
    problem: Option<crate::Error>,
}

impl StreamRecorder {
    fn new(
        rec: GenerationRecorder,
        api: &'static str,
        options: ProviderOptions,
        problem: Option<crate::Error>,
    ) -> StreamRecorder {
        StreamRecorder { rec: Some(rec), api, options, parser: SseParser::new(), pending: Vec::new(), problem }
    }

    /// The recorder's generation id.
    pub fn id(&self) -> &str {
        self.rec.as_ref().map_or("", |r| r.id())
    }

    /// Feeds raw bytes of a `text/event-stream` body as they arrive (any
    /// chunking): each complete event's data is recorded with the time of
    /// this call, and the events are returned in order for the caller.
    pub fn feed_sse(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let now = SystemTime::now();
        let mut events = Vec::new();
        self.parser.push(chunk, &mut events);
        for e in &events {
            self.keep(e.data_bytes().to_vec(), now);
        }
        events
    }

    /// Records one event's JSON (an SSE event's data, or a decoded Bedrock
    /// event), arrived now.
    pub fn add_event(&mut self, event: impl ProviderJson) {
        self.add_event_at(event, SystemTime::now());
    }

    /// Records one event's JSON that arrived at `at`.
    pub fn add_event_at(&mut self, event: impl ProviderJson, at: SystemTime) {
        self.keep(event.provider_json().into_owned(), at);
    }

    fn keep(&mut self, body: Vec<u8>, at: SystemTime) {
        self.pending.push((body, at));
        if self.pending.len() >= EVENT_BATCH {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if let Some(rec) = self.rec.as_mut() {
            match rec.add_provider_events_with(self.api, &pending, self.options) {
                Ok(None) => {}
                Ok(Some(problem)) | Err(problem) => {
                    self.problem.get_or_insert(problem);
                }
            }
        }
    }

    /// The first problem the engine reported while mapping the request or
    /// the events (the record keeps what could be mapped and is still
    /// exported).
    pub fn mapping_problem(&self) -> Option<&crate::Error> {
        self.problem.as_ref()
    }

    fn end(&mut self, stopped: &str, error: Option<(String, Option<u16>)>) -> Result<()> {
        self.hand_over();
        let Some(mut rec) = self.rec.take() else { return Ok(()) };
        let marked = if stopped.is_empty() { Ok(()) } else { rec.set_metadata(STREAM_STOPPED_KEY, stopped) };
        if let Some((message, status)) = error {
            rec.set_call_error_with_status(message, status.unwrap_or(0));
        }
        // The generation ends whatever happened above; the first error is returned.
        let ended = rec.end();
        marked.and(ended)
    }

    /// The stream was read to its end: hands over what is pending and ends
    /// the generation (its local error, as [`GenerationRecorder::end`]).
    pub fn finish(mut self) -> Result<()> {
        self.end("", None)
    }

    /// The stream broke while being read: records the error as the call
    /// error (with the HTTP status when known) and `"error"` as
    /// [`STREAM_STOPPED_KEY`], then ends.
    pub fn fail(mut self, error: impl Display, http_status: Option<u16>) -> Result<()> {
        self.end("error", Some((error.to_string(), http_status)))
    }

    /// The caller stopped reading before the end: `"caller_closed"`.
    pub fn close(mut self) -> Result<()> {
        self.end("caller_closed", None)
    }

    #[cfg(feature = "reqwest")]
    pub(crate) fn end_in_place(&mut self, stopped: &str, error: Option<(String, Option<u16>)>) -> Result<()> {
        self.end(stopped, error)
    }

    #[cfg(feature = "reqwest")]
    pub(crate) fn is_open(&self) -> bool {
        self.rec.is_some()
    }
}

impl Drop for StreamRecorder {
    fn drop(&mut self) {
        let _ = self.end("abandoned", None);
    }
}
