#include "core/content_capture.h"

#include "base/strings.h"

namespace sigil::detail {

const char *content_capture_mode_name(ContentCaptureMode m) {
  switch (m) {
    case ContentCaptureMode::kDefault:
      return "default";
    case ContentCaptureMode::kFull:
      return "full";
    case ContentCaptureMode::kNoToolContent:
      return "no_tool_content";
    case ContentCaptureMode::kMetadataOnly:
      return "metadata_only";
    case ContentCaptureMode::kFullWithMetadataSpans:
      return "full_with_metadata_spans";
  }
  return "";
}

std::optional<ContentCaptureMode> parse_content_capture_mode(std::string_view text) {
  std::string v = to_lower(trim_view(text));
  if (v.empty() || v == "default") return ContentCaptureMode::kDefault;
  if (v == "full") return ContentCaptureMode::kFull;
  if (v == "no_tool_content") return ContentCaptureMode::kNoToolContent;
  if (v == "metadata_only") return ContentCaptureMode::kMetadataOnly;
  if (v == "full_with_metadata_spans") return ContentCaptureMode::kFullWithMetadataSpans;
  return std::nullopt;
}

std::optional<ContentCaptureMode> content_capture_mode_from_abi(uint32_t value) {
  if (value > SIGIL_CONTENT_CAPTURE_FULL_WITH_METADATA_SPANS) return std::nullopt;
  return static_cast<ContentCaptureMode>(value);
}

namespace {

void strip_messages(std::vector<Message> &messages) {
  for (Message &m : messages) {
    for (Part &p : m.parts) {
      p.text.clear();  // text and thinking
      p.tool_call.input_json.clear();
      p.tool_result.content.clear();
      p.tool_result.content_json.clear();
      p.media.url.clear();
    }
  }
}

}  // namespace

void strip_generation_content(Generation &g, const char *error_category) {
  g.system_prompt.clear();
  g.artifacts.clear();
  if (!g.call_error.empty()) {
    g.call_error = error_category != nullptr && *error_category != '\0' ? error_category : "sdk_error";
  }
  g.metadata.erase("call_error");
  g.conversation_title.clear();
  g.metadata.erase("sigil.conversation.title");
  strip_messages(g.input);
  strip_messages(g.output);
  for (ToolDefinition &t : g.tools) {
    t.description.clear();
    t.input_schema_json.clear();
  }
}

}  // namespace sigil::detail
