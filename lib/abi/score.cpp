// Section: Scores.
#include <cstdlib>
#include <cstring>

#include "abi/handles.h"
#include "core/client.h"
#include "core/score.h"

using sigil::abi::copy_cstr;
using sigil::abi::copy_str;
using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::ScoreInput;
using sigil::detail::ScorePassed;
using sigil::detail::ScoreValueKind;
using sigil::detail::Status;

namespace {

Status read_score(const sigil_score_t &in, ScoreInput &out) {
  sigil::detail::Score &s = out.score;
  Status st = copy_cstr(in.score_id, "score_id", s.score_id);
  if (st.is_ok()) st = copy_cstr(in.generation_id, "generation_id", s.generation_id);
  if (st.is_ok()) st = copy_cstr(in.conversation_id, "conversation_id", s.conversation_id);
  if (st.is_ok()) st = copy_cstr(in.trace_id, "trace_id", s.trace_id);
  if (st.is_ok()) st = copy_cstr(in.span_id, "span_id", s.span_id);
  if (st.is_ok()) st = copy_cstr(in.evaluator_id, "evaluator_id", s.evaluator_id);
  if (st.is_ok()) st = copy_cstr(in.evaluator_version, "evaluator_version", s.evaluator_version);
  if (st.is_ok()) st = copy_cstr(in.key, "key", s.key);
  if (st.is_ok()) st = copy_cstr(in.string_value, "string_value", s.string_value);
  if (st.is_ok()) st = copy_cstr(in.label, "label", out.label);
  if (st.is_ok()) st = copy_cstr(in.rationale, "rationale", s.explanation);
  if (st.is_ok()) st = copy_str(in.metadata_json, in.metadata_json_len, "metadata_json", s.metadata_json);
  // Unknown kinds stay unknown (out of range) so that validation names them.
  s.kind = static_cast<ScoreValueKind>(in.value_kind);
  s.number = in.number_value;
  s.boolean = in.bool_value != 0;
  s.passed = static_cast<ScorePassed>(in.passed);
  s.created_at_ns = in.created_at_ns;
  return st;
}

}  // namespace

extern "C" {

sigil_status_t sigil_score_init(sigil_score_t *score) { return sigil::abi::init_versioned(score, SIGIL_SCORE_VERSION); }

sigil_status_t sigil_client_submit_score(sigil_client_t *client, const sigil_score_t *score, char **score_id_out,
                                         sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (score_id_out != nullptr) *score_id_out = nullptr;
  if (client == nullptr) return report(sigil::abi::invalid_argument("client is NULL"), error);
  if (score == nullptr) return report(sigil::abi::invalid_argument("score is NULL"), error);
  if (score->version != SIGIL_SCORE_VERSION) {
    return report(sigil::abi::invalid_argument("score->version is not SIGIL_SCORE_VERSION"), error);
  }
  sigil_status_t code = guard([&]() -> sigil_status_t {
    ScoreInput in;
    Status st = read_score(*score, in);
    if (!st.is_ok()) return report(st, error);
    auto id = client->client->submit_score(std::move(in));
    if (!id) return report(id.error(), error);
    if (score_id_out != nullptr) {
      char *copy = static_cast<char *>(std::malloc(id->size() + 1));
      if (copy == nullptr) return report(Status(SIGIL_E_NO_MEMORY, "out of memory copying the score id"), error);
      std::memcpy(copy, id->c_str(), id->size() + 1);
      *score_id_out = copy;
    }
    return SIGIL_OK;
  });
  if (code != SIGIL_OK && error != nullptr && *error == nullptr) {  // an exception escaped the engine
    report(Status(code, "internal failure while submitting the score"), error);
  }
  return code;
}

void sigil_string_free(char *str) { std::free(str); }

}  // extern "C"
