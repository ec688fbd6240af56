// Reading provider JSON for the mappers: one parse per document with
// simdjson's DOM parser (provider JSON arrives in any key order, so random
// access beats on-demand here), typed reads that record a mapping issue on a
// wrong type instead of failing, and the canonical form of JSON values the
// mappers re-serialize (tool arguments, schemas, tool_choice objects).
// Internal to lib/providers.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/model.h"
#include "base/status.h"
#include "providers/provider_api.h"

namespace sigil::detail {

using JsonElement = simdjson::dom::element;
using JsonObjectView = simdjson::dom::object;
using JsonArrayView = simdjson::dom::array;

// Mapping problems of one document or stream: the first is kept in full,
// the others are counted.
class MappingIssues {
 public:
  void add(sigil_status_t code, std::string message);
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  // OK, or the first issue's code and message (" (and N more)" appended).
  Status status() const;

 private:
  size_t count_ = 0;
  sigil_status_t code_ = SIGIL_OK;
  std::string first_;
};

// Where a value sits ("response.choices[0].message"): a chain of stack
// frames, made into a string only when an issue is reported.
class JsonPath {
 public:
  JsonPath(const char *root) : root_(root) {}  // NOLINT: implicit from a root name
  JsonPath(const JsonPath &parent, std::string_view key) : parent_(&parent), key_(key) {}
  JsonPath(const JsonPath &parent, size_t index) : parent_(&parent), index_(index), is_index_(true) {}
  std::string str() const;

 private:
  void append_to(std::string &out) const;
  const JsonPath *parent_ = nullptr;
  const char *root_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// Parses `json` with this thread's parser into `root` (valid until the next
// parse on this thread). Invalid UTF-8 is replaced with U+FFFD and a
// truncated or trailing-garbage document is cut back to its last complete
// value and closed; both are recorded in `issues` ("<what>: ...") and the
// result is still mapped. Returns false when nothing can be mapped.
bool parse_provider_json(std::string_view json, const char *what, JsonElement &root, MappingIssues &issues);

// The longest prefix of `text` that closes into a JSON document, closed; empty
// when there is none. Exposed for tests.
std::string close_truncated_json(std::string_view text);

// Typed reads. Absent and null are "not set" (false, no issue); a value of
// another type records an issue and is "not set" too.
class JsonReader {
 public:
  JsonReader(MappingIssues &issues, std::string_view api) : issues_(issues), api_(api) {}

  static bool has(JsonObjectView o, std::string_view key, JsonElement &out);
  bool str(JsonObjectView o, std::string_view key, std::string_view &out, const JsonPath &at);
  bool i64(JsonObjectView o, std::string_view key, int64_t &out, const JsonPath &at);
  bool f64(JsonObjectView o, std::string_view key, double &out, const JsonPath &at);
  bool boolean(JsonObjectView o, std::string_view key, bool &out, const JsonPath &at);
  bool obj(JsonObjectView o, std::string_view key, JsonObjectView &out, const JsonPath &at);
  bool arr(JsonObjectView o, std::string_view key, JsonArrayView &out, const JsonPath &at);
  bool as_obj(JsonElement e, JsonObjectView &out, const JsonPath &at);
  bool as_str(JsonElement e, std::string_view &out, const JsonPath &at);
  bool as_i64(JsonElement e, int64_t &out, const JsonPath &at);
  // Adds an integer field to a counter (usage); returns whether it was set.
  bool add_i64(JsonObjectView o, std::string_view key, int64_t &acc, const JsonPath &at);

  void wrong_type(const JsonPath &at, const char *expected);
  void issue(sigil_status_t code, std::string message);
  MappingIssues &issues() { return issues_; }

 private:
  MappingIssues &issues_;
  std::string_view api_;
};

// Compact JSON with object keys sorted (byte order), the form the reference
// SDKs produce when they re-serialize a value; appended to `out`.
void append_canonical_json(JsonElement e, std::string &out);
std::string canonical_json(JsonElement e);
// A JSON string literal for `s` (quotes and escapes), appended to `out`.
void append_json_string(std::string_view s, std::string &out);
// Provider "arguments" strings: kept when they are a JSON document, otherwise
// (e.g. cut off mid-stream) stored as a JSON string holding the text.
std::string arguments_json(std::string_view text);

// tool_choice: a string is trimmed and lowercased; anything else becomes its
// canonical JSON. Empty results leave the field unset.
void set_tool_choice(JsonElement e, Generation &g);
// The request controls OpenAI and Anthropic name alike: model, the output
// token limit (the first of `max_token_keys` present), temperature, top_p and
// tool_choice. Wrong types are reported through `r` at `at`.
void map_request_controls(JsonObjectView o, JsonReader &r, const JsonPath &at, Generation &g,
                          std::initializer_list<const char *> max_token_keys);
// sigil.gen_ai.request.thinking.budget_tokens and friends.
void set_metadata_int(Generation &g, const char *key, int64_t value);
void set_metadata_string(Generation &g, const char *key, std::string_view value);

inline constexpr char kThinkingBudgetKey[] = "sigil.gen_ai.request.thinking.budget_tokens";
inline constexpr char kThinkingLevelKey[] = "sigil.gen_ai.request.thinking.level";

// Appends "\n\n"-joined text (system prompts).
void append_joined(std::string &dst, std::string_view text, std::string_view sep = "\n\n");

// Parts.
Part &add_text(std::vector<Part> &parts, std::string_view text, std::string_view provider_type = {});
Part &add_thinking(std::vector<Part> &parts, std::string_view text, std::string_view provider_type);
Part &add_tool_call(std::vector<Part> &parts, std::string_view id, std::string_view name, std::string input_json,
                    std::string_view provider_type);
// A message with `role`, appended; the last one is reused when it has the
// same role and `merge` is set.
Message &add_message(std::vector<Message> &msgs, Role role, bool merge = false);

// A data: URL's media type ("data:image/png;base64,..." -> "image/png").
std::string_view data_url_mime(std::string_view url);
// Media part for an image/audio/file reference. URLs are kept; inline data
// (data: URLs, base64 bytes) is never copied into the model, only its type.
Part &add_media(std::vector<Part> &parts, std::string_view kind, std::string_view url, std::string_view mime_type,
                std::string_view name, std::string_view provider_type);

// Raw-artifact helpers ("openai.chat.request" ...).
Artifact make_json_artifact(ArtifactKind kind, std::string name, std::string payload);

// One parsed stream event (see StreamAccumulator).
struct StreamAccumulator::Event {
  JsonElement root;
  JsonReader &reader;
  size_t index;  // 0-based position in the stream
};

}  // namespace sigil::detail
