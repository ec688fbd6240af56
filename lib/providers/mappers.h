// The per-API mappers behind provider_api.h. Each takes the parsed document
// (parsed once by the dispatcher) and a reader that records mapping issues.
// Internal to lib/providers.
#pragma once

#include <memory>

#include "providers/provider_api.h"
#include "providers/provider_json.h"

namespace sigil::detail {

// What a request mapper hands back besides the Generation fields.
struct RequestExtras {
  JsonElement tools;  // the provider's tool list, for the tools artifact
  bool has_tools = false;
};

void map_openai_chat_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x);
void map_openai_chat_response(JsonElement root, JsonReader &r, Generation &g);
std::unique_ptr<StreamAccumulator> make_openai_chat_stream(const ProviderMapOptions &options);

void map_openai_responses_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x);
void map_openai_responses_response(JsonElement root, JsonReader &r, Generation &g);
std::unique_ptr<StreamAccumulator> make_openai_responses_stream(const ProviderMapOptions &options);

void map_anthropic_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x);
void map_anthropic_response(JsonElement root, JsonReader &r, Generation &g);
std::unique_ptr<StreamAccumulator> make_anthropic_stream(const ProviderMapOptions &options);

void map_gemini_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x);
void map_gemini_response(JsonElement root, JsonReader &r, Generation &g);
std::unique_ptr<StreamAccumulator> make_gemini_stream(const ProviderMapOptions &options);

void map_bedrock_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x);
void map_bedrock_response(JsonElement root, JsonReader &r, Generation &g);
std::unique_ptr<StreamAccumulator> make_bedrock_stream(const ProviderMapOptions &options);

void map_openai_embedding_request(JsonElement root, JsonReader &r, ProviderEmbedding &out);
void map_openai_embedding_response(JsonElement root, JsonReader &r, ProviderEmbedding &out);
void map_gemini_embedding_request(JsonElement root, JsonReader &r, ProviderEmbedding &out);
void map_gemini_embedding_response(JsonElement root, JsonReader &r, ProviderEmbedding &out);

// Artifact name prefix per API, as the reference SDKs name them
// ("openai.chat" -> "openai.chat.request", "anthropic" -> "anthropic.request").
std::string_view artifact_prefix(ProviderApi api);

}  // namespace sigil::detail
