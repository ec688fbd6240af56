// OpenAI Responses: request, response and stream events.
#include <vector>

#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

namespace {

// Content of a message item: a string or typed parts.
void map_content(JsonElement content, JsonReader &r, const JsonPath &at, std::vector<Part> &parts) {
  std::string_view s;
  if (!content.get_string().get(s)) {
    if (!s.empty()) add_text(parts, s);
    return;
  }
  JsonArrayView items;
  if (content.get_array().get(items)) {
    r.wrong_type(at, "a string or an array of content parts");
    return;
  }
  size_t i = 0;
  for (JsonElement item : items) {
    JsonObjectView part;
    JsonPath ip(at, i++);
    if (!r.as_obj(item, part, ip)) continue;
    std::string_view type;
    r.str(part, "type", type, ip);
    if (type == "input_text" || type == "output_text" || type == "text") {
      if (r.str(part, "text", s, ip) && !s.empty()) add_text(parts, s);
    } else if (type == "refusal") {
      if (r.str(part, "refusal", s, ip) && !s.empty()) add_text(parts, s, "refusal");
    } else if (type == "input_image") {
      std::string_view url;
      r.str(part, "image_url", url, ip);
      add_media(parts, "image", url, {}, {}, type);
    } else if (type == "input_file") {
      std::string_view url, name;
      r.str(part, "file_url", url, ip);
      r.str(part, "filename", name, ip);
      add_media(parts, "file", url, {}, name, type);
    } else if (type == "input_audio") {
      JsonObjectView audio;
      std::string mime;
      if (r.obj(part, "input_audio", audio, ip) && r.str(audio, "format", s, JsonPath(ip, "input_audio"))) {
        mime = "audio/" + std::string(s);
      }
      add_media(parts, "audio", {}, mime, {}, type);
    }
  }
}

void add_tool_output(JsonObjectView item, JsonReader &r, const JsonPath &at, std::vector<Message> &out) {
  Message &m = add_message(out, Role::kTool, true);
  Part &p = append_part(m.parts);
  p.kind = PartKind::kToolResult;
  p.provider_type = "function_call_output";
  std::string_view s;
  if (r.str(item, "call_id", s, at)) p.tool_result.tool_call_id.assign(s);
  JsonElement output;
  if (!JsonReader::has(item, "output", output)) return;
  if (!output.get_string().get(s)) {
    p.tool_result.content.assign(s);
  } else {
    std::vector<Part> parts;
    map_content(output, r, JsonPath(at, "output"), parts);
    for (Part &q : parts) {
      if (q.kind == PartKind::kText) append_joined(p.tool_result.content, q.text, "\n");
    }
    p.tool_result.content_json = canonical_json(output);
  }
}

// One item of `input` or `output`. Consecutive assistant items (reasoning,
// message, function calls of one turn) join one assistant message.
void map_item(JsonObjectView item, JsonReader &r, const JsonPath &at, std::vector<Message> &out,
              std::string *system_prompt) {
  std::string_view type, role, s;
  r.str(item, "type", type, at);
  r.str(item, "role", role, at);
  if (type == "message" || (type.empty() && !role.empty())) {
    JsonElement content;
    const bool has_content = JsonReader::has(item, "content", content);
    if (system_prompt != nullptr && (role == "system" || role == "developer")) {
      if (!has_content) return;
      std::vector<Part> parts;
      map_content(content, r, JsonPath(at, "content"), parts);
      std::string text;
      for (Part &p : parts) append_joined(text, p.text, "\n");
      append_joined(*system_prompt, text);
      return;
    }
    if (!has_content) return;
    std::vector<Part> parts;
    map_content(content, r, JsonPath(at, "content"), parts);
    if (parts.empty()) return;
    const Role mapped = role == "assistant" || system_prompt == nullptr ? Role::kAssistant : Role::kUser;
    Message &m = add_message(out, mapped, mapped == Role::kAssistant);
    for (Part &p : parts) m.parts.push_back(std::move(p));
  } else if (type == "function_call" || type == "custom_tool_call") {
    std::string_view id, name, args;
    r.str(item, "call_id", id, at);
    r.str(item, "name", name, at);
    if (type == "function_call")
      r.str(item, "arguments", args, at);
    else
      r.str(item, "input", args, at);
    add_tool_call(add_message(out, Role::kAssistant, true).parts, id, name, arguments_json(args), type);
  } else if (type == "function_call_output" || type == "custom_tool_call_output") {
    add_tool_output(item, r, at, out);
  } else if (type == "reasoning") {
    std::string text;
    JsonArrayView arr;
    for (const char *key : {"summary", "content"}) {
      if (!r.arr(item, key, arr, at)) continue;
      for (JsonElement e : arr) {
        JsonObjectView part;
        if (!e.get_object().get(part) && !part["text"].get_string().get(s)) append_joined(text, s);
      }
    }
    if (!text.empty()) add_thinking(add_message(out, Role::kAssistant, true).parts, text, "reasoning");
  }
  // Built-in tool calls (web_search_call, ...) and newer item types: ignored.
}

void map_usage(JsonObjectView u, JsonReader &r, const JsonPath &at, TokenUsage &usage) {
  usage = TokenUsage();
  r.add_i64(u, "input_tokens", usage.input_tokens, at);
  r.add_i64(u, "output_tokens", usage.output_tokens, at);
  r.add_i64(u, "total_tokens", usage.total_tokens, at);
  JsonObjectView d;
  if (r.obj(u, "input_tokens_details", d, at)) {
    r.add_i64(d, "cached_tokens", usage.cache_read_input_tokens, JsonPath(at, "input_tokens_details"));
  }
  if (r.obj(u, "output_tokens_details", d, at)) {
    r.add_i64(d, "reasoning_tokens", usage.reasoning_tokens, JsonPath(at, "output_tokens_details"));
  }
}

// "completed" -> "stop"; "incomplete" -> its reason (max_output_tokens,
// content_filter); other statuses as they are (failed, cancelled, ...).
std::string stop_reason(JsonObjectView o, JsonReader &r, const JsonPath &at) {
  std::string_view status, reason;
  if (!r.str(o, "status", status, at)) return std::string();
  std::string st = to_lower(trim_view(status));
  if (st == "completed") return "stop";
  JsonObjectView details;
  if (st == "incomplete" && r.obj(o, "incomplete_details", details, at) &&
      r.str(details, "reason", reason, JsonPath(at, "incomplete_details")) && !reason.empty()) {
    return to_lower(trim_view(reason));
  }
  return st;
}

}  // namespace

