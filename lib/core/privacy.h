// The privacy pass: content capture resolution, built-in redaction, the
// host's sanitizer and per-field size limits, applied by the engine to
// everything that leaves the process (export payloads, spans, ratings).
// The exporter and the spool only ever receive the output of
// Privacy::apply_generation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/content_capture.h"
#include "base/logger.h"
#include "base/model.h"
#include "core/redaction.h"
#include "base/span.h"

namespace sigil::detail {

// What the host set explicitly (part of Options).
struct PrivacyOptions {
  std::optional<ContentCaptureMode> content_capture;  // kDefault counts as unset
  sigil_content_capture_resolver_fn resolver = nullptr;
  void *resolver_user_data = nullptr;
  std::optional<uint32_t> redact;
  sigil_sanitizer_fn sanitizer = nullptr;
  void *sanitizer_user_data = nullptr;
  std::optional<uint64_t> max_field_bytes;
};

// Resolved once with the client configuration.
struct PrivacyConfig {
  ContentCaptureMode content_capture = ContentCaptureMode::kNoToolContent;  // never kDefault
  sigil_content_capture_resolver_fn resolver = nullptr;
  void *resolver_user_data = nullptr;
  uint32_t redact = SIGIL_REDACT_ALL;
  sigil_sanitizer_fn sanitizer = nullptr;
  void *sanitizer_user_data = nullptr;
  uint64_t max_field_bytes = 0;  // 0: no limit
};

inline constexpr char kMetaInjectionSuspected[] = "sigil.content.injection_suspected";

class Privacy {
 public:
  Privacy(PrivacyConfig config, Logger logger);

  const PrivacyConfig &config() const { return config_; }
  const Redactor &redactor() const { return redactor_; }

  // Per call > resolver (fail closed) > client mode. Never kDefault.
  ContentCaptureMode resolve(ContentCaptureMode per_call, uint32_t record_kind, std::string_view metadata_json) const;

  // The export form of a normalized, validated generation: injection flag,
  // METADATA_ONLY stripping, redaction, sanitizer, truncation, and the
  // sigil.sdk.content_capture_mode stamp. `error_category` is the call
  // error's category (METADATA_ONLY replaces call_error with it).
  void apply_generation(Generation &g, ContentCaptureMode mode, const char *error_category) const;

  // A rating before it is sent: the mode (resolver > client) drops the
  // comment under METADATA_ONLY; the comment ("rating.comment") and every
  // string in the metadata ("rating.metadata.<key>...") are redacted and
  // sanitized. Metadata that is not a JSON object is left for validation
  // to reject (nothing is sent then).
  void apply_rating(std::string &comment, std::string &metadata_json) const;

  // Redaction + sanitizer over every string attribute, event attribute and
  // status message of a finished span (paths "span.<key>").
  void apply_span(SpanData &span) const;

  // One text value: built-in redaction, sanitizer, and (for content fields)
  // truncation.
  void apply_text(std::string &value, std::string_view path, RedactTier tier, bool content) const;

  // One content value that holds JSON (tool-call arguments, JSON tool
  // results, JSON artifact payloads, tool span arguments and results): as
  // apply_text, and it stays valid JSON. A value the redaction or the
  // sanitizer left invalid becomes a JSON string of that text; truncation
  // uses truncate_json_field.
  void apply_json_text(std::string &value, std::string_view path, RedactTier tier) const;

 private:
  // Each returns whether it changed the value.
  bool sanitize(std::string &value, std::string_view path) const;
  bool apply_json_value(JsonValue &v, std::string &path) const;

  PrivacyConfig config_;
  Logger logger_;
  Redactor redactor_;
};

// The size limit for a field that holds JSON: cuts it to at most
// `max_bytes` bytes and keeps it valid JSON. The result is a JSON string
// holding the cut text and the marker "…[truncated N bytes]"; the text is
// the string's own text when the value is one JSON string, else the JSON
// text itself, and N counts the bytes of that text removed. Returns whether
// it was cut; max_bytes 0 = no limit.
bool truncate_json_field(std::string &json, uint64_t max_bytes);

}  // namespace sigil::detail

// The out-parameter of a sanitizer call (opaque in the ABI).
struct sigil_sanitized {
  std::string value;
  bool set = false;
  bool invalid = false;  // sigil_sanitized_set got invalid UTF-8
};
