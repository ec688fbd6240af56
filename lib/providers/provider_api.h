// Provider mapping: raw provider JSON (requests, responses, stream events) of
// OpenAI, Anthropic, Gemini and Bedrock -> the generation model. Pure
// functions over bytes: no I/O, no threads, no global state beyond a
// per-thread parser. Nothing here throws; every function is safe to call on
// any bytes (see tests/fuzz/fuzz_provider_*.cpp).
//
// Errors never lose what was mapped. A mapping function fills everything it
// can and returns a non-OK Status describing the first problem (malformed or
// truncated JSON, a wrong type, invalid UTF-8, a stream that ended early or
// out of order). The recorder reports such a Status as error.type
// "mapping_error" (telemetry/semconv.h kErrMapping) and, as the reference
// SDKs do with SetResult(generation, err), still exports the generation: a
// mapping error is not a local validation failure of the host's call.
//
// How a recorder uses it (the ABI integration):
//
//   auto api = parse_provider_api(name);              // "openai.chat", ...
//   ProviderMapOptions opts;
//   opts.raw_artifacts = /* the capture mode allows raw artifacts */;
//   Status a = map_provider_request(*api, request_json, g, opts);
//   Status b = map_provider_response(*api, response_json, g, opts);   // sync call
//   // or, streamed: the request as above, then
//   auto acc = make_stream_accumulator(*api, opts);
//   if (acc->add_event(event_json) && !first_token_set) first_token_ns = now;
//   Status b = acc->finish(g);                          // at the end, or when abandoned
//   // the first non-OK of a and b is the generation's mapping_error
//
// g.mode, ids, timestamps, tags and the content capture pass stay the
// recorder's: the mapper only fills what the provider JSON says.
//
// Field-by-field mapping tables: docs/providers.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/model.h"
#include "base/status.h"

namespace sigil::detail {

// The provider APIs the engine maps. The names (provider_api_name) are
// stable: they cross the ABI and appear in artifact names.
enum class ProviderApi : uint8_t {
  kOpenAIChat,             // "openai.chat"               Chat Completions
  kOpenAIResponses,        // "openai.responses"          Responses
  kOpenAIEmbeddings,       // "openai.embeddings"         Embeddings
  kAnthropicMessages,      // "anthropic.messages"        Messages
  kGeminiGenerateContent,  // "gemini.generate_content"   generateContent / streamGenerateContent
  kGeminiEmbedContent,     // "gemini.embed_content"      embedContent / batchEmbedContents
  kBedrockConverse,        // "bedrock.converse"          Converse / ConverseStream
};

// "openai.chat" -> kOpenAIChat. An unknown name is SIGIL_E_INVALID_ARGUMENT
// with a message that lists the known names.
Expected<ProviderApi> parse_provider_api(std::string_view name);
// The stable name ("openai.chat").
std::string_view provider_api_name(ProviderApi api);
// The sigil.v1 model.provider value: "openai", "anthropic", "gemini", "bedrock".
std::string_view provider_name(ProviderApi api);
// Embedding APIs map into ProviderEmbedding, not into a Generation.
bool is_embedding_api(ProviderApi api);

// What the mapper may add besides the normalized fields. Raw artifacts are
// copies of the provider JSON; the recorder turns them on only when the
// content capture mode allows raw artifacts.
struct ProviderMapOptions {
  bool raw_artifacts = false;
};

// Request JSON -> model.provider, model.name, system_prompt, input, tools,
// max_tokens, temperature, top_p, tool_choice, thinking_enabled, and
// metadata keys sigil.gen_ai.request.thinking.* (and, with raw_artifacts, the
// request and tools artifacts). Fields of `g` the request does not carry are
// left as they were; input and tools are appended to.
Status map_provider_request(ProviderApi api, std::string_view request_json, Generation &g,
                            const ProviderMapOptions &options = {});

// Response JSON -> output, usage, stop_reason, response_id, response_model,
// usage metadata keys (and, with raw_artifacts, the response artifact).
Status map_provider_response(ProviderApi api, std::string_view response_json, Generation &g,
                             const ProviderMapOptions &options = {});

// Accumulates a streamed response one event at a time. One owner at a time.
class StreamAccumulator {
 public:
  virtual ~StreamAccumulator() = default;

