// AWS Bedrock Converse / ConverseStream, in the JSON shape of the Converse
// API (camelCase; what the AWS SDKs serialize and boto3 returns).
#include <vector>

#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

namespace {

// Text of toolResult content: text blocks joined with "\n"; json blocks are
// kept as content_json.
void map_tool_result(JsonObjectView tr, JsonReader &r, const JsonPath &at, std::vector<Part> &out) {
  Part &p = append_part(out);
  p.kind = PartKind::kToolResult;
  p.provider_type = "toolResult";
  std::string_view s;
  if (r.str(tr, "toolUseId", s, at)) p.tool_result.tool_call_id.assign(s);
  if (r.str(tr, "status", s, at) && s == "error") p.tool_result.is_error = true;
  JsonArrayView content;
  if (!r.arr(tr, "content", content, at)) return;
  JsonPath cp(at, "content");
  size_t i = 0;
  for (JsonElement item : content) {
    JsonObjectView block;
    JsonPath ip(cp, i++);
    if (!r.as_obj(item, block, ip)) continue;
    JsonElement json;
    if (r.str(block, "text", s, ip))
      append_joined(p.tool_result.content, s, "\n");
    else if (JsonReader::has(block, "json", json) && p.tool_result.content_json.empty()) {
      p.tool_result.content_json = canonical_json(json);
    }
  }
}

// One ContentBlock: a union object with exactly one member set.
void map_block(JsonObjectView block, JsonReader &r, const JsonPath &at, std::vector<Part> &parts,
               std::vector<Part> &tool_parts) {
  std::string_view s;
  JsonObjectView sub;
  if (r.str(block, "text", s, at)) {
    if (!s.empty()) add_text(parts, s);
  } else if (r.obj(block, "toolUse", sub, at)) {
    JsonPath tp(at, "toolUse");
    std::string_view id, name;
    r.str(sub, "toolUseId", id, tp);
    r.str(sub, "name", name, tp);
    JsonElement input;
    add_tool_call(parts, id, name, JsonReader::has(sub, "input", input) ? canonical_json(input) : std::string(),
                  "toolUse");
  } else if (r.obj(block, "toolResult", sub, at)) {
    map_tool_result(sub, r, JsonPath(at, "toolResult"), tool_parts);
  } else if (r.obj(block, "reasoningContent", sub, at)) {
    JsonPath rp(at, "reasoningContent");
    JsonObjectView rt;
    if (r.obj(sub, "reasoningText", rt, rp)) {
      r.str(rt, "text", s, JsonPath(rp, "reasoningText"));
      add_thinking(parts, s, "reasoningContent");
    } else if (r.str(sub, "redactedContent", s, rp)) {
      add_thinking(parts, s, "redactedContent");
    }
  } else {
    for (const char *kind : {"image", "document", "video"}) {
      if (!r.obj(block, kind, sub, at)) continue;
      JsonPath mp(at, kind);
      std::string_view format, name, uri;
      r.str(sub, "format", format, mp);
      r.str(sub, "name", name, mp);
      JsonObjectView src, loc;
      if (r.obj(sub, "source", src, mp) && r.obj(src, "s3Location", loc, JsonPath(mp, "source"))) {
        r.str(loc, "uri", uri, JsonPath(mp, "source"));
      }
      std::string mime;
      if (!format.empty())
        mime = (std::string_view(kind) == "document" ? "application/" : std::string(kind) + "/") + std::string(format);
      add_media(parts, kind, uri, mime, name, kind);
      break;
    }
  }
  // guardContent, cachePoint, citationsContent and newer members: ignored.
}

void map_message(JsonObjectView msg, JsonReader &r, const JsonPath &at, std::vector<Message> &out) {
  std::string_view role;
  r.str(msg, "role", role, at);
  std::vector<Part> parts, tool_parts;
  JsonArrayView content;
  if (r.arr(msg, "content", content, at)) {
    JsonPath cp(at, "content");
    size_t i = 0;
    for (JsonElement item : content) {
      JsonObjectView block;
      JsonPath ip(cp, i++);
      if (r.as_obj(item, block, ip)) map_block(block, r, ip, parts, tool_parts);
    }
  }
  if (!parts.empty()) add_message(out, role == "assistant" ? Role::kAssistant : Role::kUser).parts = std::move(parts);
  if (!tool_parts.empty()) add_message(out, Role::kTool).parts = std::move(tool_parts);
}

void map_usage(JsonObjectView u, JsonReader &r, const JsonPath &at, TokenUsage &usage) {
  usage = TokenUsage();
  r.add_i64(u, "inputTokens", usage.input_tokens, at);
  r.add_i64(u, "outputTokens", usage.output_tokens, at);
  r.add_i64(u, "totalTokens", usage.total_tokens, at);
  r.add_i64(u, "cacheReadInputTokens", usage.cache_read_input_tokens, at);
  if (r.add_i64(u, "cacheWriteInputTokens", usage.cache_write_input_tokens, at)) {
    usage.cache_creation_input_tokens = usage.cache_write_input_tokens;
  }
}

// Anthropic models on Bedrock take their thinking options here.
void map_additional_fields(JsonObjectView o, JsonReader &r, const JsonPath &rp, Generation &g) {
  JsonObjectView extra, th;
  if (!r.obj(o, "additionalModelRequestFields", extra, rp)) return;
  JsonPath ep(rp, "additionalModelRequestFields");
  for (const char *key : {"thinking", "reasoning_config"}) {
    if (!r.obj(extra, key, th, ep)) continue;
    JsonPath tp(ep, key);
    std::string_view type;
    if (r.str(th, "type", type, tp)) {
      std::string t = to_lower(trim_view(type));
      if (t == "enabled" || t == "adaptive")
        g.thinking_enabled = true;
      else if (t == "disabled")
        g.thinking_enabled = false;
    }
    int64_t n;
    if (r.i64(th, "budget_tokens", n, tp)) set_metadata_int(g, kThinkingBudgetKey, n);
    break;
  }
}

}  // namespace

