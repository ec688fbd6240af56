// Anthropic Messages: request, response and stream events.
#include <algorithm>
#include <vector>

#include "base/saturating.h"
#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

namespace {

constexpr char kWebSearchKey[] = "sigil.gen_ai.usage.server_tool_use.web_search_requests";
constexpr char kWebFetchKey[] = "sigil.gen_ai.usage.server_tool_use.web_fetch_requests";
constexpr char kServerToolTotalKey[] = "sigil.gen_ai.usage.server_tool_use.total_requests";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Text of a tool_result's content: a string or text blocks joined with "\n".
void tool_result_content(JsonElement content, JsonReader &r, const JsonPath &at, ToolResult &out) {
  std::string_view s;
  if (!content.get_string().get(s)) {
    out.content.assign(s);
    return;
  }
  JsonArrayView items;
  if (content.get_array().get(items)) {
    out.content_json = canonical_json(content);
    return;
  }
  bool only_text = true;
  size_t i = 0;
  for (JsonElement item : items) {
    JsonObjectView block;
    JsonPath ip(at, i++);
    if (!r.as_obj(item, block, ip)) continue;
    std::string_view type;
    r.str(block, "type", type, ip);
    if (type == "text" && r.str(block, "text", s, ip))
      append_joined(out.content, s, "\n");
    else
      only_text = false;
  }
  if (!only_text) out.content_json = canonical_json(content);
}

// One content block (request or response). Tool results go to `tool_parts`
// (a tool-role message), everything else to `parts`.
void map_block(JsonObjectView block, JsonReader &r, const JsonPath &at, std::vector<Part> &parts,
               std::vector<Part> &tool_parts) {
  std::string_view type, s;
  r.str(block, "type", type, at);
  if (type == "text") {
    if (r.str(block, "text", s, at) && !s.empty()) add_text(parts, s);
  } else if (type == "thinking") {
    r.str(block, "thinking", s, at);
    add_thinking(parts, s, "thinking");
  } else if (type == "redacted_thinking") {
    r.str(block, "data", s, at);
    add_thinking(parts, s, "redacted_thinking");
  } else if (type == "tool_use" || type == "server_tool_use" || type == "mcp_tool_use") {
    std::string_view id, name;
    r.str(block, "id", id, at);
    r.str(block, "name", name, at);
    JsonElement input;
    std::string input_json = JsonReader::has(block, "input", input) ? canonical_json(input) : std::string();
    add_tool_call(parts, id, name, std::move(input_json), type);
  } else if (type == "tool_result" || ends_with(type, "_tool_result")) {
    Part &p = append_part(tool_parts);
    p.kind = PartKind::kToolResult;
    p.provider_type.assign(type);
    if (r.str(block, "tool_use_id", s, at)) p.tool_result.tool_call_id.assign(s);
    bool is_error = false;
    if (r.boolean(block, "is_error", is_error, at)) p.tool_result.is_error = is_error;
    JsonElement content;
    if (JsonReader::has(block, "content", content)) {
      if (type == "tool_result")
        tool_result_content(content, r, JsonPath(at, "content"), p.tool_result);
      else
        p.tool_result.content_json = canonical_json(content);  // server tool results: structured
    }
  } else if (type == "image" || type == "document") {
    JsonObjectView src;
    std::string_view url, mime, title;
    if (r.obj(block, "source", src, at)) {
      JsonPath sp(at, "source");
      r.str(src, "url", url, sp);
      r.str(src, "media_type", mime, sp);
    }
    r.str(block, "title", title, at);
    add_media(parts, type, url, mime, title, type);
  }
  // Other block types (citations containers, search results, ...) are newer
  // than this mapper: ignored.
}

void map_blocks(JsonElement content, JsonReader &r, const JsonPath &at, Role role, std::vector<Message> &out) {
  std::vector<Part> parts, tool_parts;
  std::string_view s;
  if (!content.get_string().get(s)) {
    if (!s.empty()) add_text(parts, s);
  } else {
    JsonArrayView blocks;
    if (content.get_array().get(blocks)) {
      r.wrong_type(at, "a string or an array of content blocks");
      return;
    }
    size_t i = 0;
    for (JsonElement item : blocks) {
      JsonObjectView block;
      JsonPath ip(at, i++);
      if (r.as_obj(item, block, ip)) map_block(block, r, ip, parts, tool_parts);
    }
  }
  if (!parts.empty()) add_message(out, role).parts = std::move(parts);
  if (!tool_parts.empty()) add_message(out, Role::kTool).parts = std::move(tool_parts);
}

void map_usage(JsonObjectView u, JsonReader &r, const JsonPath &at, TokenUsage &usage, Generation *g) {
  r.add_i64(u, "input_tokens", usage.input_tokens, at);
  r.add_i64(u, "output_tokens", usage.output_tokens, at);
  r.add_i64(u, "cache_read_input_tokens", usage.cache_read_input_tokens, at);
  if (r.add_i64(u, "cache_creation_input_tokens", usage.cache_creation_input_tokens, at)) {
    usage.cache_write_input_tokens = usage.cache_creation_input_tokens;
  }
  usage.total_tokens = saturating_add(usage.input_tokens, usage.output_tokens);
  JsonObjectView stu;
  if (g != nullptr && r.obj(u, "server_tool_use", stu, at)) {
    JsonPath sp(at, "server_tool_use");
    int64_t search = 0, fetch = 0;
    r.i64(stu, "web_search_requests", search, sp);
    r.i64(stu, "web_fetch_requests", fetch, sp);
    if (search > 0) set_metadata_int(*g, kWebSearchKey, search);
    if (fetch > 0) set_metadata_int(*g, kWebFetchKey, fetch);
    if (search > 0 || fetch > 0) {
      set_metadata_int(*g, kServerToolTotalKey,
                       saturating_add(std::max<int64_t>(search, 0), std::max<int64_t>(fetch, 0)));
    }
  }
}

}  // namespace