void map_openai_responses_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("request");
  map_request_controls(o, r, rp, g, {"max_output_tokens"});
  std::string_view s;
  int64_t n;
  JsonElement e;
  JsonObjectView reasoning;
  if (JsonReader::has(o, "reasoning", e)) {
    g.thinking_enabled = true;
    if (r.as_obj(e, reasoning, JsonPath(rp, "reasoning"))) {
      JsonPath p(rp, "reasoning");
      std::string_view effort;
      if (r.str(reasoning, "effort", effort, p) && effort == "none") g.thinking_enabled = false;
      for (const char *key : {"budget_tokens", "thinking_budget", "thinkingBudget", "max_output_tokens"}) {
        if (r.i64(reasoning, key, n, p)) {
          set_metadata_int(g, kThinkingBudgetKey, n);
          break;
        }
      }
    }
  }
  if (r.str(o, "instructions", s, rp)) append_joined(g.system_prompt, s);
  if (JsonReader::has(o, "input", e)) {
    JsonPath ip(rp, "input");
    JsonArrayView items;
    if (!e.get_string().get(s)) {
      if (!s.empty()) add_text(add_message(g.input, Role::kUser).parts, s);
    } else if (!e.get_array().get(items)) {
      size_t i = 0;
      for (JsonElement item : items) {
        JsonObjectView io;
        JsonPath jp(ip, i++);
        if (!r.as_obj(item, io, jp)) continue;
        std::string_view role;
        r.str(io, "role", role, jp);
        std::string_view type;
        r.str(io, "type", type, jp);
        if ((type == "message" || type.empty()) && role == "user") {
          JsonElement content;
          if (!JsonReader::has(io, "content", content)) continue;
          std::vector<Part> parts;
          map_content(content, r, JsonPath(jp, "content"), parts);
          if (parts.empty()) continue;
          Message &m = add_message(g.input, Role::kUser);
          m.parts = std::move(parts);
          continue;
        }
        map_item(io, r, jp, g.input, &g.system_prompt);
      }
    } else {
      r.wrong_type(ip, "a string or an array of input items");
    }
  }
  JsonArrayView tools;
  if (r.arr(o, "tools", tools, rp)) {
    x.tools = o["tools"].value_unsafe();
    x.has_tools = true;
    JsonPath tp(rp, "tools");
    size_t i = 0;
    for (JsonElement item : tools) {
      JsonObjectView tool;
      JsonPath ip(tp, i++);
      if (!r.as_obj(item, tool, ip)) continue;
      std::string_view type, name, desc;
      r.str(tool, "type", type, ip);
      r.str(tool, "name", name, ip);
      if (type.empty() && name.empty()) continue;
      ToolDefinition &t = g.tools.emplace_back();
      t.type = type.empty() ? std::string("function") : std::string(type);
      t.name = name.empty() ? t.type : std::string(name);  // built-in tools (web_search) have no name
      if (r.str(tool, "description", desc, ip)) t.description.assign(desc);
      if (JsonReader::has(tool, "parameters", e)) t.input_schema_json = canonical_json(e);
    }
  }
}

