use std::time::SystemTime;

use sigil_sys as sys;

use crate::client::Client;
use crate::error::{check, Result};
use crate::ffi::{string, unix_ns, Args};
use crate::model::Metadata;

/// A score's value: exactly one kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreValue {
    /// A finite number (NaN and infinities are refused).
    Number(f64),
    Bool(bool),
    String(String),
}

impl Default for ScoreValue {
    fn default() -> Self {
        ScoreValue::Number(0.0)
    }
}

/// One evaluation result for a generation, sent to Sigil's score ingest
/// (`POST /api/v1/scores:export` on the API endpoint). `score_id` is the
/// idempotency key (generated when empty); `label` goes to the metadata
/// ("label"), `rationale` to the explanation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub score_id: String,
    /// Required.
    pub generation_id: String,
    pub conversation_id: String,
    pub trace_id: String,
    pub span_id: String,
    /// Required.
    pub evaluator_id: String,
    /// Required.
    pub evaluator_version: String,
    /// Required: what was scored, e.g. "helpfulness".
    pub key: String,
    pub value: ScoreValue,
    pub passed: Option<bool>,
    pub label: String,
    pub rationale: String,
    pub metadata: Metadata,
    /// `None`: the time of the call.
    pub created_at: Option<SystemTime>,
}

impl Client {
    /// Validates a score and queues it; returns the score id used. The
    /// client's score worker batches and retries in the background
    /// ([`Client::flush`] waits for it). Invalid input is
    /// [`Error::ValidationFailed`](crate::Error::ValidationFailed) and queues nothing.
    pub fn submit_score(&self, score: &Score) -> Result<String> {
        let mut a = Args::new();
        let score_id = a.str("score_id", &score.score_id);
        let generation_id = a.str("generation_id", &score.generation_id);
        let conversation_id = a.str("conversation_id", &score.conversation_id);
        let trace_id = a.str("trace_id", &score.trace_id);
        let span_id = a.str("span_id", &score.span_id);
        let evaluator_id = a.str("evaluator_id", &score.evaluator_id);
        let evaluator_version = a.str("evaluator_version", &score.evaluator_version);
        let key = a.str("key", &score.key);
        let label = a.str("label", &score.label);
        let rationale = a.str("rationale", &score.rationale);
        let (value_kind, number_value, bool_value, string_value) = match &score.value {
            ScoreValue::Number(n) => (sys::SIGIL_SCORE_VALUE_NUMBER, *n, 0, None),
            ScoreValue::Bool(b) => (sys::SIGIL_SCORE_VALUE_BOOL, 0.0, i32::from(*b), None),
            ScoreValue::String(s) => (sys::SIGIL_SCORE_VALUE_STRING, 0.0, 0, a.always("value", s)),
        };
        let metadata =
            (!score.metadata.is_empty()).then(|| a.json(|b| crate::encode::metadata(b, &score.metadata))).flatten();
        // A NUL inside a string: InvalidArgument, as in every binding.
        if let Some(e) = a.error.take() {
            return Err(e);
        }
        let raw = sys::sigil_score_t {
            version: sys::SIGIL_SCORE_VERSION,
            score_id: a.ptr(score_id),
            generation_id: a.ptr(generation_id),
            conversation_id: a.ptr(conversation_id),
            trace_id: a.ptr(trace_id),
            span_id: a.ptr(span_id),
            evaluator_id: a.ptr(evaluator_id),
            evaluator_version: a.ptr(evaluator_version),
            key: a.ptr(key),
            value_kind,
            number_value,
            bool_value,
            string_value: a.ptr(string_value),
            passed: match score.passed {
                None => sys::SIGIL_SCORE_PASSED_UNSET,
                Some(true) => sys::SIGIL_SCORE_PASSED_TRUE,
                Some(false) => sys::SIGIL_SCORE_PASSED_FALSE,
            },
            label: a.ptr(label),
            rationale: a.ptr(rationale),
            metadata_json: a.ptr(metadata),
            metadata_json_len: a.len(metadata),
            created_at_ns: score.created_at.map(unix_ns).unwrap_or(0),
        };
        let mut id = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        // SAFETY: `raw` and its strings are valid for the call; the id is
        // copied and freed below.
        unsafe {
            check(sys::sigil_client_submit_score(self.raw(), &raw, &mut id, &mut err), err)?;
            let out = string(id);
            sys::sigil_string_free(id);
            Ok(out)
        }
    }
}
