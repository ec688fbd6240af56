// Google Gemini generateContent / streamGenerateContent (REST JSON, camelCase;
// the snake_case names of the SDKs' dumps are accepted too).
#include <vector>

#include "base/saturating.h"
#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

namespace {

constexpr char kToolUsePromptTokensKey[] = "sigil.gen_ai.usage.tool_use_prompt_tokens";

// A field under its REST (camelCase) name or its SDK (snake_case) name.
bool field(JsonObjectView o, std::string_view camel, std::string_view snake, JsonElement &out) {
  return JsonReader::has(o, camel, out) || (!snake.empty() && JsonReader::has(o, snake, out));
}

bool obj2(JsonReader &r, JsonObjectView o, std::string_view camel, std::string_view snake, JsonObjectView &out,
          const JsonPath &at) {
  JsonElement e;
  if (!field(o, camel, snake, e)) return false;
  return r.as_obj(e, out, JsonPath(at, camel));
}

bool str2(JsonReader &r, JsonObjectView o, std::string_view camel, std::string_view snake, std::string_view &out,
          const JsonPath &at) {
  JsonElement e;
  if (!field(o, camel, snake, e)) return false;
  return r.as_str(e, out, JsonPath(at, camel));
}

bool i642(JsonReader &r, JsonObjectView o, std::string_view camel, std::string_view snake, int64_t &out,
          const JsonPath &at) {
  JsonElement e;
  if (!field(o, camel, snake, e)) return false;
  return r.as_i64(e, out, JsonPath(at, camel));
}

// "image/png" -> "image"; types that are not image, audio or video -> "file".
std::string_view media_kind(std::string_view mime) {
  std::string_view major = mime.substr(0, mime.find('/'));
  if (major == "image" || major == "audio" || major == "video") return major;
  return "file";
}

Role map_role(std::string_view role) {
  if (role == "model" || role == "assistant") return Role::kAssistant;
  if (role == "tool" || role == "function") return Role::kTool;
  return Role::kUser;
}

// One Content {role, parts}: text (thought: thinking), inlineData, fileData,
// functionCall, functionResponse. Function calls outside a model turn go to
// an assistant message, function responses to a tool message.
void map_content(JsonObjectView content, JsonReader &r, const JsonPath &at, Role default_role,
                 std::vector<Message> &out) {
  std::string_view role_name, s;
  Role role = default_role;
  if (r.str(content, "role", role_name, at)) role = map_role(to_lower(trim_view(role_name)));
  std::vector<Part> parts, calls, results;
  JsonArrayView arr;
  if (r.arr(content, "parts", arr, at)) {
    JsonPath pp(at, "parts");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView part, sub;
      JsonPath ip(pp, i++);
      if (!r.as_obj(item, part, ip)) continue;
      if (r.str(part, "text", s, ip)) {
        bool thought = false;
        r.boolean(part, "thought", thought, ip);
        if (thought)
          add_thinking(parts, s, "thought");
        else if (!s.empty())
          add_text(parts, s);
      }
      if (obj2(r, part, "inlineData", "inline_data", sub, ip)) {
        std::string_view mime;
        str2(r, sub, "mimeType", "mime_type", mime, JsonPath(ip, "inlineData"));
        add_media(parts, media_kind(mime), {}, mime, {}, "inline_data");
      }
      if (obj2(r, part, "fileData", "file_data", sub, ip)) {
        std::string_view mime, uri;
        JsonPath fp(ip, "fileData");
        str2(r, sub, "mimeType", "mime_type", mime, fp);
        str2(r, sub, "fileUri", "file_uri", uri, fp);
        add_media(parts, media_kind(mime), uri, mime, {}, "file_data");
      }
      if (obj2(r, part, "functionCall", "function_call", sub, ip)) {
        std::string_view id, name;
        JsonPath fp(ip, "functionCall");
        r.str(sub, "id", id, fp);
        r.str(sub, "name", name, fp);
        JsonElement args;
        std::string args_json = JsonReader::has(sub, "args", args) ? canonical_json(args) : std::string();
        add_tool_call(role == Role::kAssistant ? parts : calls, id, name, std::move(args_json), "function_call");
      }
      if (obj2(r, part, "functionResponse", "function_response", sub, ip)) {
        JsonPath fp(ip, "functionResponse");
        Part &p = append_part(results);
        p.kind = PartKind::kToolResult;
        p.provider_type = "function_response";
        if (r.str(sub, "id", s, fp)) p.tool_result.tool_call_id.assign(s);
        if (r.str(sub, "name", s, fp)) p.tool_result.name.assign(s);
        JsonElement resp;
        if (JsonReader::has(sub, "response", resp)) p.tool_result.content_json = canonical_json(resp);
      }
    }
  }
  if (!parts.empty()) add_message(out, role).parts = std::move(parts);
  if (!calls.empty()) add_message(out, Role::kAssistant).parts = std::move(calls);
  if (!results.empty()) add_message(out, Role::kTool).parts = std::move(results);
}