void map_openai_responses_response(JsonElement root, JsonReader &r, Generation &g) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("response");
  std::string_view s;
  if (r.str(o, "id", s, rp)) g.response_id.assign(s);
  if (r.str(o, "model", s, rp)) g.response_model.assign(s);
  std::string stop = stop_reason(o, r, rp);
  if (!stop.empty()) g.stop_reason = std::move(stop);
  JsonArrayView items;
  if (r.arr(o, "output", items, rp)) {
    JsonPath op(rp, "output");
    size_t i = 0;
    for (JsonElement item : items) {
      JsonObjectView io;
      JsonPath ip(op, i++);
      if (r.as_obj(item, io, ip)) map_item(io, r, ip, g.output, nullptr);
    }
  }
  JsonObjectView u;
  if (r.obj(o, "usage", u, rp)) map_usage(u, r, JsonPath(rp, "usage"), g.usage);
}

// Stream ------------------------------------------------------------------------------

namespace {

constexpr int64_t kMaxItems = 1024;

class OpenAIResponsesStream final : public StreamAccumulator {
 public:
  explicit OpenAIResponsesStream(const ProviderMapOptions &options)
      : StreamAccumulator(ProviderApi::kOpenAIResponses, options) {
    terminal_event_ = "response.completed";
  }

 private:
  struct Item {
    std::string type, call_id, name, text, refusal, reasoning, args;
    int64_t summary_index = -1;
    bool args_done = false;
    bool has_final = false;
    std::vector<Message> final;  // from response.output_item.done
  };

  Item *item_at(JsonObjectView o, JsonReader &r, const JsonPath &at, std::string_view event) {
    int64_t index = -1;
    if (!r.i64(o, "output_index", index, at) || index < 0 || index >= kMaxItems) {
      note(std::string(event) + " without a valid output_index (0-1023)");
      return nullptr;
    }
    if (size_t(index) >= items_.size()) items_.resize(size_t(index) + 1);
    return &items_[size_t(index)];
  }

  void take_response(JsonObjectView resp, JsonReader &r, const JsonPath &at, bool final) {
    std::string_view s;
    if (r.str(resp, "id", s, at) && !s.empty()) id_.assign(s);
    if (r.str(resp, "model", s, at) && !s.empty()) model_.assign(s);
    if (!final) return;
    std::string stop = stop_reason(resp, r, at);
    if (!stop.empty()) stop_reason_ = std::move(stop);
    JsonObjectView u;
    if (r.obj(resp, "usage", u, at)) {
      map_usage(u, r, JsonPath(at, "usage"), usage_);
      has_usage_ = true;
    }
    JsonArrayView items;
    if (r.arr(resp, "output", items, at) && items.size() > 0) {
      final_output_.clear();
      JsonPath op(at, "output");
      size_t i = 0;
      for (JsonElement item : items) {
        JsonObjectView io;
        JsonPath ip(op, i++);
        if (r.as_obj(item, io, ip)) map_item(io, r, ip, final_output_, nullptr);
      }
      has_final_output_ = true;
    }
  }

