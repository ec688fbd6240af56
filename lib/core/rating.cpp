#include "core/rating.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <memory>

#include "core/cjson_text.h"
#include "core/json_input.h"
#include "base/strings.h"
#include "base/timefmt.h"
#include "base/json_writer.h"
#include "export/endpoint.h"
#include "export/http_client.h"

namespace sigil::detail {

namespace {

// Reference limits (bytes).
constexpr size_t kMaxConversationId = 255;
constexpr size_t kMaxRatingId = 128;
constexpr size_t kMaxGenerationId = 255;
constexpr size_t kMaxActorId = 255;
constexpr size_t kMaxSource = 64;
constexpr size_t kMaxComment = 4096;
constexpr size_t kMaxMetadata = 16 * 1024;
constexpr uint32_t kDefaultTimeoutMs = 10000;
constexpr size_t kMaxErrorBody = 512;

constexpr const char *kGood = "CONVERSATION_RATING_VALUE_GOOD";
constexpr const char *kBad = "CONVERSATION_RATING_VALUE_BAD";

Status invalid(std::string message) {
  return Status(SIGIL_E_RATING_VALIDATION, "rating validation failed: " + message);
}

Status malformed(std::string message) {
  return Status(SIGIL_E_TRANSPORT, "malformed rating response: " + std::move(message));
}

// JSON text without insignificant whitespace; the input must already be valid.
std::string compact_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out.push_back(c);
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

Status check_length(const std::string &value, size_t max, const char *what) {
  if (value.size() > max) {
    return invalid(std::string(what) + " is too long (" + std::to_string(value.size()) + " bytes, at most " +
                   std::to_string(max) + ")");
  }
  return Status::ok();
}

const char *reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string error_text(long status, std::string_view body) {
  std::string text = trim(body);
  if (text.size() > kMaxErrorBody) text = text.substr(0, kMaxErrorBody) + "...";
  if (text.empty()) text = reason_phrase(status);
  return text;
}

// Field readers: absent and null are "unset"; a wrong type is malformed.
Status read_string(const cJSON *obj, const char *key, std::string &out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == nullptr || cJSON_IsNull(v)) return Status::ok();
  if (!cJSON_IsString(v) || v->valuestring == nullptr) return malformed(std::string("\"") + key + "\" is not a string");
  out = v->valuestring;
  return Status::ok();
}

Status read_count(const cJSON *obj, const char *key, uint64_t &out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == nullptr || cJSON_IsNull(v)) return Status::ok();
  // cJSON holds numbers as doubles: accept only whole values a uint64 can hold
  // (2^64 is exactly representable; anything from it up, NaN and infinities are not).
  const double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
  if (!(d >= 0 && d < 18446744073709551616.0) || d != std::floor(d)) {
    return malformed(std::string("\"") + key + "\" is not a count");
  }
  out = static_cast<uint64_t>(d);
  return Status::ok();
}

Status read_bool(const cJSON *obj, const char *key, bool &out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == nullptr || cJSON_IsNull(v)) return Status::ok();
  if (!cJSON_IsBool(v)) return malformed(std::string("\"") + key + "\" is not a boolean");
  out = cJSON_IsTrue(v);
  return Status::ok();
}

// Unix ns of an RFC 3339 time; 0 when absent, unparseable, or outside the
// int64 nanosecond range (the Go zero time "0001-01-01T00:00:00Z" means unset).
int64_t time_ns(const std::string &s) {
  int64_t ns = 0;
  return parse_rfc3339(s, ns) ? ns : 0;
}

Status read_time(const cJSON *obj, const char *key, std::string &text, int64_t &ns) {
  Status st = read_string(obj, key, text);
  if (st.is_ok()) ns = time_ns(text);
  return st;
}

const cJSON *object_member(const cJSON *obj, const char *key, Status &st) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == nullptr || cJSON_IsNull(v)) return nullptr;
  if (!cJSON_IsObject(v)) st = malformed(std::string("\"") + key + "\" is not an object");
  return cJSON_IsObject(v) ? v : nullptr;
}

}  // namespace

const char *rating_value_wire_name(RatingValue v) {
  switch (v) {
    case RatingValue::kGood:
      return kGood;
    case RatingValue::kBad:
      return kBad;
    default:
      return "";
  }
}

