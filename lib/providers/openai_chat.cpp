// OpenAI Chat Completions: request, response and stream chunks.
#include <vector>

#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

namespace {

// Text of a content value: a string, or an array of {type:"text", text}
// parts joined with "\n" (system, developer and tool messages).
std::string content_text(JsonElement content, JsonReader &r, const JsonPath &at) {
  std::string_view s;
  if (!content.get_string().get(s)) return std::string(s);
  std::string out;
  JsonArrayView items;
  if (content.get_array().get(items)) {
    if (!content.is_null()) r.wrong_type(at, "a string or an array of content parts");
    return out;
  }
  size_t i = 0;
  for (JsonElement item : items) {
    JsonObjectView part;
    JsonPath ip(at, i++);
    if (!r.as_obj(item, part, ip)) continue;
    if (r.str(part, "text", s, ip)) append_joined(out, s, "\n");
  }
  return out;
}

// One content part of a user or assistant message.
void map_content_part(JsonObjectView part, JsonReader &r, const JsonPath &at, std::vector<Part> &parts) {
  std::string_view type, s;
  r.str(part, "type", type, at);
  if (type == "text" || (type.empty() && part.at_key("text").error() == simdjson::SUCCESS)) {
    if (r.str(part, "text", s, at) && !s.empty()) add_text(parts, s);
  } else if (type == "refusal") {
    if (r.str(part, "refusal", s, at) && !s.empty()) add_text(parts, s, "refusal");
  } else if (type == "image_url") {
    JsonObjectView img;
    std::string_view url;
    JsonElement e;
    if (JsonReader::has(part, "image_url", e) && !e.get_string().get(url)) {
      add_media(parts, "image", url, {}, {}, type);
    } else if (r.obj(part, "image_url", img, at)) {
      r.str(img, "url", url, JsonPath(at, "image_url"));
      add_media(parts, "image", url, {}, {}, type);
    }
  } else if (type == "input_audio") {
    JsonObjectView audio;
    std::string mime;
    if (r.obj(part, "input_audio", audio, at) && r.str(audio, "format", s, JsonPath(at, "input_audio"))) {
      mime = "audio/" + std::string(s);
    }
    add_media(parts, "audio", {}, mime, {}, type);
  } else if (type == "file") {
    JsonObjectView file;
    std::string_view name, id;
    if (r.obj(part, "file", file, at)) {
      JsonPath fp(at, "file");
      r.str(file, "filename", name, fp);
      if (name.empty()) r.str(file, "file_id", id, fp);
    }
    add_media(parts, "file", {}, {}, name.empty() ? id : name, type);
  }
  // Other part types are newer than this mapper: ignored.
}

void map_content(JsonObjectView msg, JsonReader &r, const JsonPath &at, std::vector<Part> &parts) {
  JsonElement content;
  if (!JsonReader::has(msg, "content", content)) return;
  JsonPath cp(at, "content");
  std::string_view s;
  if (!content.get_string().get(s)) {
    if (!s.empty()) add_text(parts, s);
    return;
  }
  JsonArrayView items;
  if (content.get_array().get(items)) {
    r.wrong_type(cp, "a string or an array of content parts");
    return;
  }
  size_t i = 0;
  for (JsonElement item : items) {
    JsonObjectView part;
    JsonPath ip(cp, i++);
    if (r.as_obj(item, part, ip)) map_content_part(part, r, ip, parts);
  }
}

void map_tool_calls(JsonObjectView msg, JsonReader &r, const JsonPath &at, std::vector<Part> &parts) {
  JsonArrayView calls;
  if (r.arr(msg, "tool_calls", calls, at)) {
    JsonPath cp(at, "tool_calls");
    size_t i = 0;
    for (JsonElement item : calls) {
      JsonObjectView call, fn;
      JsonPath ip(cp, i++);
      if (!r.as_obj(item, call, ip)) continue;
      std::string_view id, name, args;
      r.str(call, "id", id, ip);
      if (r.obj(call, "function", fn, ip)) {
        r.str(fn, "name", name, JsonPath(ip, "function"));
        r.str(fn, "arguments", args, JsonPath(ip, "function"));
      } else if (r.obj(call, "custom", fn, ip)) {  // custom tools: free-form input
        r.str(fn, "name", name, JsonPath(ip, "custom"));
        r.str(fn, "input", args, JsonPath(ip, "custom"));
      }
      if (name.empty() && id.empty()) continue;
      add_tool_call(parts, id, name, arguments_json(args), "tool_call");
    }
  }
  JsonObjectView fc;  // legacy single function_call
  if (r.obj(msg, "function_call", fc, at)) {
    std::string_view name, args;
    JsonPath fp(at, "function_call");
    r.str(fc, "name", name, fp);
    r.str(fc, "arguments", args, fp);
    if (!name.empty()) add_tool_call(parts, {}, name, arguments_json(args), "function_call");
  }
}

// Assistant content as the response returns it (also assistant messages in
// a request): reasoning_content (compatible servers), content, refusal,
// audio transcript, tool calls.
void map_assistant(JsonObjectView msg, JsonReader &r, const JsonPath &at, std::vector<Part> &parts) {
  std::string_view s;
  if (r.str(msg, "reasoning_content", s, at) && !s.empty()) add_thinking(parts, s, "reasoning_content");
  map_content(msg, r, at, parts);
  if (r.str(msg, "refusal", s, at) && !s.empty()) add_text(parts, s, "refusal");
  JsonObjectView audio;
  if (r.obj(msg, "audio", audio, at) && r.str(audio, "transcript", s, JsonPath(at, "audio")) && !s.empty()) {
    add_text(parts, s, "audio_transcript");
  }
  map_tool_calls(msg, r, at, parts);
}

void map_request_message(JsonObjectView msg, JsonReader &r, const JsonPath &at, Generation &g) {
  std::string_view role, name, s;
  r.str(msg, "role", role, at);
  r.str(msg, "name", name, at);
  JsonElement content;
  const bool has_content = JsonReader::has(msg, "content", content);
  if (role == "system" || role == "developer") {
    if (has_content) append_joined(g.system_prompt, content_text(content, r, JsonPath(at, "content")));
    return;
  }
  Message m;
  if (role == "tool" || role == "function") {
    m.role = Role::kTool;
    Part &p = append_part(m.parts);
    p.kind = PartKind::kToolResult;
    p.provider_type = role == "tool" ? "tool_result" : "function_result";
    if (r.str(msg, "tool_call_id", s, at)) p.tool_result.tool_call_id.assign(s);
    p.tool_result.name.assign(name);
    if (has_content) p.tool_result.content = content_text(content, r, JsonPath(at, "content"));
    if (p.tool_result.content.empty() && p.tool_result.tool_call_id.empty()) return;
  } else if (role == "assistant") {
    m.role = Role::kAssistant;
    map_assistant(msg, r, at, m.parts);
  } else {
    if (role != "user" && !role.empty()) {
      r.issue(SIGIL_E_INVALID_JSON,
              "openai.chat " + at.str() + ".role: unknown role \"" + std::string(role) + "\" (mapped as user)");
    }
    m.role = Role::kUser;
    map_content(msg, r, at, m.parts);
  }
  if (m.parts.empty()) return;
  if (m.role != Role::kTool) m.name.assign(name);
  g.input.push_back(std::move(m));
}

void map_function_tool(JsonObjectView fn, JsonReader &r, const JsonPath &at, std::string_view type,
                       std::vector<ToolDefinition> &tools) {
  std::string_view name, desc;
  if (!r.str(fn, "name", name, at) || trim_view(name).empty()) return;
  ToolDefinition &t = tools.emplace_back();
  t.name.assign(name);
  t.type.assign(type);
  if (r.str(fn, "description", desc, at)) t.description.assign(desc);
  JsonElement params;
  if (JsonReader::has(fn, "parameters", params)) t.input_schema_json = canonical_json(params);
}

void map_usage(JsonObjectView u, JsonReader &r, const JsonPath &at, TokenUsage &usage) {
  usage = TokenUsage();
  r.add_i64(u, "prompt_tokens", usage.input_tokens, at);
  r.add_i64(u, "completion_tokens", usage.output_tokens, at);
  r.add_i64(u, "total_tokens", usage.total_tokens, at);
  JsonObjectView d;
  if (r.obj(u, "prompt_tokens_details", d, at)) {
    r.add_i64(d, "cached_tokens", usage.cache_read_input_tokens, JsonPath(at, "prompt_tokens_details"));
  }
  if (r.obj(u, "completion_tokens_details", d, at)) {
    r.add_i64(d, "reasoning_tokens", usage.reasoning_tokens, JsonPath(at, "completion_tokens_details"));
  }
}

// OpenAI's reasoning request options; the budget keys are the ones the
// reference helpers read (compatible servers accept a budget there).
void map_reasoning(JsonObjectView o, JsonReader &r, const JsonPath &rp, Generation &g) {
  JsonElement e;
  if (JsonReader::has(o, "reasoning", e)) {
    g.thinking_enabled = true;
    JsonObjectView ro;
    if (!e.get_object().get(ro)) {
      JsonPath p(rp, "reasoning");
      std::string_view effort;
      if (r.str(ro, "effort", effort, p) && effort == "none") g.thinking_enabled = false;
      int64_t budget;
      for (const char *key : {"budget_tokens", "thinking_budget", "thinkingBudget", "max_output_tokens"}) {
        if (r.i64(ro, key, budget, p)) {
          set_metadata_int(g, kThinkingBudgetKey, budget);
          break;
        }
      }
    }
  } else if (JsonReader::has(o, "reasoning_effort", e)) {
    std::string_view effort;
    g.thinking_enabled = !(r.as_str(e, effort, JsonPath(rp, "reasoning_effort")) && effort == "none");
  }
}

}  // namespace