void map_anthropic_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("request");
  map_request_controls(o, r, rp, g, {"max_tokens"});
  JsonElement e;
  if (JsonReader::has(o, "thinking", e)) {
    JsonObjectView th;
    std::string_view type;
    if (!e.get_string().get(type) ||
        (r.as_obj(e, th, JsonPath(rp, "thinking")) && r.str(th, "type", type, JsonPath(rp, "thinking")))) {
      std::string t = to_lower(trim_view(type));
      if (t == "enabled" || t == "adaptive")
        g.thinking_enabled = true;
      else if (t == "disabled")
        g.thinking_enabled = false;
    }
    int64_t n;
    if (!e.get_object().get(th) && r.i64(th, "budget_tokens", n, JsonPath(rp, "thinking"))) {
      set_metadata_int(g, kThinkingBudgetKey, n);
    }
  }
  if (JsonReader::has(o, "system", e)) {
    std::string_view text;
    JsonArrayView blocks;
    if (!e.get_string().get(text)) {
      append_joined(g.system_prompt, text);
    } else if (!e.get_array().get(blocks)) {
      JsonPath sp(rp, "system");
      size_t i = 0;
      for (JsonElement item : blocks) {
        JsonObjectView block;
        JsonPath ip(sp, i++);
        if (r.as_obj(item, block, ip) && r.str(block, "text", text, ip)) append_joined(g.system_prompt, text);
      }
    } else {
      r.wrong_type(JsonPath(rp, "system"), "a string or an array of text blocks");
    }
  }
  JsonArrayView arr;
  if (r.arr(o, "messages", arr, rp)) {
    JsonPath mp(rp, "messages");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView msg;
      JsonPath ip(mp, i++);
      if (!r.as_obj(item, msg, ip)) continue;
      std::string_view role;
      r.str(msg, "role", role, ip);
      JsonElement content;
      if (!JsonReader::has(msg, "content", content)) continue;
      map_blocks(content, r, JsonPath(ip, "content"), role == "assistant" ? Role::kAssistant : Role::kUser, g.input);
    }
  }
  if (r.arr(o, "tools", arr, rp)) {
    x.tools = o["tools"].value_unsafe();
    x.has_tools = true;
    JsonPath tp(rp, "tools");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView tool;
      JsonPath ip(tp, i++);
      if (!r.as_obj(item, tool, ip)) continue;
      std::string_view name, type, desc;
      if (!r.str(tool, "name", name, ip) || trim_view(name).empty()) continue;
      ToolDefinition &t = g.tools.emplace_back();
      t.name.assign(name);
      t.type = r.str(tool, "type", type, ip) && !type.empty() ? std::string(type) : std::string("function");
      if (r.str(tool, "description", desc, ip)) t.description.assign(desc);
      if (JsonReader::has(tool, "input_schema", e)) t.input_schema_json = canonical_json(e);
      bool deferred = false;
      if (r.boolean(tool, "defer_loading", deferred, ip)) t.deferred = deferred;
    }
  }
}

