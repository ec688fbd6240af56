//! A `reqwest::Response`'s server-sent events as a recorded `Stream`
//! (feature `reqwest`).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use futures_core::Stream;

use super::{GenerationCall, SseEvent, SseParser, StreamRecorder};
use crate::provider::ProviderJson;

/// Why an [`EventStream`] yields an error (its last item).
#[derive(Debug)]
pub enum EventStreamError {
    /// The provider answered with an error status: its body as it arrived
    /// (the provider's error JSON), unchanged.
    Status { status: reqwest::StatusCode, body: Bytes },
    /// Reading the body failed: reqwest's error, unchanged.
    Http(reqwest::Error),
}

impl fmt::Display for EventStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventStreamError::Status { status, body } => {
                write!(f, "provider answered {status}: {}", String::from_utf8_lossy(body))
            }
            EventStreamError::Http(e) => write!(f, "reading the event stream failed: {e}"),
        }
    }
}

impl std::error::Error for EventStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EventStreamError::Http(e) => Some(e),
            EventStreamError::Status { .. } => None,
        }
    }
}

type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// A streamed response's server-sent events, recorded as they are consumed:
/// each event reaches the recorder when the caller receives it, with the time
/// its bytes arrived. The generation ends when the body ends (after the last
/// event is taken), when reading fails (the error is yielded, and recorded
/// with `"error"` as [`STREAM_STOPPED_KEY`](super::STREAM_STOPPED_KEY)), or
/// when the stream is dropped before its end (`"caller_closed"`). A response
/// with an error status yields one [`EventStreamError::Status`] holding the
/// provider's body, recorded as the call error with that status.
///
/// ```no_run
/// # async fn run(client: &sigil::Client, request: serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
/// let http = reqwest::Client::new();
/// let body = serde_json::to_vec(&request)?;
/// let response = http.post("https://api.openai.com/v1/chat/completions").body(body).send().await?;
/// let mut events = sigil::providers::openai::chat(client).stream_response(&request, response)?;
/// while let Some(event) = events.next().await {
///     let event = event?; // event.data: one chunk's JSON, or "[DONE]"
/// }
/// # Ok(()) }
/// ```
pub struct EventStream {
    body: Body,
    recorder: StreamRecorder,
    parser: SseParser,
    ready: VecDeque<(SseEvent, SystemTime)>,
    /// An error status, and its body as it arrives.
    failed: Option<(reqwest::StatusCode, Vec<u8>)>,
    done: bool,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").field("recorder", &self.recorder).field("done", &self.done).finish()
    }
}

impl EventStream {
    /// Reads `response` (its status, then its body) into events recorded by
    /// `recorder`.
    pub fn new(recorder: StreamRecorder, response: reqwest::Response) -> EventStream {
        let status = response.status();
        let failed = (status.is_client_error() || status.is_server_error()).then(|| (status, Vec::new()));
        EventStream {
            body: Box::pin(response.bytes_stream()),
            recorder,
            parser: SseParser::new(),
            ready: VecDeque::new(),
            failed,
            done: false,
        }
    }

    /// The generation id.
    pub fn id(&self) -> &str {
        self.recorder.id()
    }

    fn end(&mut self, stopped: &str, error: Option<(String, Option<u16>)>) {
        self.done = true;
        // A local error (queue full, shutdown) has no caller to go to here:
        // the client's logger and stats report it.
        let _ = self.recorder.end_in_place(stopped, error);
    }
}

impl Stream for EventStream {
    type Item = Result<SseEvent, EventStreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some((event, at)) = this.ready.pop_front() {
                this.recorder.add_event_at(event.data_bytes(), at);
                return Poll::Ready(Some(Ok(event)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match this.body.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => match this.failed.as_mut() {
                    Some((_, body)) => body.extend_from_slice(&chunk),
                    None => {
                        let at = SystemTime::now();
                        let mut events = Vec::new();
                        this.parser.push(&chunk, &mut events);
                        this.ready.extend(events.into_iter().map(|e| (e, at)));
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    let status = this.failed.as_ref().map(|(s, _)| s.as_u16());
                    this.end("error", Some((e.to_string(), status)));
                    return Poll::Ready(Some(Err(EventStreamError::Http(e))));
                }
                Poll::Ready(None) => {
                    if let Some((status, body)) = this.failed.take() {
                        let body = Bytes::from(body);
                        let message = format!("{status}: {}", String::from_utf8_lossy(&body));
                        this.end("", Some((message, Some(status.as_u16()))));
                        return Poll::Ready(Some(Err(EventStreamError::Status { status, body })));
                    }
                    this.end("", None);
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if !self.done && self.recorder.is_open() {
            self.end("caller_closed", None);
        }
    }
}

impl GenerationCall<'_> {
    /// Records a streamed call made with reqwest: maps `request` (the body
    /// sent) and returns the response's events as a recorded [`EventStream`].
    /// `Err` only for an unknown API name.
    pub fn stream_response(
        &self,
        request: impl ProviderJson,
        response: reqwest::Response,
    ) -> crate::Result<EventStream> {
        Ok(EventStream::new(self.stream(request)?, response))
    }
}
