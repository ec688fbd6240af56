//! async-openai's client, recorded (feature `async-openai`).
//!
//! [`Client`] wraps an `async_openai::Client` and a [`crate::Client`]:
//! `chat().create(..)`, `chat().create_stream(..)` and
//! `embeddings().create(..)` call async-openai exactly as the caller would,
//! record the call, and return async-openai's own result: the typed
//! response, its `ChatCompletionResponseStream`, or its `OpenAIError`
//! unchanged. The request and response are handed to the engine as their
//! serde JSON (async-openai does not expose the bytes it sent and received).
//!
//! ```no_run
//! # async fn run(sigil: sigil::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use async_openai::types::chat::CreateChatCompletionRequestArgs;
//! let openai = sigil::providers::async_openai::Client::new(async_openai::Client::new(), sigil);
//! let request = CreateChatCompletionRequestArgs::default().model("gpt-4o-mini").messages(vec![]).build()?;
//! let response = openai.chat().create(request).await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use async_openai::config::{Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionResponseStream, CreateChatCompletionRequest, CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse,
};
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use futures_core::Stream;

use super::{openai, EmbeddingCall, GenerationCall, StreamRecorder};
use crate::context::Context;
use crate::model::GenerationStart;

/// The serde JSON of a request, response or chunk; a value that does not
/// serialize (never the case for async-openai's types) becomes `null`,
/// which the engine reports as a mapping problem.
fn json(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec())
}

/// The HTTP status of an async-openai error, when it has one.
fn http_status(error: &OpenAIError) -> Option<u16> {
    match error {
        OpenAIError::ApiError(e) => Some(e.status_code.as_u16()),
        OpenAIError::Reqwest(e) => e.status().map(|s| s.as_u16()),
        _ => None,
    }
}

/// An `async_openai::Client` whose chat and embedding calls are recorded by
/// a sigil [`Client`](crate::Client). Cheap to clone (both clients are).
#[derive(Clone)]
pub struct Client<C: Config = OpenAIConfig> {
    openai: async_openai::Client<C>,
    sigil: crate::Client,
    start: GenerationStart,
    embedding_start: crate::EmbeddingStart,
    context: Option<Context>,
    raw_artifacts: bool,
}

impl<C: Config> fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("start", &self.start).field("context", &self.context).finish_non_exhaustive()
    }
}

impl<C: Config> Client<C> {
    /// Records `openai`'s calls with `sigil`.
    pub fn new(openai: async_openai::Client<C>, sigil: crate::Client) -> Client<C> {
        Client {
            openai,
            sigil,
            start: GenerationStart::default(),
            embedding_start: Default::default(),
            context: None,
            raw_artifacts: false,
        }
    }

    /// Start fields of every generation recorded (conversation, agent, tags,
    /// metadata, ...); the model comes from each request.
    pub fn with_start(mut self, start: GenerationStart) -> Self {
        self.start = start;
        self
    }

    /// The start fields of every embedding recorded.
    pub fn with_embedding_start(mut self, start: crate::EmbeddingStart) -> Self {
        self.embedding_start = start;
        self
    }

    /// The context of every call (also settable per call: [`Chat::context`]);
    /// without one, the calling thread's current [`Context`].
    pub fn with_context(mut self, context: &Context) -> Self {
        self.context = Some(context.clone());
        self
    }

    /// Also keep the provider JSON as artifacts.
    pub fn raw_artifacts(mut self, keep: bool) -> Self {
        self.raw_artifacts = keep;
        self
    }

    /// The async-openai client, for the APIs this wrapper does not record.
    pub fn inner(&self) -> &async_openai::Client<C> {
        &self.openai
    }

    /// The sigil client.
    pub fn sigil(&self) -> &crate::Client {
        &self.sigil
    }

    /// Chat Completions, recorded.
    pub fn chat(&self) -> Chat<'_, C> {
        Chat { client: self, context: self.context.clone() }
    }

    /// Embeddings, recorded.
    pub fn embeddings(&self) -> Embeddings<'_, C> {
        Embeddings { client: self, context: self.context.clone() }
    }
}

/// Chat Completions of a recorded [`Client`].
#[derive(Debug)]
pub struct Chat<'c, C: Config> {
    client: &'c Client<C>,
    context: Option<Context>,
}