void map_anthropic_response(JsonElement root, JsonReader &r, Generation &g) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("response");
  std::string_view s;
  if (r.str(o, "type", s, rp) && s == "error") {
    JsonObjectView err;
    std::string_view msg;
    if (r.obj(o, "error", err, rp)) r.str(err, "message", msg, JsonPath(rp, "error"));
    r.issue(SIGIL_E_INVALID_JSON, "anthropic.messages response: an error object, not a message: " + std::string(msg));
    return;
  }
  if (r.str(o, "id", s, rp)) g.response_id.assign(s);
  if (r.str(o, "model", s, rp)) g.response_model.assign(s);
  if (r.str(o, "stop_reason", s, rp)) g.stop_reason = trim(s);
  JsonElement content;
  if (JsonReader::has(o, "content", content))
    map_blocks(content, r, JsonPath(rp, "content"), Role::kAssistant, g.output);
  JsonObjectView u;
  if (r.obj(o, "usage", u, rp)) {
    g.usage = TokenUsage();
    map_usage(u, r, JsonPath(rp, "usage"), g.usage, &g);
  }
}

// Stream ---------------------------------------------------------------------------------

namespace {

constexpr int64_t kMaxBlocks = 1024;

class AnthropicStream final : public StreamAccumulator {
 public:
  explicit AnthropicStream(const ProviderMapOptions &options)
      : StreamAccumulator(ProviderApi::kAnthropicMessages, options) {
    terminal_event_ = "message_stop";
  }

 private:
  struct Block {
    std::string type;  // empty: never started
    std::string id, name;
    std::string text;   // text, thinking, redacted data
    std::string input;  // tool input JSON (from start or deltas)
    bool input_from_deltas = false;
    std::string signature;
    std::string content_json;  // server tool results: the whole block content
    std::string tool_use_id;
    bool is_error = false;
  };

  Block *block_at(JsonObjectView o, JsonReader &r, const JsonPath &at, const char *event) {
    int64_t index = -1;
    if (!r.i64(o, "index", index, at) || index < 0 || index >= kMaxBlocks) {
      note(std::string(event) + " without a valid index (0-1023)");
      return nullptr;
    }
    if (size_t(index) >= blocks_.size()) blocks_.resize(size_t(index) + 1);
    return &blocks_[size_t(index)];
  }