void map_usage(JsonObjectView u, JsonReader &r, const JsonPath &at, Generation &g) {
  TokenUsage usage;
  int64_t tool_use = 0;
  i642(r, u, "promptTokenCount", "prompt_token_count", usage.input_tokens, at);
  i642(r, u, "candidatesTokenCount", "candidates_token_count", usage.output_tokens, at);
  i642(r, u, "totalTokenCount", "total_token_count", usage.total_tokens, at);
  i642(r, u, "cachedContentTokenCount", "cached_content_token_count", usage.cache_read_input_tokens, at);
  i642(r, u, "thoughtsTokenCount", "thoughts_token_count", usage.reasoning_tokens, at);
  i642(r, u, "toolUsePromptTokenCount", "tool_use_prompt_token_count", tool_use, at);
  if (usage.total_tokens == 0) {
    usage.total_tokens = saturating_add(saturating_add(usage.input_tokens, usage.output_tokens),
                                        saturating_add(tool_use, usage.reasoning_tokens));
  }
  g.usage = usage;
  if (tool_use > 0) set_metadata_int(g, kToolUsePromptTokensKey, tool_use);
}

// The generation controls live in generationConfig (REST) or config (SDK
// request dumps, which also hold systemInstruction, tools and toolConfig).
void map_controls(JsonObjectView c, JsonReader &r, const JsonPath &at, Generation &g) {
  int64_t n;
  if (i642(r, c, "maxOutputTokens", "max_output_tokens", n, at)) g.max_tokens = n;
  JsonElement e;
  double d;
  if (JsonReader::has(c, "temperature", e) && !e.get_double().get(d)) g.temperature = d;
  if (field(c, "topP", "top_p", e) && !e.get_double().get(d)) g.top_p = d;
  JsonObjectView th;
  if (obj2(r, c, "thinkingConfig", "thinking_config", th, at)) {
    JsonPath tp(at, "thinkingConfig");
    bool include = false;
    JsonElement inc;
    if (field(th, "includeThoughts", "include_thoughts", inc) && !inc.get_bool().get(include)) {
      g.thinking_enabled = include;
    }
    if (i642(r, th, "thinkingBudget", "thinking_budget", n, tp)) {
      set_metadata_int(g, kThinkingBudgetKey, n);
    }
    std::string_view level;
    if (str2(r, th, "thinkingLevel", "thinking_level", level, tp) && !level.empty()) {
      set_metadata_string(g, kThinkingLevelKey, to_lower(level));
    }
  }
}

void map_tool_config(JsonObjectView c, JsonReader &r, const JsonPath &at, Generation &g) {
  JsonObjectView tc, fc;
  if (!obj2(r, c, "toolConfig", "tool_config", tc, at)) return;
  JsonPath tp(at, "toolConfig");
  if (!obj2(r, tc, "functionCallingConfig", "function_calling_config", fc, tp)) return;
  std::string_view mode;
  if (!r.str(fc, "mode", mode, JsonPath(tp, "functionCallingConfig"))) return;
  std::string m = to_lower(trim_view(mode));
  if (!m.empty() && m != "mode_unspecified") g.tool_choice = std::move(m);
}

