//! Provider JSON, mapped by libsigil (`include/sigil/sigil.h`, "Provider
//! mapping"; the fields of each API are in `docs/providers.md`). The bytes
//! pass through unchanged: any HTTP client or SDK can hand over what it sent
//! and received.

use std::borrow::Cow;
use std::ffi::{c_char, CString};
use std::time::SystemTime;

use sigil_sys as sys;

use crate::embedding::EmbeddingRecorder;
use crate::error::{status_name, Error, Result};
use crate::ffi::unix_ns;
use crate::generation::GenerationRecorder;

/// Provider JSON as the engine takes it: JSON text (`&str`, `String`), its
/// bytes (`&[u8]`, `Vec<u8>`), or a parsed [`serde_json::Value`] (serialized
/// compactly).
pub trait ProviderJson {
    /// The JSON text's bytes.
    fn provider_json(&self) -> Cow<'_, [u8]>;
}

impl ProviderJson for str {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl ProviderJson for String {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl ProviderJson for [u8] {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl ProviderJson for Vec<u8> {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl ProviderJson for serde_json::Value {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        // Serializing a Value cannot fail (its keys are strings).
        Cow::Owned(serde_json::to_vec(self).unwrap_or_default())
    }
}

impl<T: ProviderJson + ?Sized> ProviderJson for &T {
    fn provider_json(&self) -> Cow<'_, [u8]> {
        (**self).provider_json()
    }
}

/// Options of one provider JSON call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderOptions {
    /// Also keep the provider JSON as artifacts (request, response, tools,
    /// provider events); the content capture mode still decides whether they
    /// leave the process.
    pub raw_artifacts: bool,
}

impl ProviderOptions {
    /// Options that keep the provider JSON as artifacts.
    pub fn raw_artifacts() -> ProviderOptions {
        ProviderOptions { raw_artifacts: true }
    }

    fn flags(self) -> u32 {
        if self.raw_artifacts {
            sys::SIGIL_PROVIDER_RAW_ARTIFACTS
        } else {
            0
        }
    }
}

/// What a provider JSON call returns: `Err` for a caller mistake (an unknown
/// API name: [`Error::InvalidArgument`]); `Ok(Some(problem))` when the engine
/// could only partly map the JSON ([`Error::InvalidJson`],
/// [`Error::InvalidUtf8`]) — informational: what could be mapped is kept and
/// the record is exported with `error.type` `mapping_error` on its span;
/// `Ok(None)` when it mapped cleanly.
pub type MappingResult = Result<Option<Error>>;

fn api_name(api: &str) -> Result<CString> {
    CString::new(api).map_err(|_| Error::InvalidArgument(format!("provider API name {api:?} holds a NUL byte")))
}

fn mapping_result(st: sys::sigil_status_t) -> MappingResult {
    match st {
        sys::SIGIL_OK => Ok(None),
        sys::SIGIL_E_INVALID_ARGUMENT => Err(Error::InvalidArgument(
            "provider JSON not accepted: unknown API name, or an API of another recorder kind".into(),
        )),
        st => Ok(Some(Error::from_status(
            st,
            format!(
                "the provider JSON could not be fully mapped ({}); the record keeps what was mapped",
                status_name(st)
            ),
        ))),
    }
}

/// A body's pointer and length; a non-NULL pointer also for an empty body
/// (the engine reads NULL as a caller mistake, "" as JSON that does not parse).
fn body_ptr(bytes: &[u8]) -> (*const c_char, usize) {
    if bytes.is_empty() {
        (c"".as_ptr(), 0)
    } else {
        (bytes.as_ptr().cast(), bytes.len())
    }
}

type ProviderFn = unsafe extern "C" fn(*mut sys::sigil_generation_t, *const c_char, *const c_char, usize, u32) -> u32;

impl GenerationRecorder {
    fn provider(&mut self, f: ProviderFn, api: &str, body: &dyn ProviderJson, o: ProviderOptions) -> MappingResult {
        let api = api_name(api)?;
        let handle = self.raw_handle();
        if handle.is_null() {
            return Ok(None);
        }
        let bytes = body.provider_json();
        let (p, n) = body_ptr(&bytes);
        // SAFETY: live handle; the name and body are valid for the call.
        mapping_result(unsafe { f(handle, api.as_ptr(), p, n, o.flags()) })
    }

    /// Maps a provider request body: model, system prompt, input messages,
    /// tools and request controls. `api` is `"openai.chat"`,
    /// `"openai.responses"`, `"anthropic.messages"`,
    /// `"gemini.generate_content"` or `"bedrock.converse"`. See
    /// [`MappingResult`] for what it returns.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), sigil::Error> {
    /// # let client = sigil::Client::from_env()?;
    /// # let (request_body, response_body) = ("{}", "{}");
    /// let mut rec = client.start_generation(&sigil::GenerationStart::default());
    /// rec.set_provider_request("openai.chat", request_body)?;
    /// if let Some(problem) = rec.set_provider_response("openai.chat", response_body)? {
    ///     eprintln!("mapped with a problem: {problem}"); // still exported
    /// }
    /// rec.end()?;
    /// # Ok(()) }
    /// ```
    pub fn set_provider_request(&mut self, api: &str, body: impl ProviderJson) -> MappingResult {
        self.set_provider_request_with(api, body, ProviderOptions::default())
    }

