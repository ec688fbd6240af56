// Section: Ratings.
#include "abi/handles.h"
#include "core/rating.h"

using sigil::abi::copy_cstr;
using sigil::abi::copy_str;
using sigil::abi::guard;
using sigil::abi::report;
using sigil::detail::RatingInput;
using sigil::detail::RatingValue;
using sigil::detail::Status;

struct sigil_rating_result {
  sigil::detail::RatingResponse response;
};

namespace {

Status read_input(const sigil_rating_input_t &in, RatingInput &out) {
  Status st = copy_cstr(in.conversation_id, "conversation_id", out.conversation_id);
  if (st.is_ok()) st = copy_cstr(in.rating_id, "rating_id", out.rating_id);
  if (st.is_ok()) st = copy_cstr(in.comment, "comment", out.comment);
  if (st.is_ok()) st = copy_str(in.metadata_json, in.metadata_json_len, "metadata_json", out.metadata_json);
  if (st.is_ok()) st = copy_cstr(in.generation_id, "generation_id", out.generation_id);
  if (st.is_ok()) st = copy_cstr(in.rater_id, "rater_id", out.rater_id);
  if (st.is_ok()) st = copy_cstr(in.source, "source", out.source);
  // Unknown values stay unknown so that validation names the problem.
  out.rating = in.rating == SIGIL_RATING_GOOD || in.rating == SIGIL_RATING_BAD ? static_cast<RatingValue>(in.rating)
                                                                               : RatingValue::kUnspecified;
  return st;
}

const char *field(const sigil_rating_result_t *r, std::string sigil::detail::RatingResponse::*member) {
  return r == nullptr ? "" : (r->response.*member).c_str();
}

}  // namespace

extern "C" {

sigil_status_t sigil_rating_input_init(sigil_rating_input_t *input) {
  return sigil::abi::init_versioned(input, SIGIL_RATING_INPUT_VERSION);
}

sigil_status_t sigil_rating_summary_init(sigil_rating_summary_t *summary) {
  return sigil::abi::init_versioned(summary, SIGIL_RATING_SUMMARY_VERSION);
}

sigil_status_t sigil_client_submit_rating(sigil_client_t *client, const sigil_rating_input_t *input,
                                          uint32_t timeout_ms, sigil_rating_result_t **out, sigil_error_t **error) {
  if (error != nullptr) *error = nullptr;
  if (out == nullptr) return report(sigil::abi::invalid_argument("out is NULL"), error);
  *out = nullptr;
  if (client == nullptr) return report(sigil::abi::invalid_argument("client is NULL"), error);
  if (input == nullptr) return report(sigil::abi::invalid_argument("input is NULL"), error);
  if (input->version != SIGIL_RATING_INPUT_VERSION) {
    return report(sigil::abi::invalid_argument("input->version is not SIGIL_RATING_INPUT_VERSION"), error);
  }
  sigil_status_t code = guard([&]() -> sigil_status_t {
    if (client->client->is_shutdown()) return report(Status(SIGIL_E_SHUTDOWN, "the client is shut down"), error);
    RatingInput in;
    Status st = read_input(*input, in);
    if (!st.is_ok()) return report(st, error);
    client->client->privacy().apply_rating(in.comment, in.metadata_json);
    auto response = sigil::detail::submit_rating(client->client->config(), std::move(in), timeout_ms);
    if (!response) return report(response.error(), error);
    *out = new sigil_rating_result{std::move(response.value())};
    return SIGIL_OK;
  });
  if (code != SIGIL_OK && error != nullptr && *error == nullptr) {  // an exception escaped the engine
    report(Status(code, "internal failure while submitting the rating"), error);
  }
  return code;
}

const char *sigil_rating_result_json(const sigil_rating_result_t *r, size_t *len) {
  if (len != nullptr) *len = r == nullptr ? 0 : r->response.json.size();
  return r == nullptr ? "" : r->response.json.c_str();
}

const char *sigil_rating_result_rating_id(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::rating_id);
}
const char *sigil_rating_result_conversation_id(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::conversation_id);
}
const char *sigil_rating_result_generation_id(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::generation_id);
}
const char *sigil_rating_result_comment(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::comment);
}
const char *sigil_rating_result_rater_id(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::rater_id);
}
const char *sigil_rating_result_source(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::source);
}
const char *sigil_rating_result_metadata_json(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::metadata_json);
}
const char *sigil_rating_result_created_at(const sigil_rating_result_t *r) {
  return field(r, &sigil::detail::RatingResponse::created_at);
}

uint32_t sigil_rating_result_rating(const sigil_rating_result_t *r) {
  return r == nullptr ? SIGIL_RATING_UNSPECIFIED : static_cast<uint32_t>(r->response.rating);
}

int64_t sigil_rating_result_created_at_ns(const sigil_rating_result_t *r) {
  return r == nullptr ? 0 : r->response.created_at_ns;
}

sigil_status_t sigil_rating_result_summary(const sigil_rating_result_t *r, sigil_rating_summary_t *out) {
  if (r == nullptr || out == nullptr || out->version != SIGIL_RATING_SUMMARY_VERSION) return SIGIL_E_INVALID_ARGUMENT;
  const sigil::detail::RatingSummary &s = r->response.summary;
  sigil_rating_summary_t fresh{};
  fresh.version = SIGIL_RATING_SUMMARY_VERSION;
  fresh.total_count = s.total_count;
  fresh.good_count = s.good_count;
  fresh.bad_count = s.bad_count;
  fresh.latest_rating = static_cast<uint32_t>(s.latest_rating);
  fresh.has_bad_rating = s.has_bad_rating ? 1 : 0;
  fresh.latest_rated_at_ns = s.latest_rated_at_ns;
  fresh.latest_bad_at_ns = s.latest_bad_at_ns;
  *out = fresh;
  return SIGIL_OK;
}

void sigil_rating_result_free(sigil_rating_result_t *r) { delete r; }

}  // extern "C"