void map_tools(JsonObjectView c, JsonReader &r, const JsonPath &at, Generation &g, RequestExtras &x) {
  JsonElement e;
  JsonArrayView tools;
  if (!JsonReader::has(c, "tools", e)) return;
  if (e.get_array().get(tools)) {
    r.wrong_type(JsonPath(at, "tools"), "an array");
    return;
  }
  x.tools = e;
  x.has_tools = true;
  JsonPath tp(at, "tools");
  size_t i = 0;
  for (JsonElement item : tools) {
    JsonObjectView tool;
    JsonPath ip(tp, i++);
    if (!r.as_obj(item, tool, ip)) continue;
    JsonElement decls_el;
    JsonArrayView decls;
    if (!field(tool, "functionDeclarations", "function_declarations", decls_el) || decls_el.get_array().get(decls)) {
      continue;  // googleSearch, codeExecution, ...: not function tools
    }
    JsonPath dp(ip, "functionDeclarations");
    size_t j = 0;
    for (JsonElement de : decls) {
      JsonObjectView decl;
      JsonPath jp(dp, j++);
      std::string_view name, desc;
      if (!r.as_obj(de, decl, jp) || !r.str(decl, "name", name, jp) || trim_view(name).empty()) continue;
      ToolDefinition &t = g.tools.emplace_back();
      t.name.assign(name);
      t.type = "function";
      if (r.str(decl, "description", desc, jp)) t.description.assign(desc);
      JsonElement schema;
      if (field(decl, "parametersJsonSchema", "parameters_json_schema", schema) ||
          JsonReader::has(decl, "parameters", schema)) {
        t.input_schema_json = canonical_json(schema);
      }
    }
  }
}

void map_system(JsonObjectView c, JsonReader &r, const JsonPath &at, Generation &g) {
  JsonElement e;
  if (!field(c, "systemInstruction", "system_instruction", e)) return;
  std::string_view s;
  if (!e.get_string().get(s)) {
    append_joined(g.system_prompt, s);
    return;
  }
  JsonObjectView si;
  JsonArrayView parts;
  if (!r.as_obj(e, si, JsonPath(at, "systemInstruction")) ||
      !r.arr(si, "parts", parts, JsonPath(at, "systemInstruction"))) {
    return;
  }
  for (JsonElement item : parts) {
    JsonObjectView part;
    if (!item.get_object().get(part) && !part["text"].get_string().get(s)) append_joined(g.system_prompt, s);
  }
}

std::string_view strip_models_prefix(std::string_view model) {
  if (model.substr(0, 7) == "models/") model.remove_prefix(7);
  return model;
}

// Candidates -> output messages; the first finishReason is the stop reason.
void map_candidates(JsonObjectView o, JsonReader &r, const JsonPath &rp, Generation &g) {
  JsonArrayView cands;
  if (!r.arr(o, "candidates", cands, rp)) return;
  JsonPath cp(rp, "candidates");
  size_t i = 0;
  for (JsonElement item : cands) {
    JsonObjectView cand, content;
    JsonPath ip(cp, i++);
    if (!r.as_obj(item, cand, ip)) continue;
    std::string_view s;
    if (g.stop_reason.empty() && str2(r, cand, "finishReason", "finish_reason", s, ip)) {
      g.stop_reason = trim(s);
      for (char &c : g.stop_reason) c = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    }
    if (r.obj(cand, "content", content, ip))
      map_content(content, r, JsonPath(ip, "content"), Role::kAssistant, g.output);
  }
}

}  // namespace