impl<C: Config> Chat<'_, C> {
    /// The context of the calls made through this value (conversation, user,
    /// agent, parent span).
    pub fn context(mut self, context: &Context) -> Self {
        self.context = Some(context.clone());
        self
    }

    fn call(&self) -> GenerationCall<'_> {
        let mut call =
            openai::chat(&self.client.sigil).start(self.client.start.clone()).raw_artifacts(self.client.raw_artifacts);
        if let Some(cx) = &self.context {
            call = call.context(cx);
        }
        call
    }

    /// async-openai's `chat().create(request)`, recorded (a sync generation).
    pub async fn create(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<CreateChatCompletionResponse, OpenAIError> {
        let exchange = self.call().begin(json(&request));
        let result = self.client.openai.chat().create(request).await;
        if let Ok(exchange) = exchange {
            // Recording never changes the caller's result; local errors go
            // to the client's logger and stats.
            let _ = match &result {
                Ok(response) => exchange.response(json(response)).map(drop),
                Err(e) => exchange.error(e, http_status(e)),
            };
        }
        result
    }

    /// async-openai's `chat().create_stream(request)`, recorded (a streaming
    /// generation): the stream is async-openai's stream type; each chunk is
    /// recorded when the caller receives it, and the generation ends when
    /// the stream ends, yields an error (`"error"`), or is dropped before its
    /// end (`"caller_closed"`, see [`STREAM_STOPPED_KEY`](super::STREAM_STOPPED_KEY)).
    pub async fn create_stream(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<ChatCompletionResponseStream, OpenAIError> {
        let mut body = request.clone();
        body.stream = Some(true); // what async-openai sends
        let recorder = self.call().stream(json(&body));
        match (self.client.openai.chat().create_stream(request).await, recorder) {
            (Ok(stream), Ok(recorder)) => Ok(Box::pin(RecordedChunks { inner: stream, recorder, done: false })),
            (Err(e), Ok(mut recorder)) => {
                let _ = recorder.end_in_place("", Some((e.to_string(), http_status(&e))));
                Err(e)
            }
            (result, Err(_)) => result,
        }
    }
}

/// async-openai's chunk stream with each chunk recorded as it passes.
struct RecordedChunks {
    inner: ChatCompletionResponseStream,
    recorder: StreamRecorder,
    done: bool,
}

impl Stream for RecordedChunks {
    type Item = Result<CreateChatCompletionStreamResponse, OpenAIError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let item = futures_core::ready!(self.inner.as_mut().poll_next(cx));
        if !self.done {
            match &item {
                Some(Ok(chunk)) => self.recorder.add_event(json(chunk)),
                Some(Err(e)) => {
                    self.done = true;
                    let error = Some((e.to_string(), http_status(e)));
                    let _ = self.recorder.end_in_place("error", error);
                }
                None => {
                    self.done = true;
                    let _ = self.recorder.end_in_place("", None);
                }
            }
        }
        Poll::Ready(item)
    }
}

impl Drop for RecordedChunks {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.recorder.end_in_place("caller_closed", None);
        }
    }
}

/// Embeddings of a recorded [`Client`].
#[derive(Debug)]
pub struct Embeddings<'c, C: Config> {
    client: &'c Client<C>,
    context: Option<Context>,
}

impl<C: Config> Embeddings<'_, C> {
    /// The context of the calls made through this value.
    pub fn context(mut self, context: &Context) -> Self {
        self.context = Some(context.clone());
        self
    }

    fn call(&self) -> EmbeddingCall<'_> {
        let mut call = openai::embeddings(&self.client.sigil).start(self.client.embedding_start.clone());
        if let Some(cx) = &self.context {
            call = call.context(cx);
        }
        call
    }

    /// async-openai's `embeddings().create(request)`, recorded.
    pub async fn create(&self, request: CreateEmbeddingRequest) -> Result<CreateEmbeddingResponse, OpenAIError> {
        let exchange = self.call().begin(json(&request));
        let result = self.client.openai.embeddings().create(request).await;
        let _ = match &result {
            Ok(response) => exchange.response(json(response)).map(drop),
            Err(e) => exchange.error(e, http_status(e)),
        };
        result
    }
}