  bool on_event(const Event &ev) override {
    JsonReader &r = ev.reader;
    JsonObjectView o = ev.root.get_object().value_unsafe();
    const JsonPath rp("event");
    std::string_view type, s;
    r.str(o, "type", type, rp);
    if (stopped_ && type != "ping") note(std::string(type) + " after message_stop");
    if (type == "message_start") {
      JsonObjectView msg, u;
      if (!r.obj(o, "message", msg, rp)) return false;
      JsonPath mp(rp, "message");
      if (r.str(msg, "id", s, mp)) id_.assign(s);
      if (r.str(msg, "model", s, mp)) model_.assign(s);
      if (r.obj(msg, "usage", u, mp)) map_usage(u, r, JsonPath(mp, "usage"), usage_, &meta_);
      started_ = true;
      return false;
    }
    if (!started_ && type != "ping" && type != "error" && !warned_order_) {
      warned_order_ = true;
      note(std::string(type) + " before message_start (events out of order)");
    }
    if (type == "content_block_start") {
      Block *b = block_at(o, r, rp, "content_block_start");
      JsonObjectView cb;
      if (b == nullptr || !r.obj(o, "content_block", cb, rp)) return false;
      JsonPath bp(rp, "content_block");
      std::string_view btype;
      r.str(cb, "type", btype, bp);
      b->type.assign(btype);
      if (r.str(cb, "id", s, bp)) b->id.assign(s);
      if (r.str(cb, "name", s, bp)) b->name.assign(s);
      if (r.str(cb, "text", s, bp)) b->text.append(s);
      if (r.str(cb, "thinking", s, bp)) b->text.append(s);
      if (r.str(cb, "data", s, bp)) b->text.append(s);
      if (r.str(cb, "tool_use_id", s, bp)) b->tool_use_id.assign(s);
      r.boolean(cb, "is_error", b->is_error, bp);
      JsonElement e;
      if (JsonReader::has(cb, "input", e) && !b->input_from_deltas) b->input = canonical_json(e);
      if (JsonReader::has(cb, "content", e)) b->content_json = canonical_json(e);
      return btype == "tool_use" || btype == "server_tool_use" || btype == "mcp_tool_use" || !b->text.empty();
    }
    if (type == "content_block_delta") {
      Block *b = block_at(o, r, rp, "content_block_delta");
      JsonObjectView delta;
      if (b == nullptr || !r.obj(o, "delta", delta, rp)) return false;
      JsonPath dp(rp, "delta");
      std::string_view dtype;
      r.str(delta, "type", dtype, dp);
      bool content = false;
      if (dtype == "text_delta") {
        if (b->type.empty()) b->type = "text", note_unstarted();
        if (r.str(delta, "text", s, dp) && !s.empty()) b->text.append(s), content = true;
      } else if (dtype == "thinking_delta") {
        if (b->type.empty()) b->type = "thinking", note_unstarted();
        if (r.str(delta, "thinking", s, dp) && !s.empty()) b->text.append(s), content = true;
      } else if (dtype == "signature_delta") {
        if (r.str(delta, "signature", s, dp)) b->signature.append(s);
      } else if (dtype == "input_json_delta") {
        if (b->type.empty()) b->type = "tool_use", note_unstarted();
        if (!b->input_from_deltas) b->input.clear();  // the start's {} is a placeholder
        b->input_from_deltas = true;
        if (r.str(delta, "partial_json", s, dp)) b->input.append(s);
        content = true;
      }
      return content;
    }
    if (type == "message_delta") {
      JsonObjectView delta, u;
      if (r.obj(o, "delta", delta, rp) && r.str(delta, "stop_reason", s, JsonPath(rp, "delta"))) {
        stop_reason_ = trim(s);
      }
      // Counts here are cumulative: each one present replaces the start's.
      if (r.obj(o, "usage", u, rp)) map_usage(u, r, JsonPath(rp, "usage"), usage_, &meta_);
      return false;
    }
    if (type == "message_stop") {
      stopped_ = true;
      ended_ = true;
      return false;
    }
    if (type == "error") {
      JsonObjectView err;
      std::string_view msg;
      if (r.obj(o, "error", err, rp)) r.str(err, "message", msg, JsonPath(rp, "error"));
      note("error event: " + std::string(msg));
      return false;
    }
    return false;  // ping, content_block_stop, and event types newer than this mapper
  }

  void note_unstarted() {
    if (!warned_unstarted_) {
      warned_unstarted_ = true;
      note("content_block_delta before its content_block_start (events out of order)");
    }
  }

  void write(Generation &g) override {
    if (!id_.empty()) g.response_id = id_;
    if (!model_.empty()) g.response_model = model_;
    if (!stop_reason_.empty()) g.stop_reason = stop_reason_;
    if (!usage_.empty()) g.usage = usage_;
    for (auto &kv : meta_.metadata) g.metadata[kv.first] = kv.second;
    std::vector<Part> parts, tool_parts;
    for (Block &b : blocks_) {
      if (b.type.empty()) continue;
      if (b.type == "text") {
        if (!b.text.empty()) add_text(parts, b.text);
      } else if (b.type == "thinking" || b.type == "redacted_thinking") {
        // A block cut before its first delta has no text: a thinking part needs one.
        if (!b.text.empty()) add_thinking(parts, b.text, b.type);
      } else if (b.type == "tool_use" || b.type == "server_tool_use" || b.type == "mcp_tool_use") {
        add_tool_call(parts, b.id, b.name, b.input_from_deltas ? arguments_json(b.input) : b.input, b.type);
      } else if (b.type == "tool_result" || ends_with(b.type, "_tool_result")) {
        Part &p = append_part(tool_parts);
        p.kind = PartKind::kToolResult;
        p.provider_type = b.type;
        p.tool_result.tool_call_id = b.tool_use_id;
        p.tool_result.is_error = b.is_error;
        p.tool_result.content_json = b.content_json;
      }
    }
    if (!parts.empty()) add_message(g.output, Role::kAssistant).parts = std::move(parts);
    if (!tool_parts.empty()) add_message(g.output, Role::kTool).parts = std::move(tool_parts);
  }

  std::string id_, model_, stop_reason_;
  TokenUsage usage_;
  Generation meta_;  // usage metadata keys only
  std::vector<Block> blocks_;
  bool started_ = false, stopped_ = false, warned_order_ = false, warned_unstarted_ = false;
};

}  // namespace

std::unique_ptr<StreamAccumulator> make_anthropic_stream(const ProviderMapOptions &options) {
  return std::make_unique<AnthropicStream>(options);
}

}  // namespace sigil::detail
