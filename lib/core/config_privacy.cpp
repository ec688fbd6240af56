// Resolution of the privacy knobs (options > SIGIL_* environment >
// defaults), plus the environment forms of the existing size limits.
#include <cstdlib>

#include "core/config.h"
#include "core/privacy.h"
#include "base/strings.h"

namespace sigil::detail {

namespace {

// A non-negative integer, or nullopt (with a warning) when malformed.
std::optional<uint64_t> env_u64(const EnvLookup &env, const char *name, const Logger &logger) {
  auto v = env_value(env, name);
  if (!v) return std::nullopt;
  char *end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  if (errno != 0 || end != v->c_str() + v->size() || (*v)[0] == '-') {
    logger.warn(std::string("ignoring invalid ") + name + "=\"" + *v + "\"");
    return std::nullopt;
  }
  return static_cast<uint64_t>(n);
}

}  // namespace

Status resolve_privacy_config(const Options &o, const EnvLookup &env_in, ClientConfig &cfg) {
  EnvLookup env = o.use_environment ? env_in : EnvLookup();
  const PrivacyOptions &p = o.privacy;
  PrivacyConfig &pc = cfg.privacy;

  std::optional<ContentCaptureMode> mode;
  if (p.content_capture && *p.content_capture != ContentCaptureMode::kDefault) mode = p.content_capture;
  if (!mode) {
    if (auto v = env_value(env, "SIGIL_CONTENT_CAPTURE_MODE")) {
      auto parsed = parse_content_capture_mode(*v);
      if (!parsed) {
        return Status(SIGIL_E_CONFIG, "invalid SIGIL_CONTENT_CAPTURE_MODE \"" + *v +
                                          "\" (expected full, no_tool_content, metadata_only, "
                                          "full_with_metadata_spans or default)");
      }
      if (*parsed != ContentCaptureMode::kDefault) mode = parsed;
    }
  }
  pc.content_capture = mode.value_or(ContentCaptureMode::kNoToolContent);
  pc.resolver = p.resolver;
  pc.resolver_user_data = p.resolver_user_data;

  if (p.redact) {
    pc.redact = *p.redact;
  } else if (auto v = env_value(env, "SIGIL_REDACT")) {
    uint32_t categories = 0;
    if (!parse_redact_categories(*v, categories)) {
      return Status(SIGIL_E_CONFIG, "invalid SIGIL_REDACT \"" + *v +
                                        "\" (expected all, none, or a list of secrets, email, env_secrets, "
                                        "payment_card, national_id, phone, injection)");
    }
    pc.redact = categories;
  }
  pc.sanitizer = p.sanitizer;
  pc.sanitizer_user_data = p.sanitizer_user_data;

  if (p.max_field_bytes) {
    pc.max_field_bytes = *p.max_field_bytes;
  } else if (auto v = env_u64(env, "SIGIL_MAX_FIELD_BYTES", cfg.logger)) {
    pc.max_field_bytes = *v;
  }
  if (pc.max_field_bytes > 0 && pc.max_field_bytes < 64) pc.max_field_bytes = 64;

  // Environment forms of existing limits (explicit options win).
  if (!(o.payload_max_bytes && *o.payload_max_bytes > 0)) {
    if (auto v = env_u64(env, "SIGIL_PAYLOAD_MAX_BYTES", cfg.logger); v && *v > 0) cfg.exporter.payload_max_bytes = *v;
  }
  EmbeddingCaptureConfig &ec = cfg.telemetry.embedding_capture;
  if (!o.telemetry.embedding_capture_input) {
    if (auto v = env_value(env, "SIGIL_EMBEDDING_CAPTURE_INPUT")) ec.capture_input = parse_bool(*v);
  }
  if (o.telemetry.embedding_max_input_items == 0) {
    if (auto v = env_u64(env, "SIGIL_EMBEDDING_CAPTURE_MAX_ITEMS", cfg.logger); v && *v > 0 && *v <= UINT32_MAX) {
      ec.max_input_items = static_cast<uint32_t>(*v);
    }
  }
  if (o.telemetry.embedding_max_text_length == 0) {
    if (auto v = env_u64(env, "SIGIL_EMBEDDING_CAPTURE_MAX_LENGTH", cfg.logger); v && *v > 0 && *v <= UINT32_MAX) {
      ec.max_text_length = static_cast<uint32_t>(*v);
    }
  }
  return Status::ok();
}

}  // namespace sigil::detail