void map_openai_chat_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("request");
  map_request_controls(o, r, rp, g, {"max_completion_tokens", "max_tokens"});
  JsonElement e;
  if (!JsonReader::has(o, "tool_choice", e) && JsonReader::has(o, "function_call", e)) set_tool_choice(e, g);  // legacy
  map_reasoning(o, r, rp, g);

  JsonArrayView arr;
  if (r.arr(o, "messages", arr, rp)) {
    JsonPath mp(rp, "messages");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView msg;
      JsonPath ip(mp, i++);
      if (r.as_obj(item, msg, ip)) map_request_message(msg, r, ip, g);
    }
  }
  if (r.arr(o, "tools", arr, rp)) {
    x.tools = o["tools"].value_unsafe();
    x.has_tools = true;
    JsonPath tp(rp, "tools");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView tool, fn;
      JsonPath ip(tp, i++);
      if (!r.as_obj(item, tool, ip)) continue;
      std::string_view type = "function";
      r.str(tool, "type", type, ip);
      if (r.obj(tool, "function", fn, ip)) {
        map_function_tool(fn, r, JsonPath(ip, "function"), type, g.tools);
      } else if (r.obj(tool, "custom", fn, ip)) {
        map_function_tool(fn, r, JsonPath(ip, "custom"), type, g.tools);
      }
    }
  } else if (r.arr(o, "functions", arr, rp)) {  // legacy function definitions
    x.tools = o["functions"].value_unsafe();
    x.has_tools = true;
    JsonPath tp(rp, "functions");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView fn;
      JsonPath ip(tp, i++);
      if (r.as_obj(item, fn, ip)) map_function_tool(fn, r, ip, "function", g.tools);
    }
  }
}