void map_bedrock_request(JsonElement root, JsonReader &r, Generation &g, RequestExtras &x) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("request");
  std::string_view s;
  if (r.str(o, "modelId", s, rp)) g.model.name.assign(s);
  JsonObjectView ic;
  if (r.obj(o, "inferenceConfig", ic, rp)) {
    JsonPath ip(rp, "inferenceConfig");
    int64_t n;
    double d;
    if (r.i64(ic, "maxTokens", n, ip)) g.max_tokens = n;
    if (r.f64(ic, "temperature", d, ip)) g.temperature = d;
    if (r.f64(ic, "topP", d, ip)) g.top_p = d;
  }
  map_additional_fields(o, r, rp, g);
  JsonArrayView arr;
  if (r.arr(o, "system", arr, rp)) {
    for (JsonElement item : arr) {
      JsonObjectView block;
      if (!item.get_object().get(block) && !block["text"].get_string().get(s)) append_joined(g.system_prompt, s);
    }
  }
  if (r.arr(o, "messages", arr, rp)) {
    JsonPath mp(rp, "messages");
    size_t i = 0;
    for (JsonElement item : arr) {
      JsonObjectView msg;
      JsonPath ip(mp, i++);
      if (r.as_obj(item, msg, ip)) map_message(msg, r, ip, g.input);
    }
  }
  JsonObjectView tc;
  if (!r.obj(o, "toolConfig", tc, rp)) return;
  JsonPath tp(rp, "toolConfig");
  JsonElement choice;
  if (JsonReader::has(tc, "toolChoice", choice)) {
    JsonObjectView co;
    if (!choice.get_object().get(co) && co.size() == 1) {
      auto first = *co.begin();
      if (first.key == "auto" || first.key == "any")
        g.tool_choice = std::string(first.key);
      else
        g.tool_choice = canonical_json(choice);
    } else {
      set_tool_choice(choice, g);
    }
  }
  if (!r.arr(tc, "tools", arr, tp)) return;
  x.tools = tc["tools"].value_unsafe();
  x.has_tools = true;
  JsonPath lp(tp, "tools");
  size_t i = 0;
  for (JsonElement item : arr) {
    JsonObjectView tool, spec, schema;
    JsonPath ip(lp, i++);
    if (!r.as_obj(item, tool, ip) || !r.obj(tool, "toolSpec", spec, ip)) continue;  // cachePoint entries
    JsonPath sp(ip, "toolSpec");
    std::string_view name, desc;
    if (!r.str(spec, "name", name, sp) || trim_view(name).empty()) continue;
    ToolDefinition &t = g.tools.emplace_back();
    t.name.assign(name);
    t.type = "function";
    if (r.str(spec, "description", desc, sp)) t.description.assign(desc);
    JsonElement json;
    if (r.obj(spec, "inputSchema", schema, sp) && JsonReader::has(schema, "json", json)) {
      t.input_schema_json = canonical_json(json);
    }
  }
}

