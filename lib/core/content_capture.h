// Content capture modes: which content fields may leave the process, per
// record and per path (generation export, spans). Semantics follow the
// reference SDKs' ContentCaptureMode (see sigil.h, Privacy).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/model.h"
#include "sigil/sigil.h"

namespace sigil::detail {

enum class ContentCaptureMode : uint32_t {
  kDefault = SIGIL_CONTENT_CAPTURE_DEFAULT,
  kFull = SIGIL_CONTENT_CAPTURE_FULL,
  kNoToolContent = SIGIL_CONTENT_CAPTURE_NO_TOOL_CONTENT,
  kMetadataOnly = SIGIL_CONTENT_CAPTURE_METADATA_ONLY,
  kFullWithMetadataSpans = SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS,
};

inline constexpr char kMetaContentCaptureMode[] = "sigil.sdk.content_capture_mode";

// "full", "no_tool_content", ...; "default" for kDefault; "" for others.
const char *content_capture_mode_name(ContentCaptureMode m);
// Case-insensitive names (blank = default); nullopt when unknown.
std::optional<ContentCaptureMode> parse_content_capture_mode(std::string_view text);
// A raw ABI value, or nullopt when out of range.
std::optional<ContentCaptureMode> content_capture_mode_from_abi(uint32_t value);

// Whether spans of this mode may carry content (title, tool I/O, texts).
inline bool spans_carry_content(ContentCaptureMode m) {
  return m != ContentCaptureMode::kMetadataOnly && m != ContentCaptureMode::kFullWithMetadataSpans;
}

// METADATA_ONLY on the exported generation: keeps structure, removes
// content (see sigil.h). `error_category` replaces a non-empty call_error.
void strip_generation_content(Generation &g, const char *error_category);

}  // namespace sigil::detail
