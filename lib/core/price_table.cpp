#include "core/price_table.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/strings.h"
#include "core/cjson_text.h"

namespace sigil::detail {

namespace {

// The compiled-in table (lib/core/prices.json, embedded by the build).
constexpr const char kBuiltinPrices[] =
#include "prices_json.inc"
    ;

Status bad(const std::string &origin, const std::string &what) {
  return Status(SIGIL_E_CONFIG, "price table " + origin + ": " + what);
}

bool only_keys(const cJSON *obj, std::initializer_list<const char *> allowed, std::string &unknown) {
  for (const cJSON *c = obj->child; c != nullptr; c = c->next) {
    bool ok = false;
    for (const char *k : allowed) ok = ok || std::string_view(c->string) == k;
    if (!ok) {
      unknown = c->string;
      return false;
    }
  }
  return true;
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int32_t(doe) - 719468;
}

// "us.anthropic.claude-...-v1:0" -> "anthropic.claude-...": Bedrock's
// cross-region prefixes and model version suffixes. Only for names shaped
// like a Bedrock id (vendor "." name, a letter after the first dot).
std::string strip_bedrock_id(std::string m) {
  size_t dot = m.find('.');
  if (dot == std::string::npos || dot + 1 >= m.size() || !std::isalpha(static_cast<unsigned char>(m[dot + 1]))) {
    return m;
  }
  static const char *const kGeo[] = {"us", "eu", "apac", "global", "us-gov", "ca", "jp", "au", "ap"};
  for (const char *g : kGeo) {
    if (m.compare(0, dot, g) == 0 && m.find('.', dot + 1) != std::string::npos) {
      m.erase(0, dot + 1);
      break;
    }
  }
  size_t colon = m.rfind(':');
  if (colon != std::string::npos && colon + 1 < m.size() &&
      std::all_of(m.begin() + long(colon) + 1, m.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    m.erase(colon);
  }
  size_t v = m.rfind("-v");
  if (v != std::string::npos && v + 2 < m.size() &&
      std::all_of(m.begin() + long(v) + 2, m.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    m.erase(v);
  }
  return m;
}

Status parse_price(const cJSON *item, const std::string &where, const std::string &origin, ModelPrice &out) {
  if (!cJSON_IsObject(item)) return bad(origin, where + ": must be an object");
  std::string unknown;
  if (!only_keys(item,
                 {"provider", "model", "effective_from", "input", "output", "cache_read", "cache_write", "reasoning"},
                 unknown)) {
    return bad(origin, where + ": unknown field \"" + unknown + "\"");
  }
  for (const char *k : {"provider", "model"}) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(item, k);
    if (!cJSON_IsString(s) || is_blank(s->valuestring)) {
      return bad(origin, where + "." + k + ": must be a non-empty string");
    }
  }
  out.provider = to_lower(trim_view(cJSON_GetObjectItemCaseSensitive(item, "provider")->valuestring));
  out.model = to_lower(trim_view(cJSON_GetObjectItemCaseSensitive(item, "model")->valuestring));
  if (const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "effective_from")) {
    std::optional<int32_t> day = cJSON_IsString(d) ? parse_iso_day(d->valuestring) : std::nullopt;
    if (!day) return bad(origin, where + ".effective_from: must be a date YYYY-MM-DD");
    out.effective_from = *day;
  }
  struct Field {
    const char *key;
    double *slot;
    double *fallback;
  };
  const Field fields[] = {{"input", &out.input, nullptr},
                          {"output", &out.output, nullptr},
                          {"cache_read", &out.cache_read, &out.input},
                          {"cache_write", &out.cache_write, &out.input},
                          {"reasoning", &out.reasoning, &out.output}};
  for (const Field &f : fields) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(item, f.key);
    if (n == nullptr) {
      if (f.fallback == nullptr) return bad(origin, where + "." + f.key + ": missing");
      *f.slot = *f.fallback;
      continue;
    }
    if (!cJSON_IsNumber(n) || !std::isfinite(n->valuedouble) || n->valuedouble < 0) {
      return bad(origin, where + "." + f.key + ": must be a non-negative number (USD per million tokens)");
    }
    *f.slot = n->valuedouble;
  }
  return Status::ok();
}

}  // namespace

std::optional<int32_t> parse_iso_day(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return std::nullopt;
  return days_from_civil(y, unsigned(m), unsigned(d));
}

