// Section: Privacy (content capture, redaction, sanitizer, size limits).
#include "abi/handles.h"
#include "core/privacy.h"

using sigil::abi::guard;
using sigil::detail::ContentCaptureMode;
using sigil::detail::Options;

namespace {

template <typename F>
sigil_status_t with_privacy(sigil_options_t *o, F &&fn) {
  if (o == nullptr) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&] { return fn(o->options.privacy); });
}

}  // namespace

extern "C" {

sigil_status_t sigil_options_set_content_capture_mode(sigil_options_t *o, uint32_t mode) {
  auto parsed = sigil::detail::content_capture_mode_from_abi(mode);
  if (!parsed) return SIGIL_E_INVALID_ARGUMENT;
  return with_privacy(o, [&](sigil::detail::PrivacyOptions &p) {
    if (*parsed == ContentCaptureMode::kDefault) {
      p.content_capture.reset();
    } else {
      p.content_capture = *parsed;
    }
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_content_capture_resolver(sigil_options_t *o, sigil_content_capture_resolver_fn fn,
                                                          void *user_data) {
  return with_privacy(o, [&](sigil::detail::PrivacyOptions &p) {
    p.resolver = fn;
    p.resolver_user_data = fn != nullptr ? user_data : nullptr;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_redaction(sigil_options_t *o, uint32_t categories) {
  if ((categories & ~SIGIL_REDACT_ALL) != 0) return SIGIL_E_INVALID_ARGUMENT;
  return with_privacy(o, [&](sigil::detail::PrivacyOptions &p) {
    p.redact = categories;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_sanitizer(sigil_options_t *o, sigil_sanitizer_fn fn, void *user_data) {
  return with_privacy(o, [&](sigil::detail::PrivacyOptions &p) {
    p.sanitizer = fn;
    p.sanitizer_user_data = fn != nullptr ? user_data : nullptr;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_options_set_max_field_bytes(sigil_options_t *o, uint64_t bytes) {
  return with_privacy(o, [&](sigil::detail::PrivacyOptions &p) {
    p.max_field_bytes = bytes;
    return SIGIL_OK;
  });
}

sigil_status_t sigil_sanitized_set(sigil_sanitized_t *out, const char *value, size_t value_len) {
  if (out == nullptr || (value == nullptr && value_len > 0)) return SIGIL_E_INVALID_ARGUMENT;
  return guard([&]() -> sigil_status_t {
    std::string_view v(value == nullptr ? "" : value, value_len);
    if (!sigil::detail::valid_utf8(v)) {
      out->invalid = true;
      return SIGIL_E_INVALID_UTF8;
    }
    out->value.assign(v.data(), v.size());
    out->set = true;
    return SIGIL_OK;
  });
}

uint32_t sigil_generation_content_capture_mode(const sigil_generation_t *generation) {
  if (generation == nullptr) return SIGIL_CONTENT_CAPTURE_DEFAULT;
  return static_cast<uint32_t>(generation->recorder.content_capture());
}

const char *sigil_content_capture_mode_name(uint32_t mode) {
  auto parsed = sigil::detail::content_capture_mode_from_abi(mode);
  return parsed ? sigil::detail::content_capture_mode_name(*parsed) : "";
}

}  // extern "C"