  // Feeds one event: the JSON payload of one SSE `data:` line (a leading
  // "data:" is tolerated, "[DONE]" is accepted) or, for Bedrock, one
  // ConverseStream event object. Returns true exactly once: for the first
  // event that carried content (text, thinking or a tool call), which is the
  // time-to-first-token moment. A malformed event is remembered as a mapping
  // issue and otherwise skipped.
  bool add_event(std::string_view event_json);

  bool first_content_seen() const { return first_content_seen_; }
  size_t event_count() const { return event_count_; }

  // Writes what the stream said into `g`: output (appended), usage,
  // stop_reason, response_id, response_model, usage metadata (and, with
  // raw_artifacts, a provider_event artifact holding the events as a JSON
  // array). Works at any point, also when the stream ended early: the
  // partial output and the usage seen so far are written and the returned
  // Status says the stream did not finish. Call once.
  Status finish(Generation &g);

 protected:
  explicit StreamAccumulator(ProviderApi api, const ProviderMapOptions &options);

  // Handles one parsed event; returns true when it carried content.
  // Implementations report problems through note().
  struct Event;
  virtual bool on_event(const Event &event) = 0;
  // The OpenAI "[DONE]" sentinel.
  virtual void on_done() {}
  // Writes the accumulated result into `g`. Implementations set ended_
  // when they see the API's terminal event.
  virtual void write(Generation &g) = 0;

  void note(std::string message);
  bool ended_ = false;
  std::string terminal_event_;  // name of the event that ends the stream, for messages

 private:
  ProviderApi api_;
  ProviderMapOptions options_;
  bool first_content_seen_ = false;
  bool finished_ = false;
  size_t event_count_ = 0;
  size_t issue_count_ = 0;
  std::string first_issue_;
  sigil_status_t first_issue_code_ = SIGIL_OK;
  std::string events_json_;  // raw events as a JSON array, when raw_artifacts
};

// A new accumulator for `api`; null for the embedding APIs (not streamed).
std::unique_ptr<StreamAccumulator> make_stream_accumulator(ProviderApi api, const ProviderMapOptions &options = {});

// What a recorder completes at end once a provider API was mapped: the
// provider from the API when nothing named it, and the model name from the
// response model when only a response (or stream) was mapped.
void complete_provider_generation(ProviderApi api, Generation &g);

// A whole provider call, mapped at once without a recorder. Every part is
// optional: an absent `request` or `response` is not mapped (a present but
// empty body is, and is a mapping problem); `events` are the stream's events
// in order (none: not streamed).
struct ProviderCall {
  std::optional<std::string_view> request;
  std::optional<std::string_view> response;
  std::vector<std::string_view> events;
};

// Maps `call` into `g` exactly as a recorder fed the same bodies through
// map_provider_request, map_provider_response and a stream accumulator would
// (in that order), then completes it (complete_provider_generation). The
// mode, which a recorder takes from its start, is STREAM when events were
// given and SYNC when a response was. Every part is mapped even after a
// problem; the first problem is returned, prefixed with the part it came
// from ("provider request: ...", "provider response: ...", "provider
// stream: ...") as a recorder's mapping error is. An embedding API is
// SIGIL_E_INVALID_ARGUMENT with nothing mapped.
Status map_provider_call(ProviderApi api, const ProviderCall &call, Generation &g,
                         const ProviderMapOptions &options = {});

// What an embedding call maps to (the embedding recorder's start and result
// fields). Absent values stay unset.
struct ProviderEmbedding {
  std::string provider;                         // "openai", "gemini"
  std::string model;                            // request model
  std::string response_model;                   // response model, when the response says
  std::optional<int64_t> requested_dimensions;  // request "dimensions" / outputDimensionality
  std::string encoding_format;                  // OpenAI request encoding_format
  int64_t input_count = 0;                      // inputs embedded
  int64_t input_tokens = 0;                     // usage
  std::optional<int64_t> dimensions;            // length of the first returned vector
  std::vector<std::string> input_texts;         // the text inputs (capture decides whether to keep them)
};

// Either JSON may be empty (not known); what is given is mapped.
Status map_provider_embedding(ProviderApi api, std::string_view request_json, std::string_view response_json,
                              ProviderEmbedding &out);

// `e` as a JSON object: "provider", "model", "response_model",
// "encoding_format" (omitted when empty), "requested_dimensions" and
// "dimensions" (omitted when unknown), "input_count", "input_tokens" (JSON
// numbers) and "input_texts" (an array, omitted when empty).
std::string provider_embedding_json(const ProviderEmbedding &e);

}  // namespace sigil::detail