void map_openai_chat_response(JsonElement root, JsonReader &r, Generation &g) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("response");
  std::string_view s;
  if (r.str(o, "id", s, rp)) g.response_id.assign(s);
  if (r.str(o, "model", s, rp)) g.response_model.assign(s);
  JsonArrayView choices;
  if (r.arr(o, "choices", choices, rp)) {
    JsonPath cp(rp, "choices");
    size_t i = 0;
    for (JsonElement item : choices) {
      JsonObjectView choice, msg;
      JsonPath ip(cp, i++);
      if (!r.as_obj(item, choice, ip)) continue;
      if (g.stop_reason.empty() && r.str(choice, "finish_reason", s, ip)) g.stop_reason = trim(s);
      if (!r.obj(choice, "message", msg, ip)) continue;
      Message m;
      m.role = Role::kAssistant;
      map_assistant(msg, r, JsonPath(ip, "message"), m.parts);
      if (!m.parts.empty()) g.output.push_back(std::move(m));
    }
  }
  JsonObjectView u;
  if (r.obj(o, "usage", u, rp)) map_usage(u, r, JsonPath(rp, "usage"), g.usage);
}

// Stream -------------------------------------------------------------------------------

namespace {

// Choice and tool-call indexes come from the provider: bounded so a hostile
// index cannot make the accumulator allocate without limit.
constexpr int64_t kMaxIndex = 1024;

class OpenAIChatStream final : public StreamAccumulator {
 public:
  explicit OpenAIChatStream(const ProviderMapOptions &options) : StreamAccumulator(ProviderApi::kOpenAIChat, options) {
    terminal_event_ = "a chunk with finish_reason";
  }

 private:
  struct Call {
    std::string id, name, args;
    bool legacy = false;
  };
  struct Choice {
    std::string reasoning, text, refusal;
    std::vector<Call> calls;
    Call function_call;
    bool has_function_call = false;
    std::string finish_reason;
  };