    /// [`set_provider_request`](Self::set_provider_request) with options.
    pub fn set_provider_request_with(
        &mut self,
        api: &str,
        body: impl ProviderJson,
        o: ProviderOptions,
    ) -> MappingResult {
        self.provider(sys::sigil_generation_set_provider_request, api, &body, o)
    }

    /// Maps a provider response body: output messages, usage, stop reason,
    /// response id and model. As [`set_provider_request`](Self::set_provider_request).
    pub fn set_provider_response(&mut self, api: &str, body: impl ProviderJson) -> MappingResult {
        self.set_provider_response_with(api, body, ProviderOptions::default())
    }

    /// [`set_provider_response`](Self::set_provider_response) with options.
    pub fn set_provider_response_with(
        &mut self,
        api: &str,
        body: impl ProviderJson,
        o: ProviderOptions,
    ) -> MappingResult {
        self.provider(sys::sigil_generation_set_provider_response, api, &body, o)
    }

    /// Feeds one stream event (the JSON of one server-sent event, or one
    /// Bedrock ConverseStream event). The engine accumulates text, thinking,
    /// tool-call deltas and usage until [`end`](Self::end); the first content
    /// event sets the time to first token unless
    /// [`set_first_token_at`](Self::set_first_token_at) did. A stream
    /// abandoned early still reports what arrived.
    pub fn add_provider_event(&mut self, api: &str, event: impl ProviderJson) -> MappingResult {
        self.add_provider_event_with(api, event, ProviderOptions::default())
    }

    /// [`add_provider_event`](Self::add_provider_event) with options (read from the first event).
    pub fn add_provider_event_with(
        &mut self,
        api: &str,
        event: impl ProviderJson,
        o: ProviderOptions,
    ) -> MappingResult {
        self.provider(sys::sigil_generation_add_provider_event, api, &event, o)
    }

    /// Feeds stream events in order, each with the time it reached the
    /// caller, in one call (as many [`add_provider_event`](Self::add_provider_event)
    /// calls would): the first content event sets the time to first token to
    /// its own arrival, not to the time of this call. For a binding or
    /// helper that hands a stream over in batches.
    pub fn add_provider_events<E: ProviderJson>(&mut self, api: &str, events: &[(E, SystemTime)]) -> MappingResult {
        self.add_provider_events_with(api, events, ProviderOptions::default())
    }

    /// [`add_provider_events`](Self::add_provider_events) with options (read from the first event).
    pub fn add_provider_events_with<E: ProviderJson>(
        &mut self,
        api: &str,
        events: &[(E, SystemTime)],
        o: ProviderOptions,
    ) -> MappingResult {
        let api = api_name(api)?;
        let handle = self.raw_handle();
        if handle.is_null() || events.is_empty() {
            return Ok(None);
        }
        let bodies: Vec<Cow<'_, [u8]>> = events.iter().map(|(e, _)| e.provider_json()).collect();
        let (ptrs, lens): (Vec<*const c_char>, Vec<usize>) = bodies.iter().map(|b| body_ptr(b)).unzip();
        let arrived: Vec<i64> = events.iter().map(|(_, at)| unix_ns(*at)).collect();
        // SAFETY: live handle; the name, bodies and times are valid for the call.
        mapping_result(unsafe {
            sys::sigil_generation_add_provider_events(
                handle,
                api.as_ptr(),
                ptrs.as_ptr(),
                lens.as_ptr(),
                arrived.as_ptr(),
                ptrs.len(),
                o.flags(),
            )
        })
    }

    /// Marks the generation with a problem the caller's own mapping found
    /// (the first one wins): it is still exported, with `error.type`
    /// `mapping_error` on its span.
    pub fn set_mapping_error(&mut self, message: impl std::fmt::Display) {
        let handle = self.raw_handle();
        if handle.is_null() {
            return;
        }
        let message = message.to_string();
        let (p, n) = body_ptr(message.as_bytes());
        // SAFETY: live handle; the message is borrowed for the call (a &str is UTF-8).
        unsafe { sys::sigil_generation_set_mapping_error(handle, p, n) };
    }
}

impl EmbeddingRecorder {
    /// Maps an embedding call from the provider's request and/or response
    /// body: `api` is `"openai.embeddings"` or `"gemini.embed_content"`.
    /// Start fields left unset (provider, model, dimensions, encoding format)
    /// come from the request; counts, tokens and the response model from the
    /// response. Returns as [`MappingResult`] says.
    pub fn set_provider_result(
        &mut self,
        api: &str,
        request: Option<&dyn ProviderJson>,
        response: Option<&dyn ProviderJson>,
    ) -> MappingResult {
        let api = api_name(api)?;
        let handle = self.raw_handle();
        if handle.is_null() {
            return Ok(None);
        }
        let request = request.map(|r| r.provider_json());
        let response = response.map(|r| r.provider_json());
        let (rp, rn) = request.as_deref().map_or((std::ptr::null(), 0), body_ptr);
        let (sp, sn) = response.as_deref().map_or((std::ptr::null(), 0), body_ptr);
        // SAFETY: live handle; the name and bodies are valid for the call.
        mapping_result(unsafe { sys::sigil_embedding_set_provider_result(handle, api.as_ptr(), rp, rn, sp, sn) })
    }
}