  bool on_event(const Event &ev) override {
    JsonReader &r = ev.reader;
    JsonObjectView o = ev.root.get_object().value_unsafe();
    const JsonPath rp("event");
    std::string_view type, s;
    r.str(o, "type", type, rp);
    if (ended_) note(std::string(type) + " after the response ended (events out of order)");
    JsonObjectView resp;
    if (type == "response.created" || type == "response.in_progress" || type == "response.queued") {
      if (r.obj(o, "response", resp, rp)) take_response(resp, r, JsonPath(rp, "response"), false);
      return false;
    }
    if (type == "response.completed" || type == "response.incomplete" || type == "response.failed" ||
        type == "response.cancelled") {
      if (r.obj(o, "response", resp, rp)) take_response(resp, r, JsonPath(rp, "response"), true);
      if (stop_reason_.empty()) {  // no response object: the event type says how it ended
        stop_reason_ = type == "response.completed" ? std::string("stop") : std::string(type.substr(9));
      }
      ended_ = true;
      return false;
    }
    if (type == "error") {
      std::string_view msg;
      r.str(o, "message", msg, rp);
      note("error event: " + std::string(msg));
      return false;
    }
    if (type == "response.output_item.added" || type == "response.output_item.done") {
      Item *it = item_at(o, r, rp, type);
      JsonObjectView io;
      if (it == nullptr || !r.obj(o, "item", io, rp)) return false;
      JsonPath ip(rp, "item");
      if (r.str(io, "type", s, ip)) it->type.assign(s);
      if (r.str(io, "call_id", s, ip)) it->call_id.assign(s);
      if (r.str(io, "name", s, ip)) it->name.assign(s);
      if (type == "response.output_item.done") {
        it->final.clear();
        map_item(io, r, ip, it->final, nullptr);
        it->has_final = true;
      }
      return it->type == "function_call" || it->type == "custom_tool_call";
    }
    const bool text_delta = type == "response.output_text.delta";
    const bool refusal_delta = type == "response.refusal.delta";
    const bool reasoning_delta =
        type == "response.reasoning_summary_text.delta" || type == "response.reasoning_text.delta";
    const bool args_delta =
        type == "response.function_call_arguments.delta" || type == "response.custom_tool_call_input.delta";
    if (text_delta || refusal_delta || reasoning_delta || args_delta) {
      Item *it = item_at(o, r, rp, type);
      if (it == nullptr || !r.str(o, "delta", s, rp)) return false;
      if (it->type.empty() && !warned_order_) {
        warned_order_ = true;
        note(std::string(type) + " before response.output_item.added (events out of order)");
      }
      if (text_delta) {
        if (it->type.empty()) it->type = "message";
        it->text.append(s);
      } else if (refusal_delta) {
        if (it->type.empty()) it->type = "message";
        it->refusal.append(s);
      } else if (reasoning_delta) {
        if (it->type.empty()) it->type = "reasoning";
        int64_t si = 0;
        r.i64(o, "summary_index", si, rp);
        if (it->summary_index >= 0 && si != it->summary_index && !it->reasoning.empty()) it->reasoning += "\n\n";
        it->summary_index = si;
        it->reasoning.append(s);
      } else if (!it->args_done) {
        if (it->type.empty()) it->type = "function_call";
        it->args.append(s);
      }
      return !s.empty();
    }
    if (type == "response.function_call_arguments.done") {
      Item *it = item_at(o, r, rp, type);
      if (it != nullptr && r.str(o, "arguments", s, rp)) {
        it->args.assign(s);  // the whole arguments: authoritative
        it->args_done = true;
      }
      return false;
    }
    return false;  // content_part.added/done, *.done, annotations, built-in tool progress ...
  }

  void write(Generation &g) override {
    if (!id_.empty()) g.response_id = id_;
    if (!model_.empty()) g.response_model = model_;
    if (!stop_reason_.empty()) g.stop_reason = stop_reason_;
    if (has_usage_) g.usage = usage_;
    if (has_final_output_) {
      for (Message &m : final_output_) g.output.push_back(std::move(m));
      return;
    }
    std::vector<Message> out;
    for (Item &it : items_) {
      if (it.has_final) {
        for (Message &m : it.final) {
          Message &dst = add_message(out, m.role, true);
          for (Part &p : m.parts) dst.parts.push_back(std::move(p));
        }
        continue;
      }
      if (it.type == "message") {
        Message &m = add_message(out, Role::kAssistant, true);
        if (!it.text.empty()) add_text(m.parts, it.text);
        if (!it.refusal.empty()) add_text(m.parts, it.refusal, "refusal");
      } else if (it.type == "reasoning") {
        if (!it.reasoning.empty())
          add_thinking(add_message(out, Role::kAssistant, true).parts, it.reasoning, "reasoning");
      } else if (it.type == "function_call" || it.type == "custom_tool_call") {
        add_tool_call(add_message(out, Role::kAssistant, true).parts, it.call_id, it.name, arguments_json(it.args),
                      it.type);
      }
    }
    for (Message &m : out) {
      if (!m.parts.empty()) g.output.push_back(std::move(m));
    }
  }

  std::string id_, model_, stop_reason_;
  TokenUsage usage_;
  bool has_usage_ = false, has_final_output_ = false, warned_order_ = false;
  std::vector<Item> items_;
  std::vector<Message> final_output_;
};

}  // namespace

std::unique_ptr<StreamAccumulator> make_openai_responses_stream(const ProviderMapOptions &options) {
  return std::make_unique<OpenAIResponsesStream>(options);
}

}  // namespace sigil::detail