  bool on_event(const Event &ev) override {
    JsonReader &r = ev.reader;
    JsonObjectView o = ev.root.get_object().value_unsafe();
    const JsonPath rp("chunk");
    if (done_) note("chunk " + std::to_string(ev.index) + " arrived after [DONE]");
    std::string_view s;
    if (id_.empty() && r.str(o, "id", s, rp)) id_.assign(s);
    if (model_.empty() && r.str(o, "model", s, rp)) model_.assign(s);
    JsonObjectView u;
    if (r.obj(o, "usage", u, rp)) {  // include_usage: the last chunk, choices empty
      map_usage(u, r, JsonPath(rp, "usage"), usage_);
      has_usage_ = true;
    }
    JsonArrayView choices;
    if (!r.arr(o, "choices", choices, rp)) return false;
    bool content = false;
    JsonPath cp(rp, "choices");
    size_t pos = 0;
    for (JsonElement item : choices) {
      JsonObjectView choice, delta;
      JsonPath ip(cp, pos);
      int64_t index = int64_t(pos++);
      if (!r.as_obj(item, choice, ip)) continue;
      r.i64(choice, "index", index, ip);
      if (index < 0 || index >= kMaxIndex) {
        r.wrong_type(JsonPath(ip, "index"), "a choice index below 1024");
        continue;
      }
      if (size_t(index) >= choices_.size()) choices_.resize(size_t(index) + 1);
      Choice &c = choices_[size_t(index)];
      if (r.str(choice, "finish_reason", s, ip) && !s.empty()) {
        c.finish_reason = trim(s);
        ended_ = true;
      }
      if (!r.obj(choice, "delta", delta, ip)) continue;
      JsonPath dp(ip, "delta");
      if (r.str(delta, "content", s, dp) && !s.empty()) c.text.append(s), content = true;
      if (r.str(delta, "refusal", s, dp) && !s.empty()) c.refusal.append(s), content = true;
      if (r.str(delta, "reasoning_content", s, dp) && !s.empty()) c.reasoning.append(s), content = true;
      JsonArrayView calls;
      if (r.arr(delta, "tool_calls", calls, dp)) {
        JsonPath tp(dp, "tool_calls");
        size_t j = 0;
        for (JsonElement ce : calls) {
          JsonObjectView call, fn;
          JsonPath jp(tp, j);
          int64_t ci = int64_t(j++);
          if (!r.as_obj(ce, call, jp)) continue;
          r.i64(call, "index", ci, jp);
          if (ci < 0 || ci >= kMaxIndex) {
            r.wrong_type(JsonPath(jp, "index"), "a tool call index below 1024");
            continue;
          }
          if (size_t(ci) >= c.calls.size()) c.calls.resize(size_t(ci) + 1);
          Call &k = c.calls[size_t(ci)];
          if (r.str(call, "id", s, jp) && !s.empty()) k.id.assign(s);
          if (r.obj(call, "function", fn, jp)) {
            JsonPath fp(jp, "function");
            if (r.str(fn, "name", s, fp) && !s.empty()) k.name.assign(s);
            if (r.str(fn, "arguments", s, fp)) k.args.append(s);
          }
          content = true;
        }
      }
      JsonObjectView fc;
      if (r.obj(delta, "function_call", fc, dp)) {
        JsonPath fp(dp, "function_call");
        c.has_function_call = true;
        if (r.str(fc, "name", s, fp) && !s.empty()) c.function_call.name.assign(s);
        if (r.str(fc, "arguments", s, fp)) c.function_call.args.append(s);
        content = true;
      }
    }
    return content;
  }

  void on_done() override {
    done_ = true;
    ended_ = true;
  }

  void write(Generation &g) override {
    if (!id_.empty()) g.response_id = id_;
    if (!model_.empty()) g.response_model = model_;
    if (has_usage_) g.usage = usage_;
    for (Choice &c : choices_) {
      if (g.stop_reason.empty() && !c.finish_reason.empty()) g.stop_reason = c.finish_reason;
      Message m;
      m.role = Role::kAssistant;
      if (!c.reasoning.empty()) add_thinking(m.parts, c.reasoning, "reasoning_content");
      if (!c.text.empty()) add_text(m.parts, c.text);
      if (!c.refusal.empty()) add_text(m.parts, c.refusal, "refusal");
      for (Call &k : c.calls) {
        if (k.id.empty() && k.name.empty() && k.args.empty()) continue;  // an index never sent
        add_tool_call(m.parts, k.id, k.name, arguments_json(k.args), "tool_call");
      }
      if (c.has_function_call) {
        add_tool_call(m.parts, {}, c.function_call.name, arguments_json(c.function_call.args), "function_call");
      }
      if (!m.parts.empty()) g.output.push_back(std::move(m));
    }
  }

  std::string id_, model_;
  TokenUsage usage_;
  bool has_usage_ = false;
  bool done_ = false;
  std::vector<Choice> choices_;
};

}  // namespace

std::unique_ptr<StreamAccumulator> make_openai_chat_stream(const ProviderMapOptions &options) {
  return std::make_unique<OpenAIChatStream>(options);
}

}  // namespace sigil::detail
