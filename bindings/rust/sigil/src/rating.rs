use std::time::{Duration, SystemTime};

use sigil_sys as sys;

use crate::client::Client;
use crate::error::{check, Result};
use crate::ffi::{from_unix_ns, millis, string, Args};
use crate::model::Metadata;

/// A rating's verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ConversationRatingValue {
    /// No verdict (refused by validation when submitting).
    #[default]
    Unspecified,
    Good,
    Bad,
}

impl ConversationRatingValue {
    /// The wire name ("CONVERSATION_RATING_VALUE_GOOD").
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationRatingValue::Unspecified => "CONVERSATION_RATING_VALUE_UNSPECIFIED",
            ConversationRatingValue::Good => "CONVERSATION_RATING_VALUE_GOOD",
            ConversationRatingValue::Bad => "CONVERSATION_RATING_VALUE_BAD",
        }
    }

    fn raw(self) -> u32 {
        match self {
            ConversationRatingValue::Unspecified => sys::SIGIL_RATING_UNSPECIFIED,
            ConversationRatingValue::Good => sys::SIGIL_RATING_GOOD,
            ConversationRatingValue::Bad => sys::SIGIL_RATING_BAD,
        }
    }

    fn from_raw(v: u32) -> ConversationRatingValue {
        match v {
            sys::SIGIL_RATING_GOOD => ConversationRatingValue::Good,
            sys::SIGIL_RATING_BAD => ConversationRatingValue::Bad,
            _ => ConversationRatingValue::Unspecified,
        }
    }
}

/// One rating of a conversation. `rating_id` is the idempotency key:
/// resubmitting the same rating is safe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationRatingInput {
    pub rating_id: String,
    pub rating: ConversationRatingValue,
    pub comment: String,
    pub metadata: Metadata,
    /// The rated generation.
    pub generation_id: String,
    /// Who rated.
    pub rater_id: String,
    /// E.g. "sdk", "ui".
    pub source: String,
}

/// A rating as the server stored it.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ConversationRating {
    pub rating_id: String,
    pub conversation_id: String,
    pub generation_id: String,
    pub rating: ConversationRatingValue,
    pub comment: String,
    pub metadata: Metadata,
    pub rater_id: String,
    pub source: String,
    /// As the server wrote it (RFC 3339).
    pub created_at: String,
    pub created_at_time: Option<SystemTime>,
}

/// The conversation's ratings, as the server summarized them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConversationRatingSummary {
    pub total_count: u64,
    pub good_count: u64,
    pub bad_count: u64,
    pub latest_rating: ConversationRatingValue,
    pub has_bad_rating: bool,
    pub latest_rated_at: Option<SystemTime>,
    pub latest_bad_at: Option<SystemTime>,
}

/// The server's answer to a rating.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SubmitConversationRatingResponse {
    pub rating: ConversationRating,
    pub summary: ConversationRatingSummary,
    /// The response body as received.
    pub raw_json: String,
}

impl Client {
    /// Sends a rating to the Sigil API at once (not through the export
    /// queue), with the export's auth and headers, and waits up to 10 s for
    /// the answer. The engine validates the input first. Errors:
    /// [`RatingValidationFailed`](crate::Error::RatingValidationFailed) (nothing was sent),
    /// [`Rejected`](crate::Error::Rejected) (HTTP 400),
    /// [`RatingConflict`](crate::Error::RatingConflict) (HTTP 409),
    /// [`Timeout`](crate::Error::Timeout), [`TransportError`](crate::Error::TransportError),
    /// [`InvalidConfig`](crate::Error::InvalidConfig) (no usable API endpoint),
    /// [`ClientShutdown`](crate::Error::ClientShutdown).
    /// The call blocks the calling thread.
    ///
    /// ```no_run
    /// use sigil::{Client, ConversationRatingInput, ConversationRatingValue};
    ///
    /// # fn main() -> Result<(), sigil::Error> {
    /// let client = Client::from_env()?;
    /// let answer = client.submit_conversation_rating("conv-1", &ConversationRatingInput {
    ///     rating_id: "rating-1".into(),
    ///     rating: ConversationRatingValue::Good,
    ///     comment: "Spot on".into(),
    ///     ..Default::default()
    /// })?;
    /// println!("{} ratings so far", answer.summary.total_count);
    /// # Ok(()) }
    /// ```
    pub fn submit_conversation_rating(
        &self,
        conversation_id: &str,
        input: &ConversationRatingInput,
    ) -> Result<SubmitConversationRatingResponse> {
        self.submit(conversation_id, input, 0)
    }