void map_bedrock_response(JsonElement root, JsonReader &r, Generation &g) {
  JsonObjectView o = root.get_object().value_unsafe();
  const JsonPath rp("response");
  std::string_view s;
  if (r.str(o, "stopReason", s, rp)) g.stop_reason = trim(s);
  JsonObjectView output, msg, u;
  if (r.obj(o, "output", output, rp) && r.obj(output, "message", msg, JsonPath(rp, "output"))) {
    map_message(msg, r, JsonPath(JsonPath(rp, "output"), "message"), g.output);
  }
  if (r.obj(o, "usage", u, rp)) map_usage(u, r, JsonPath(rp, "usage"), g.usage);
  // The request id travels in a header (x-amzn-RequestId), not in the body;
  // the binding may add it as response_id.
  JsonObjectView meta;
  if (r.obj(o, "ResponseMetadata", meta, rp) && r.str(meta, "RequestId", s, JsonPath(rp, "ResponseMetadata"))) {
    g.response_id.assign(s);  // boto3 adds it to the response dict
  }
}

// Stream: each event is an object with one member naming its type
// ({"contentBlockDelta": {...}}), as the AWS SDKs deliver them.

namespace {

constexpr int64_t kMaxBlocks = 1024;

class BedrockStream final : public StreamAccumulator {
 public:
  explicit BedrockStream(const ProviderMapOptions &options)
      : StreamAccumulator(ProviderApi::kBedrockConverse, options) {
    terminal_event_ = "messageStop";
  }

 private:
  struct Block {
    std::string kind;  // text, toolUse, reasoning
    std::string id, name, text, input, signature, redacted;
  };

  Block *block_at(JsonObjectView o, JsonReader &r, const JsonPath &at, const char *event) {
    int64_t index = -1;
    if (!r.i64(o, "contentBlockIndex", index, at) || index < 0 || index >= kMaxBlocks) {
      note(std::string(event) + " without a valid contentBlockIndex (0-1023)");
      return nullptr;
    }
    if (size_t(index) >= blocks_.size()) blocks_.resize(size_t(index) + 1);
    return &blocks_[size_t(index)];
  }