RatingValue rating_value_from_wire(std::string_view name) {
  if (name == kGood) return RatingValue::kGood;
  if (name == kBad) return RatingValue::kBad;
  return RatingValue::kUnspecified;
}

Status normalize_rating(RatingInput &in) {
  in.conversation_id = trim(in.conversation_id);
  in.rating_id = trim(in.rating_id);
  in.comment = trim(in.comment);
  in.generation_id = trim(in.generation_id);
  in.rater_id = trim(in.rater_id);
  in.source = trim(in.source);

  if (in.conversation_id.empty()) return invalid("conversation id is required");
  Status st = check_length(in.conversation_id, kMaxConversationId, "conversation id");
  if (!st.is_ok()) return st;
  if (in.rating_id.empty()) return invalid("rating id is required");
  if (!(st = check_length(in.rating_id, kMaxRatingId, "rating id")).is_ok()) return st;
  if (in.rating != RatingValue::kGood && in.rating != RatingValue::kBad) {
    return invalid(std::string("rating must be SIGIL_RATING_GOOD (") + kGood + ") or SIGIL_RATING_BAD (" + kBad + ")");
  }
  if (!(st = check_length(in.comment, kMaxComment, "comment")).is_ok()) return st;
  if (!(st = check_length(in.generation_id, kMaxGenerationId, "generation id")).is_ok()) return st;
  if (!(st = check_length(in.rater_id, kMaxActorId, "rater id")).is_ok()) return st;
  if (!(st = check_length(in.source, kMaxSource, "source")).is_ok()) return st;

  std::string_view md = trim_view(in.metadata_json);
  if (md.empty()) {
    in.metadata_json.clear();
    return Status::ok();
  }
  // The strict (RFC 8259) parser the privacy pass reads the metadata with:
  // cJSON lets raw control characters in strings through, and metadata the
  // privacy pass could not read would go out unredacted and as invalid JSON.
  Metadata parsed;
  Status shape = parse_metadata_json(md, parsed);
  if (!shape.is_ok()) return invalid("metadata must be a JSON object (" + shape.message() + ")");
  if (parsed.empty()) {  // "{}" is sent as no metadata, as in the reference
    in.metadata_json.clear();
    return Status::ok();
  }
  in.metadata_json = compact_json(md);
  if (in.metadata_json.size() > kMaxMetadata) {
    return invalid("metadata is too large (" + std::to_string(in.metadata_json.size()) + " bytes, at most " +
                   std::to_string(kMaxMetadata) + ")");
  }
  return Status::ok();
}

std::string rating_request_json(const RatingInput &in) {
  std::string out;
  JsonObjectWriter w(out);
  w.string("rating_id", in.rating_id);
  w.string("rating", rating_value_wire_name(in.rating));
  w.string_if("comment", in.comment);
  if (!in.metadata_json.empty()) w.raw("metadata", in.metadata_json);
  w.string_if("generation_id", in.generation_id);
  w.string_if("rater_id", in.rater_id);
  w.string_if("source", in.source);
  w.end();
  return out;
}

