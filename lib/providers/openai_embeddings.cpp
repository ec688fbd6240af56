// OpenAI embeddings: request {model, input, dimensions, encoding_format} and
// response {data[].embedding, model, usage}.
#include "base/strings.h"
#include "providers/mappers.h"

namespace sigil::detail {

void map_openai_embedding_request(JsonElement root, JsonReader &r, ProviderEmbedding &out) {
  JsonObjectView o;
  const JsonPath rp("request");
  if (!r.as_obj(root, o, rp)) return;
  std::string_view s;
  if (r.str(o, "model", s, rp)) out.model.assign(s);
  if (r.str(o, "encoding_format", s, rp)) out.encoding_format.assign(s);
  int64_t n;
  if (r.i64(o, "dimensions", n, rp)) out.requested_dimensions = n;
  JsonElement input;
  if (!JsonReader::has(o, "input", input)) return;
  JsonArrayView items;
  if (!input.get_string().get(s)) {
    out.input_count = 1;
    if (!is_blank(s)) out.input_texts.push_back(trim(s));
    return;
  }
  if (input.get_array().get(items)) {
    r.wrong_type(JsonPath(rp, "input"), "a string or an array");
    return;
  }
  // A flat array of integers is one tokenized input; an array of strings or
  // of token arrays is one input per item.
  bool all_ints = items.size() > 0;
  for (JsonElement item : items) {
    if (!item.is_int64() && !item.is_uint64()) {
      all_ints = false;
      break;
    }
  }
  if (all_ints) {
    out.input_count = 1;
    return;
  }
  out.input_count = int64_t(items.size());
  for (JsonElement item : items) {
    if (!item.get_string().get(s) && !is_blank(s)) out.input_texts.push_back(trim(s));
  }
}

void map_openai_embedding_response(JsonElement root, JsonReader &r, ProviderEmbedding &out) {
  JsonObjectView o;
  const JsonPath rp("response");
  if (!r.as_obj(root, o, rp)) return;
  std::string_view s;
  if (r.str(o, "model", s, rp)) out.response_model.assign(s);
  JsonObjectView u;
  if (r.obj(o, "usage", u, rp)) {
    if (!r.i64(u, "prompt_tokens", out.input_tokens, JsonPath(rp, "usage"))) {
      r.i64(u, "total_tokens", out.input_tokens, JsonPath(rp, "usage"));
    }
  }
  JsonArrayView data;
  if (!r.arr(o, "data", data, rp)) return;
  if (out.input_count == 0) out.input_count = int64_t(data.size());
  for (JsonElement item : data) {
    JsonObjectView d;
    JsonArrayView values;
    if (item.get_object().get(d) || d["embedding"].get_array().get(values)) continue;  // base64 vectors: no length here
    if (values.size() > 0) out.dimensions = int64_t(values.size());
    break;
  }
  if (!out.dimensions && out.requested_dimensions) out.dimensions = out.requested_dimensions;
}

}  // namespace sigil::detail
