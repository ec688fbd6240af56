// The normalized generation model: what the engine records, validates and
// exports. Field meanings follow sigil.v1 (lib/proto/sigil/v1).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json_value.h"

namespace sigil::detail {

enum class GenerationMode : uint8_t { kUnspecified = 0, kSync = 1, kStream = 2 };
enum class Role : uint8_t { kUnspecified = 0, kUser = 1, kAssistant = 2, kTool = 3 };
enum class PartKind : uint8_t { kText, kThinking, kToolCall, kToolResult, kMedia };
enum class ArtifactKind : uint8_t { kUnspecified = 0, kRequest = 1, kResponse = 2, kTools = 3, kProviderEvent = 4 };

struct ModelRef {
  std::string provider;
  std::string name;
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string input_json;
};

struct ToolResult {
  std::string tool_call_id;
  std::string name;
  std::string content;
  std::string content_json;
  bool is_error = false;
};

struct Media {
  std::string kind;
  std::string url;
  std::string mime_type;
  std::string name;
};

// One content part. Only the member matching `kind` is meaningful; `text`
// holds the thinking text for kThinking.
struct Part {
  PartKind kind = PartKind::kText;
  std::string provider_type;
  std::string text;
  ToolCall tool_call;
  ToolResult tool_result;
  Media media;
};

struct Message {
  Role role = Role::kUnspecified;
  std::string name;
  std::vector<Part> parts;
};

// Appends an empty part to fill in place. A Part is a dozen strings, too many
// to move as the vector grows: room for two (text and a tool call) at once.
inline Part &append_part(std::vector<Part> &parts) {
  if (parts.empty()) parts.reserve(2);
  return parts.emplace_back();
}

struct ToolDefinition {
  std::string name;
  std::string description;
  std::string type;
  std::string input_schema_json;
  bool deferred = false;
};

struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  int64_t cache_read_input_tokens = 0;
  int64_t cache_write_input_tokens = 0;
  // Not on the sigil.v1 wire (field 7 is retired); spans and metrics only.
  int64_t cache_creation_input_tokens = 0;
  int64_t reasoning_tokens = 0;

  bool empty() const {
    return input_tokens == 0 && output_tokens == 0 && total_tokens == 0 && cache_read_input_tokens == 0 &&
           cache_write_input_tokens == 0 && cache_creation_input_tokens == 0 && reasoning_tokens == 0;
  }
};

struct Artifact {
  ArtifactKind kind = ArtifactKind::kUnspecified;
  std::string name;
  std::string content_type;
  std::string payload;
  std::string record_id;
  std::string uri;
};

using Tags = std::map<std::string, std::string>;
using Metadata = JsonObject;

struct Generation {
  std::string id;
  std::string conversation_id;
  std::string conversation_title;  // exported as metadata sigil.conversation.title
  std::string user_id;             // exported as metadata sigil.user.id
  std::string operation_name;
  GenerationMode mode = GenerationMode::kUnspecified;
  std::string trace_id;
  std::string span_id;
  ModelRef model;
  std::string response_id;
  std::string response_model;
  std::string system_prompt;
  std::vector<Message> input;
  std::vector<Message> output;
  std::vector<ToolDefinition> tools;
  TokenUsage usage;
  std::string stop_reason;
  int64_t started_at_ns = 0;
  int64_t completed_at_ns = 0;
  Tags tags;
  Metadata metadata;
  std::vector<Artifact> artifacts;
  std::string call_error;
  std::string agent_name;
  std::string agent_version;
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::string> tool_choice;
  std::optional<bool> thinking_enabled;
  std::vector<std::string> parent_generation_ids;
  std::optional<std::string> effective_version;
};

}  // namespace sigil::detail