Expected<PriceTable> PriceTable::parse(std::string_view json, const std::string &origin) {
  CjsonPtr root = parse_json_text(json);
  if (!root) return bad(origin, "not valid JSON");
  if (!cJSON_IsObject(root.get())) return bad(origin, "must be a JSON object");
  std::string unknown;
  if (!only_keys(root.get(), {"version", "source", "providers", "models"}, unknown)) {
    return bad(origin, "unknown field \"" + unknown + "\"");
  }
  PriceTable t;
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(root.get(), "version");
  if (!cJSON_IsString(version) || is_blank(version->valuestring)) {
    return bad(origin, "version: must be a non-empty string");
  }
  t.version_ = trim(version->valuestring);
  const cJSON *source = cJSON_GetObjectItemCaseSensitive(root.get(), "source");
  if (source != nullptr && !cJSON_IsString(source)) return bad(origin, "source: must be a string");
  if (const cJSON *providers = cJSON_GetObjectItemCaseSensitive(root.get(), "providers")) {
    if (!cJSON_IsObject(providers)) return bad(origin, "providers: must be an object");
    for (const cJSON *p = providers->child; p != nullptr; p = p->next) {
      const std::string where = std::string("providers.") + p->string;
      if (!cJSON_IsObject(p)) return bad(origin, where + ": must be an object");
      if (!only_keys(p, {"input_includes_cache_read", "output_includes_reasoning"}, unknown)) {
        return bad(origin, where + ": unknown field \"" + unknown + "\"");
      }
      ProviderUsageRules r;
      for (auto [key, slot] :
           {std::pair<const char *, bool *>{"input_includes_cache_read", &r.input_includes_cache_read},
            {"output_includes_reasoning", &r.output_includes_reasoning}}) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(p, key);
        if (b == nullptr) continue;
        if (!cJSON_IsBool(b)) return bad(origin, where + "." + key + ": must be true or false");
        *slot = cJSON_IsTrue(b);
      }
      t.rules_[to_lower(trim_view(p->string))] = r;
    }
  }
  const cJSON *models = cJSON_GetObjectItemCaseSensitive(root.get(), "models");
  if (!cJSON_IsArray(models)) return bad(origin, "models: must be an array");
  std::set<std::tuple<std::string, std::string, int32_t>> seen;
  size_t i = 0;
  for (const cJSON *item = models->child; item != nullptr; item = item->next, ++i) {
    const std::string where = "models[" + std::to_string(i) + "]";
    ModelPrice price;
    Status st = parse_price(item, where, origin, price);
    if (!st.is_ok()) return st;
    if (!seen.emplace(price.provider, price.model, price.effective_from).second) {
      return bad(origin, where + ": a second price for " + price.provider + "/" + price.model + " from the same date");
    }
    t.prices_[price.provider][price.model].push_back(std::move(price));
  }
  for (auto &[provider, models_of] : t.prices_) {
    for (auto &[model, list] : models_of) {
      std::sort(list.begin(), list.end(),
                [](const ModelPrice &a, const ModelPrice &b) { return a.effective_from < b.effective_from; });
    }
  }
  return t;
}

std::shared_ptr<const PriceTable> PriceTable::builtin() {
  static const std::shared_ptr<const PriceTable> table = [] {
    Expected<PriceTable> t = parse(kBuiltinPrices, "(built in)");
    // The build's unit tests load it; a broken built-in table is empty, not a crash.
    return std::make_shared<const PriceTable>(t ? std::move(*t) : PriceTable());
  }();
  return table;
}

Expected<std::shared_ptr<const PriceTable>> PriceTable::with_overrides(std::string_view json,
                                                                       const std::string &origin) {
  Expected<PriceTable> extra = parse(json, origin);
  if (!extra) return extra.error();
  auto merged = std::make_shared<PriceTable>(*builtin());
  merged->version_ += "+" + extra->version_;
  for (auto &[provider, models] : extra->prices_) {
    for (auto &[model, list] : models) merged->prices_[provider][model] = std::move(list);
  }
  for (auto &[provider, rules] : extra->rules_) merged->rules_[provider] = rules;
  return std::shared_ptr<const PriceTable>(std::move(merged));
}

const std::vector<ModelPrice> *PriceTable::entries(const std::string &provider, const std::string &model) const {
  auto p = prices_.find(provider);
  if (p == prices_.end()) return nullptr;
  auto exact = p->second.find(model);
  if (exact != p->second.end()) return &exact->second;
  // Longest key that is a prefix of the name ending at a separator: dated
  // snapshots (gpt-4o-2024-08-06, claude-3-5-sonnet-20241022, @20240620)
  // and aliases (-latest) resolve to their family.
  const std::vector<ModelPrice> *best = nullptr;
  size_t best_len = 0;
  for (const auto &[key, list] : p->second) {
    if (key.size() >= model.size() || key.size() <= best_len || model.compare(0, key.size(), key) != 0) continue;
    const char next = model[key.size()];
    if (next == '-' || next == '@' || next == ':') {
      best = &list;
      best_len = key.size();
    }
  }
  return best;
}

const ModelPrice *PriceTable::find(std::string_view provider_in, std::string_view model_in, int32_t day) const {
  std::string provider = to_lower(trim_view(provider_in));
  std::string model = to_lower(trim_view(model_in));
  // "openai/gpt-4o": a provider prefix the table knows names the provider.
  size_t slash = model.find('/');
  if (slash != std::string::npos && prices_.count(model.substr(0, slash)) != 0) {
    provider = model.substr(0, slash);
    model.erase(0, slash + 1);
  }
  if (model.empty()) return nullptr;
  const std::vector<ModelPrice> *list = entries(provider, strip_bedrock_id(model));
  if (list == nullptr) return nullptr;
  const ModelPrice *found = nullptr;
  for (const ModelPrice &p : *list) {
    if (p.effective_from <= day) found = &p;
  }
  return found;
}

ProviderUsageRules PriceTable::rules(const std::string &provider) const {
  auto it = rules_.find(provider);
  return it == rules_.end() ? ProviderUsageRules() : it->second;
}

}  // namespace sigil::detail
