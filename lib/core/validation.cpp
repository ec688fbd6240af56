#include "core/validation.h"

#include <cmath>
#include <utility>

#include "base/strings.h"

namespace sigil::detail {

namespace {

Status invalid(std::string message) { return Status(SIGIL_E_VALIDATION, std::move(message)); }

std::string part_path(const char *side, size_t m, size_t p) {
  return std::string(side) + "[" + std::to_string(m) + "].parts[" + std::to_string(p) + "]";
}

Status validate_part(const char *side, size_t m, size_t p, Role role, const Part &part) {
  switch (part.kind) {
    case PartKind::kText:
      if (part.text.empty()) return invalid(part_path(side, m, p) + ".text is required");
      return Status::ok();
    case PartKind::kThinking:
      if (role != Role::kAssistant) {
        return invalid(part_path(side, m, p) + ".thinking only allowed for assistant role");
      }
      if (part.text.empty()) return invalid(part_path(side, m, p) + ".thinking is required");
      return Status::ok();
    case PartKind::kToolCall:
      if (role != Role::kAssistant) {
        return invalid(part_path(side, m, p) + ".tool_call only allowed for assistant role");
      }
      if (is_blank(part.tool_call.name)) return invalid(part_path(side, m, p) + ".tool_call.name is required");
      return Status::ok();
    case PartKind::kToolResult:
      if (role != Role::kTool) {
        return invalid(part_path(side, m, p) + ".tool_result only allowed for tool role");
      }
      if (is_blank(part.tool_result.tool_call_id) && is_blank(part.tool_result.name)) {
        return invalid(part_path(side, m, p) + ".tool_result.tool_call_id or name is required");
      }
      return Status::ok();
    case PartKind::kMedia:  // any media reference is valid; content capture may blank its URL
      return Status::ok();
  }
  return invalid(part_path(side, m, p) + ".kind is invalid");
}

Status validate_messages(const char *side, const std::vector<Message> &messages) {
  for (size_t m = 0; m < messages.size(); ++m) {
    const Message &msg = messages[m];
    if (msg.role != Role::kUser && msg.role != Role::kAssistant && msg.role != Role::kTool) {
      return invalid(std::string(side) + "[" + std::to_string(m) + "].role must be one of user|assistant|tool");
    }
    if (msg.parts.empty()) {
      return invalid(std::string(side) + "[" + std::to_string(m) + "].parts must not be empty");
    }
    for (size_t p = 0; p < msg.parts.size(); ++p) {
      Status st = validate_part(side, m, p, msg.role, msg.parts[p]);
      if (!st.is_ok()) return st;
    }
  }
  return Status::ok();
}

bool is_sha256_version(const std::string &v) {
  if (v.size() != 7 + 64 || v.compare(0, 7, "sha256:") != 0) return false;
  for (size_t i = 7; i < v.size(); ++i) {
    char c = v[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status validate_generation(const Generation &g) {
  if (g.mode != GenerationMode::kUnspecified && g.mode != GenerationMode::kSync && g.mode != GenerationMode::kStream) {
    return invalid("generation.mode must be one of SYNC|STREAM");
  }
  if (is_blank(g.model.provider)) return invalid("generation.model.provider is required");
  if (is_blank(g.model.name)) return invalid("generation.model.name is required");
  Status st = validate_messages("generation.input", g.input);
  if (!st.is_ok()) return st;
  st = validate_messages("generation.output", g.output);
  if (!st.is_ok()) return st;
  for (size_t i = 0; i < g.tools.size(); ++i) {
    if (is_blank(g.tools[i].name)) return invalid("generation.tools[" + std::to_string(i) + "].name is required");
  }
  for (size_t i = 0; i < g.artifacts.size(); ++i) {
    const Artifact &a = g.artifacts[i];
    if (a.kind == ArtifactKind::kUnspecified) {
      return invalid("generation.artifacts[" + std::to_string(i) + "].kind is invalid");
    }
    if (is_blank(a.record_id) && a.payload.empty()) {
      return invalid("generation.artifacts[" + std::to_string(i) + "] must provide payload or record_id");
    }
  }
  // Counts are never negative, and a sampling parameter is a number: NaN or
  // an infinity would reach the server as 0 or not at all.
  const TokenUsage &u = g.usage;
  const std::pair<const char *, int64_t> counts[] = {{"input_tokens", u.input_tokens},
                                                     {"output_tokens", u.output_tokens},
                                                     {"total_tokens", u.total_tokens},
                                                     {"cache_read_input_tokens", u.cache_read_input_tokens},
                                                     {"cache_write_input_tokens", u.cache_write_input_tokens},
                                                     {"cache_creation_input_tokens", u.cache_creation_input_tokens},
                                                     {"reasoning_tokens", u.reasoning_tokens}};
  for (const auto &[name, value] : counts) {
    if (value < 0) return invalid(std::string("generation.usage.") + name + " must be >= 0");
  }
  if (g.max_tokens && *g.max_tokens < 0) return invalid("generation.max_tokens must be >= 0");
  if (g.temperature && !std::isfinite(*g.temperature)) return invalid("generation.temperature must be a finite number");
  if (g.top_p && !std::isfinite(*g.top_p)) return invalid("generation.top_p must be a finite number");
  if (g.effective_version && !is_sha256_version(*g.effective_version)) {
    return invalid("generation.effective_version must match sha256:<64 lowercase hex digits>");
  }
  return Status::ok();
}

Status validate_embedding_start(const EmbeddingCheck &e) {
  if (is_blank(e.provider)) return invalid("embedding.model.provider is required");
  if (is_blank(e.model)) return invalid("embedding.model.name is required");
  if (e.start_dimensions && *e.start_dimensions <= 0) return invalid("embedding.dimensions must be > 0");
  if (e.encoding_format_set && is_blank(e.encoding_format)) {
    return invalid("embedding.encoding_format must not be blank");
  }
  return Status::ok();
}

Status validate_embedding_result(const EmbeddingCheck &e) {
  if (e.input_count < 0) return invalid("embedding.input_count must be >= 0");
  if (e.input_tokens < 0) return invalid("embedding.input_tokens must be >= 0");
  if (e.result_dimensions && *e.result_dimensions <= 0) return invalid("embedding.dimensions must be > 0");
  return Status::ok();
}

Status validate_embedding(const EmbeddingCheck &e) {
  Status st = validate_embedding_start(e);
  return st.is_ok() ? validate_embedding_result(e) : st;
}

}  // namespace sigil::detail