  bool on_event(const Event &ev) override {
    JsonReader &r = ev.reader;
    JsonObjectView o = ev.root.get_object().value_unsafe();
    const JsonPath rp("event");
    JsonObjectView body;
    std::string_view s;
    if (r.obj(o, "messageStart", body, rp)) {
      started_ = true;
      return false;
    }
    if (!started_ && !warned_order_ && !r.obj(o, "metadata", body, rp)) {
      warned_order_ = true;
      note("event before messageStart (events out of order)");
    }
    if (r.obj(o, "contentBlockStart", body, rp)) {
      JsonPath bp(rp, "contentBlockStart");
      Block *b = block_at(body, r, bp, "contentBlockStart");
      JsonObjectView start, tu;
      if (b != nullptr && r.obj(body, "start", start, bp) && r.obj(start, "toolUse", tu, JsonPath(bp, "start"))) {
        JsonPath tp(JsonPath(bp, "start"), "toolUse");
        b->kind = "toolUse";
        if (r.str(tu, "toolUseId", s, tp)) b->id.assign(s);
        if (r.str(tu, "name", s, tp)) b->name.assign(s);
        return true;
      }
      return false;
    }
    if (r.obj(o, "contentBlockDelta", body, rp)) {
      JsonPath bp(rp, "contentBlockDelta");
      Block *b = block_at(body, r, bp, "contentBlockDelta");
      JsonObjectView delta, sub;
      if (b == nullptr || !r.obj(body, "delta", delta, bp)) return false;
      JsonPath dp(bp, "delta");
      if (r.str(delta, "text", s, dp)) {
        if (b->kind.empty()) b->kind = "text";
        b->text.append(s);
        return !s.empty();
      }
      if (r.obj(delta, "toolUse", sub, dp)) {
        if (b->kind.empty()) b->kind = "toolUse";
        if (r.str(sub, "input", s, JsonPath(dp, "toolUse"))) b->input.append(s);
        return true;
      }
      if (r.obj(delta, "reasoningContent", sub, dp)) {
        JsonPath cp(dp, "reasoningContent");
        if (b->kind.empty()) b->kind = "reasoning";
        if (r.str(sub, "text", s, cp)) b->text.append(s);
        if (r.str(sub, "signature", s, cp)) b->signature.append(s);
        if (r.str(sub, "redactedContent", s, cp)) b->redacted.append(s);
        return !b->text.empty();
      }
      return false;
    }
    if (r.obj(o, "messageStop", body, rp)) {
      if (r.str(body, "stopReason", s, JsonPath(rp, "messageStop"))) stop_reason_ = trim(s);
      ended_ = true;
      return false;
    }
    if (r.obj(o, "metadata", body, rp)) {
      JsonObjectView u;
      if (r.obj(body, "usage", u, JsonPath(rp, "metadata"))) {
        map_usage(u, r, JsonPath(JsonPath(rp, "metadata"), "usage"), usage_);
        has_usage_ = true;
      }
      return false;
    }
    for (const char *exc : {"internalServerException", "modelStreamErrorException", "validationException",
                            "throttlingException", "serviceUnavailableException"}) {
      if (r.obj(o, exc, body, rp)) {
        std::string_view msg;
        r.str(body, "message", msg, JsonPath(rp, exc));
        note(std::string(exc) + ": " + std::string(msg));
        return false;
      }
    }
    return false;  // contentBlockStop and newer event types
  }

  void write(Generation &g) override {
    if (!stop_reason_.empty()) g.stop_reason = stop_reason_;
    if (has_usage_) g.usage = usage_;
    std::vector<Part> parts;
    for (Block &b : blocks_) {
      if (b.kind == "text") {
        if (!b.text.empty()) add_text(parts, b.text);
      } else if (b.kind == "reasoning") {
        if (!b.text.empty())
          add_thinking(parts, b.text, "reasoningContent");
        else if (!b.redacted.empty())
          add_thinking(parts, b.redacted, "redactedContent");
      } else if (b.kind == "toolUse") {
        add_tool_call(parts, b.id, b.name, arguments_json(b.input), "toolUse");
      }
    }
    if (!parts.empty()) add_message(g.output, Role::kAssistant).parts = std::move(parts);
  }

  std::string stop_reason_;
  TokenUsage usage_;
  bool has_usage_ = false, started_ = false, warned_order_ = false;
  std::vector<Block> blocks_;
};

}  // namespace

std::unique_ptr<StreamAccumulator> make_bedrock_stream(const ProviderMapOptions &options) {
  return std::make_unique<BedrockStream>(options);
}

}  // namespace sigil::detail