void map_gemini_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("request");
  std::string_view s;
  if (r.str(o, "model", s, rp)) g.model.name.assign(strip_models_prefix(s));
  JsonObjectView c;
  if (obj2(r, o, "generationConfig", "generation_config", c, rp))
    map_controls(c, r, JsonPath(rp, "generationConfig"), g);
  map_system(o, r, rp, g);
  map_tools(o, r, rp, g, x);
  map_tool_config(o, r, rp, g);
  if (r.obj(o, "config", c, rp)) {  // SDK form
    JsonPath cp(rp, "config");
    map_controls(c, r, cp, g);
    map_system(c, r, cp, g);
    map_tools(c, r, cp, g, x);
    map_tool_config(c, r, cp, g);
  }
  JsonElement contents;
  if (JsonReader::has(o, "contents", contents)) {
    JsonPath cp(rp, "contents");
    JsonArrayView arr;
    JsonObjectView one;
    if (!contents.get_string().get(s)) {  // SDK shorthand: contents="text"
      if (!s.empty()) add_text(add_message(g.input, Role::kUser).parts, s);
    } else if (!contents.get_object().get(one)) {
      map_content(one, r, cp, Role::kUser, g.input);
    } else if (!contents.get_array().get(arr)) {
      size_t i = 0;
      for (JsonElement item : arr) {
        JsonPath ip(cp, i++);
        if (!item.get_string().get(s)) {
          if (!s.empty()) add_text(add_message(g.input, Role::kUser).parts, s);
        } else if (r.as_obj(item, one, ip)) {
          map_content(one, r, ip, Role::kUser, g.input);
        }
      }
    } else {
      r.wrong_type(cp, "an array of contents");
    }
  }
}

void map_gemini_response(JsonElement root, JsonReader &r, Generation &g) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("response");
  std::string_view s;
  if (str2(r, o, "responseId", "response_id", s, rp)) g.response_id.assign(s);
  if (str2(r, o, "modelVersion", "model_version", s, rp)) g.response_model.assign(strip_models_prefix(s));
  map_candidates(o, r, rp, g);
  JsonObjectView u;
  if (obj2(r, o, "usageMetadata", "usage_metadata", u, rp)) map_usage(u, r, JsonPath(rp, "usageMetadata"), g);
}

// Stream: every chunk is a GenerateContentResponse with the next slice of
// each candidate; usageMetadata is cumulative (the last one wins).

namespace {

class GeminiStream final : public StreamAccumulator {
 public:
  explicit GeminiStream(const ProviderMapOptions &options)
      : StreamAccumulator(ProviderApi::kGeminiGenerateContent, options) {
    terminal_event_ = "a chunk with finishReason";
  }

 private:
  bool on_event(const Event &ev) override {
    Generation chunk;  // each chunk is a whole GenerateContentResponse
    map_gemini_response(ev.root, ev.reader, chunk);
    if (!chunk.response_id.empty()) response_id_ = chunk.response_id;
    if (!chunk.response_model.empty()) response_model_ = chunk.response_model;
    if (!chunk.stop_reason.empty()) {
      stop_reason_ = chunk.stop_reason;
      ended_ = true;
    }
    if (!chunk.usage.empty()) {
      usage_ = chunk.usage;
      for (auto &kv : chunk.metadata) meta_[kv.first] = kv.second;
    }
    bool content = false;
    for (Message &m : chunk.output) {
      for (Part &p : m.parts) {
        content = true;
        Message &dst = add_message(output_, m.role, true);
        // Consecutive text (or thinking) slices join into one part.
        if (!dst.parts.empty() && (p.kind == PartKind::kText || p.kind == PartKind::kThinking) &&
            dst.parts.back().kind == p.kind && dst.parts.back().provider_type == p.provider_type) {
          dst.parts.back().text += p.text;
        } else {
          dst.parts.push_back(std::move(p));
        }
      }
    }
    return content;
  }

  void write(Generation &g) override {
    if (!response_id_.empty()) g.response_id = response_id_;
    if (!response_model_.empty()) g.response_model = response_model_;
    if (!stop_reason_.empty()) g.stop_reason = stop_reason_;
    if (!usage_.empty()) g.usage = usage_;
    for (auto &kv : meta_) g.metadata[kv.first] = kv.second;
    for (Message &m : output_) g.output.push_back(std::move(m));
    output_.clear();
  }

  std::string response_id_, response_model_, stop_reason_;
  TokenUsage usage_;
  Metadata meta_;
  std::vector<Message> output_;
};

}  // namespace

std::unique_ptr<StreamAccumulator> make_gemini_stream(const ProviderMapOptions &options) {
  return std::make_unique<GeminiStream>(options);
}

// Embeddings: embedContent {content} / batchEmbedContents {requests[]}.