    /// [`submit_conversation_rating`](Self::submit_conversation_rating) with
    /// its own timeout.
    pub fn submit_conversation_rating_with_timeout(
        &self,
        conversation_id: &str,
        input: &ConversationRatingInput,
        timeout: Duration,
    ) -> Result<SubmitConversationRatingResponse> {
        self.submit(conversation_id, input, millis(timeout).max(1))
    }

    fn submit(
        &self,
        conversation_id: &str,
        input: &ConversationRatingInput,
        timeout_ms: u32,
    ) -> Result<SubmitConversationRatingResponse> {
        let mut a = Args::new();
        let conversation = a.always("conversation_id", conversation_id);
        let rating_id = a.always("rating_id", &input.rating_id);
        let comment = a.str("comment", &input.comment);
        let generation_id = a.str("generation_id", &input.generation_id);
        let rater_id = a.str("rater_id", &input.rater_id);
        let source = a.str("source", &input.source);
        let metadata =
            (!input.metadata.is_empty()).then(|| a.json(|b| crate::encode::metadata(b, &input.metadata))).flatten();
        // A NUL inside a string: InvalidArgument, as in every binding.
        if let Some(e) = a.error.take() {
            return Err(e);
        }
        let raw = sys::sigil_rating_input_t {
            version: sys::SIGIL_RATING_INPUT_VERSION,
            conversation_id: a.ptr(conversation),
            rating_id: a.ptr(rating_id),
            rating: input.rating.raw(),
            comment: a.ptr(comment),
            metadata_json: a.ptr(metadata),
            metadata_json_len: a.len(metadata),
            generation_id: a.ptr(generation_id),
            rater_id: a.ptr(rater_id),
            source: a.ptr(source),
        };
        let mut out = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        // SAFETY: `raw` and its strings are valid for the call; the result is
        // read and freed below.
        unsafe {
            check(sys::sigil_client_submit_rating(self.raw(), &raw, timeout_ms, &mut out, &mut err), err)?;
            let response = read_response(out);
            sys::sigil_rating_result_free(out);
            Ok(response)
        }
    }
}

unsafe fn read_response(r: *const sys::sigil_rating_result_t) -> SubmitConversationRatingResponse {
    let mut s = sys::sigil_rating_summary_t { version: sys::SIGIL_RATING_SUMMARY_VERSION, ..Default::default() };
    sys::sigil_rating_result_summary(r, &mut s);
    let metadata = match serde_json::from_str::<serde_json::Value>(&string(sys::sigil_rating_result_metadata_json(r))) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => Metadata::new(),
    };
    let mut len = 0usize;
    let body = sys::sigil_rating_result_json(r, &mut len);
    let raw_json = if body.is_null() {
        String::new()
    } else {
        String::from_utf8_lossy(std::slice::from_raw_parts(body.cast::<u8>(), len)).into_owned()
    };
    SubmitConversationRatingResponse {
        rating: ConversationRating {
            rating_id: string(sys::sigil_rating_result_rating_id(r)),
            conversation_id: string(sys::sigil_rating_result_conversation_id(r)),
            generation_id: string(sys::sigil_rating_result_generation_id(r)),
            rating: ConversationRatingValue::from_raw(sys::sigil_rating_result_rating(r)),
            comment: string(sys::sigil_rating_result_comment(r)),
            metadata,
            rater_id: string(sys::sigil_rating_result_rater_id(r)),
            source: string(sys::sigil_rating_result_source(r)),
            created_at: string(sys::sigil_rating_result_created_at(r)),
            created_at_time: from_unix_ns(sys::sigil_rating_result_created_at_ns(r)),
        },
        summary: ConversationRatingSummary {
            total_count: s.total_count,
            good_count: s.good_count,
            bad_count: s.bad_count,
            latest_rating: ConversationRatingValue::from_raw(s.latest_rating),
            has_bad_rating: s.has_bad_rating != 0,
            latest_rated_at: from_unix_ns(s.latest_rated_at_ns),
            latest_bad_at: from_unix_ns(s.latest_bad_at_ns),
        },
        raw_json,
    }
}