std::string escape_path_segment(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  const bool dots_only = s == "." || s == "..";
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '~' || c == '$' || c == '&' || c == '+' || c == ':' || c == '=' || c == '@' ||
                (c == '.' && !dots_only);
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Expected<std::string> rating_url(std::string_view api_endpoint, std::optional<bool> insecure,
                                 std::string_view conversation_id) {
  if (is_blank(api_endpoint)) return Status(SIGIL_E_CONFIG, "the Sigil API endpoint is empty (SIGIL_API_ENDPOINT)");
  auto ep = parse_endpoint(api_endpoint, insecure, "/");
  if (!ep) return Status(SIGIL_E_CONFIG, "invalid Sigil API endpoint: " + ep.error().message());
  return std::string(ep->tls ? "https://" : "http://") + ep->authority + "/api/v1/conversations/" +
         escape_path_segment(conversation_id) + "/ratings";
}

Expected<RatingResponse> parse_rating_response(std::string body) {
  RatingResponse r;
  CjsonPtr root = parse_json_text(body);
  if (!root) return malformed("the body is not JSON: " + error_text(200, body));
  if (!cJSON_IsObject(root.get())) return malformed("the body is not a JSON object");
  Status st;
  if (const cJSON *rating = object_member(root.get(), "rating", st)) {
    std::string value;
    if (st.is_ok()) st = read_string(rating, "rating_id", r.rating_id);
    if (st.is_ok()) st = read_string(rating, "conversation_id", r.conversation_id);
    if (st.is_ok()) st = read_string(rating, "generation_id", r.generation_id);
    if (st.is_ok()) st = read_string(rating, "rating", value);
    if (st.is_ok()) st = read_string(rating, "comment", r.comment);
    if (st.is_ok()) st = read_string(rating, "rater_id", r.rater_id);
    if (st.is_ok()) st = read_string(rating, "source", r.source);
    if (st.is_ok()) st = read_time(rating, "created_at", r.created_at, r.created_at_ns);
    if (st.is_ok()) {
      if (const cJSON *md = object_member(rating, "metadata", st)) {
        char *text = cJSON_PrintUnformatted(md);
        if (text == nullptr) return Status(SIGIL_E_NO_MEMORY, "out of memory printing rating metadata");
        r.metadata_json = text;
        cJSON_free(text);
      }
    }
    r.rating = rating_value_from_wire(value);
  }
  if (!st.is_ok()) return st;
  if (const cJSON *summary = object_member(root.get(), "summary", st)) {
    RatingSummary &s = r.summary;
    std::string latest, unused;
    if (st.is_ok()) st = read_count(summary, "total_count", s.total_count);
    if (st.is_ok()) st = read_count(summary, "good_count", s.good_count);
    if (st.is_ok()) st = read_count(summary, "bad_count", s.bad_count);
    if (st.is_ok()) st = read_string(summary, "latest_rating", latest);
    if (st.is_ok()) st = read_time(summary, "latest_rated_at", unused, s.latest_rated_at_ns);
    if (st.is_ok()) st = read_time(summary, "latest_bad_at", unused, s.latest_bad_at_ns);
    if (st.is_ok()) st = read_bool(summary, "has_bad_rating", s.has_bad_rating);
    s.latest_rating = rating_value_from_wire(latest);
  }
  if (!st.is_ok()) return st;
  r.json = std::move(body);
  return r;
}

Status rating_http_error(long status, std::string_view body) {
  std::string text = error_text(status, body);
  switch (status) {
    case 400:
      return Status(SIGIL_E_REJECTED, "rating rejected by the server (HTTP 400): " + text);
    case 409:
      // The reference SDKs' wording, which their users match on.
      return Status(SIGIL_E_RATING_CONFLICT, "conversation rating conflict: " + text);
    default:
      return Status(SIGIL_E_TRANSPORT, "rating request failed: HTTP " + std::to_string(status) +
                                           (text.empty() ? std::string() : ": " + text));
  }
}

Expected<RatingResponse> submit_rating(const ClientConfig &config, RatingInput input, uint32_t timeout_ms) {
  Status st = normalize_rating(input);
  if (!st.is_ok()) return st;
  auto url = rating_url(config.api_endpoint, config.exporter.insecure, input.conversation_id);
  if (!url) return url.error();

  // Content-Type is ours (check_header refuses a configured one); then the
  // export headers (auth, custom).
  HeaderList headers{{"Content-Type", "application/json"}};
  for (const auto &h : config.exporter.headers) set_header(headers, h.first, h.second);
  std::string body = rating_request_json(input);

  HttpRequest req;
  req.url = url.value();
  req.headers = &headers;
  req.body = body;
  req.timeout_ms = timeout_ms == 0 ? kDefaultTimeoutMs : timeout_ms;
  req.tls = &config.exporter.tls;  // the Sigil server's trust and identity, as for export
  // One session per call: ratings are rare and may come from any thread, and
  // a private connection cannot be shared across threads or a fork.
  HttpSession session;
  HttpResponse resp = session.perform(req);
  if (resp.curl_code != 0) {
    if (resp.timed_out) {
      return Status(SIGIL_E_TIMEOUT,
                    "rating request timed out after " + std::to_string(req.timeout_ms) + " ms (" + req.url + ")");
    }
    return Status(SIGIL_E_TRANSPORT, "rating request failed: " + resp.error + " (" + req.url + ")");
  }
  if (resp.status != 200) return rating_http_error(resp.status, resp.body);
  return parse_rating_response(std::move(resp.body));
}

}  // namespace sigil::detail