void map_gemini_embedding_request(JsonElement root, JsonReader &r, ProviderEmbedding &out) {
  JsonObjectView o;
  const JsonPath rp("request");
  if (!r.as_obj(root, o, rp)) return;
  std::string_view s;
  if (r.str(o, "model", s, rp)) out.model.assign(strip_models_prefix(s));
  int64_t n;
  // One input: a content's parts' texts joined (an input without text still counts).
  auto take_input = [&](JsonObjectView content, const JsonPath &at) {
    ++out.input_count;
    std::string text;
    JsonArrayView parts;
    if (r.arr(content, "parts", parts, at)) {
      for (JsonElement p : parts) {
        JsonObjectView po;
        if (!p.get_object().get(po) && !po["text"].get_string().get(s)) append_joined(text, s, "\n");
      }
    }
    if (!text.empty()) out.input_texts.push_back(std::move(text));
  };
  auto take_content = [&](JsonObjectView req, const JsonPath &at) {
    JsonObjectView content;
    if (i642(r, req, "outputDimensionality", "output_dimensionality", n, at)) out.requested_dimensions = n;
    if (r.obj(req, "content", content, at)) take_input(content, JsonPath(at, "content"));
  };
  auto take_text = [&](std::string_view text) {
    ++out.input_count;
    text = trim_view(text);
    if (!text.empty()) out.input_texts.emplace_back(text);
  };
  JsonArrayView reqs;
  if (r.arr(o, "requests", reqs, rp)) {
    JsonPath qp(rp, "requests");
    size_t i = 0;
    for (JsonElement item : reqs) {
      JsonObjectView req;
      JsonPath ip(qp, i++);
      if (!r.as_obj(item, req, ip)) continue;
      if (out.model.empty() && r.str(req, "model", s, ip)) out.model.assign(strip_models_prefix(s));
      take_content(req, ip);
    }
    return;
  }
  take_content(o, rp);
  // SDK form: contents = "text" | a content | [text | content, ...], and the config object.
  JsonObjectView config;
  if (r.obj(o, "config", config, rp)) take_content(config, JsonPath(rp, "config"));
  JsonElement contents;
  if (!JsonReader::has(o, "contents", contents)) return;
  const JsonPath cp(rp, "contents");
  JsonObjectView one;
  JsonArrayView arr;
  if (!contents.get_string().get(s)) {
    take_text(s);
  } else if (!contents.get_object().get(one)) {
    take_input(one, cp);
  } else if (!contents.get_array().get(arr)) {
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonPath ip(cp, i++);
      if (!item.get_string().get(s))
        take_text(s);
      else if (r.as_obj(item, one, ip))
        take_input(one, ip);
    }
  } else {
    r.wrong_type(cp, "text, a content or an array of them");
  }
}

void map_gemini_embedding_response(JsonElement root, JsonReader &r, ProviderEmbedding &out) {
  JsonObjectView o;
  const JsonPath rp("response");
  if (!r.as_obj(root, o, rp)) return;
  auto take = [&](JsonObjectView emb, const JsonPath &at) {
    JsonArrayView values;
    if (!out.dimensions && r.arr(emb, "values", values, at) && values.size() > 0)
      out.dimensions = int64_t(values.size());
    JsonObjectView stats;
    int64_t n = 0;
    if (r.obj(emb, "statistics", stats, at) &&
        i642(r, stats, "tokenCount", "token_count", n, JsonPath(at, "statistics"))) {
      out.input_tokens += n;
    }
  };
  JsonObjectView one;
  if (r.obj(o, "embedding", one, rp)) take(one, JsonPath(rp, "embedding"));
  JsonArrayView many;
  if (r.arr(o, "embeddings", many, rp)) {
    JsonPath ep(rp, "embeddings");
    size_t i = 0;
    for (JsonElement item : many) {
      JsonPath ip(ep, i++);
      if (r.as_obj(item, one, ip)) take(one, ip);
    }
  }
  if (!out.dimensions && out.requested_dimensions) out.dimensions = out.requested_dimensions;
}

}  // namespace sigil::detail
