#include "core/redaction.h"

#include <re2/re2.h>
#include <algorithm>
#include <re2/set.h>

#include "base/strings.h"

namespace sigil::detail {

namespace {

enum class Verify : uint8_t { kNone, kLuhn, kSsn };

struct PatternSpec {
  const char *id;
  uint32_t category;
  const char *regex;
  bool full_only;  // env-style: only RedactTier::kFull
  Verify verify;
  bool keep_group1;  // replace only what follows capture group 1
};

// Order matters: earlier patterns replace first (secrets before e-mail,
// cards and ids before phone numbers).
constexpr PatternSpec kPatterns[] = {
    {"grafana-cloud-token", SIGIL_REDACT_SECRETS, R"(\bglc_[A-Za-z0-9_-]{20,})", false, Verify::kNone, false},
    {"grafana-service-account-token", SIGIL_REDACT_SECRETS, R"(\bglsa_[A-Za-z0-9_-]{20,})", false, Verify::kNone,
     false},
    {"aws-access-token", SIGIL_REDACT_SECRETS, R"(\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)", false,
     Verify::kNone, false},
    {"github-pat", SIGIL_REDACT_SECRETS, R"(\bghp_[A-Za-z0-9_]{36,})", false, Verify::kNone, false},
    {"github-oauth", SIGIL_REDACT_SECRETS, R"(\bgho_[A-Za-z0-9_]{36,})", false, Verify::kNone, false},
    {"github-app-token", SIGIL_REDACT_SECRETS, R"(\bghs_[A-Za-z0-9_]{36,})", false, Verify::kNone, false},
    {"github-fine-grained-pat", SIGIL_REDACT_SECRETS, R"(\bgithub_pat_[A-Za-z0-9_]{82})", false, Verify::kNone, false},
    {"anthropic-api-key", SIGIL_REDACT_SECRETS, R"(\bsk-ant-api03-[a-zA-Z0-9_-]{93}AA)", false, Verify::kNone, false},
    {"anthropic-admin-key", SIGIL_REDACT_SECRETS, R"(\bsk-ant-admin01-[a-zA-Z0-9_-]{93}AA)", false, Verify::kNone,
     false},
    {"openai-api-key", SIGIL_REDACT_SECRETS, R"(\bsk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})", false, Verify::kNone,
     false},
    {"openai-project-key", SIGIL_REDACT_SECRETS, R"(\bsk-proj-[a-zA-Z0-9_-]{40,})", false, Verify::kNone, false},
    {"openai-svcacct-key", SIGIL_REDACT_SECRETS, R"(\bsk-svcacct-[a-zA-Z0-9_-]{40,})", false, Verify::kNone, false},
    {"gcp-api-key", SIGIL_REDACT_SECRETS, R"(\bAIza[A-Za-z0-9_-]{35})", false, Verify::kNone, false},
    {"private-key", SIGIL_REDACT_SECRETS, R"(-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----)",
     false, Verify::kNone, false},
    {"connection-string", SIGIL_REDACT_SECRETS,
     R"((?:postgres|postgresql|mysql|mongodb|mongodb\+srv|redis|amqp)://[^\s'"]+@[^\s'"]+)", false, Verify::kNone,
     false},
    {"bearer-token", SIGIL_REDACT_SECRETS, R"([Bb]earer\s+[A-Za-z0-9_.\-~+/]{20,}={0,3})", false, Verify::kNone, false},
    {"jwt", SIGIL_REDACT_SECRETS, R"(\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})", false,
     Verify::kNone, false},
    {"slack-token", SIGIL_REDACT_SECRETS, R"(\bxox[bporas]-[A-Za-z0-9-]{10,})", false, Verify::kNone, false},
    {"stripe-key", SIGIL_REDACT_SECRETS, R"(\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,})", false, Verify::kNone, false},
    {"sendgrid-api-key", SIGIL_REDACT_SECRETS, R"(\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})", false, Verify::kNone,
     false},
    {"twilio-api-key", SIGIL_REDACT_SECRETS, R"(\bSK[a-f0-9]{32})", false, Verify::kNone, false},
    {"npm-token", SIGIL_REDACT_SECRETS, R"(\bnpm_[A-Za-z0-9]{36})", false, Verify::kNone, false},
    {"pypi-token", SIGIL_REDACT_SECRETS, R"(\bpypi-[A-Za-z0-9_-]{50,})", false, Verify::kNone, false},
    {"email", SIGIL_REDACT_EMAIL, R"((?i)\b[A-Z0-9._%+\-]+@[A-Z0-9.\-]+\.[A-Z]{2,}\b)", false, Verify::kNone, false},
    {"env-secret-value", SIGIL_REDACT_ENV_SECRETS,
     R"((?i)((?:PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|API_KEY|PRIVATE_KEY|ACCESS_KEY)\s*[=:]\s*)([^\s"{}\[\],]+))",
     true, Verify::kNone, true},
    {"payment-card", SIGIL_REDACT_PAYMENT_CARD, R"(\b\d(?:[ -]?\d){12,18}\b)", false, Verify::kLuhn, false},
    {"us-ssn", SIGIL_REDACT_NATIONAL_ID, R"(\b\d{3}-\d{2}-\d{4}\b)", false, Verify::kSsn, false},
    {"uk-nino", SIGIL_REDACT_NATIONAL_ID, R"(\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)",
     false, Verify::kNone, false},
    {"phone", SIGIL_REDACT_PHONE,
     R"((?:\+[1-9]\d{7,14}\b)|(?:(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b))", false, Verify::kNone,
     false},
};

constexpr const char *kInjectionRegex =
    R"((?i)(?:\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|preceding|system)\s+(?:instructions|prompts?|rules|directions|messages)\b)"
    R"(|\b(?:reveal|print|show|repeat|output)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions|initial\s+instructions)\b)"
    R"(|\byou\s+are\s+now\s+(?:in\s+)?(?:DAN|developer\s+mode|jailbroken|unrestricted)\b)"
    R"(|\bdisregard\s+(?:the\s+|your\s+)?system\s+prompt\b)"
    R"(|\bdo\s+anything\s+now\b))";

bool ssn_valid(std::string_view m) {
  // AAA-GG-SSSS: area not 000, 666 or 9xx; group not 00; serial not 0000.
  if (m.size() != 11) return false;
  std::string_view area = m.substr(0, 3), group = m.substr(4, 2), serial = m.substr(7, 4);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  return group != "00" && serial != "0000";
}

RE2::Options re2_options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  return o;
}

}  // namespace

struct Redactor::Pattern {
  const PatternSpec *spec;
  RE2 re;
  explicit Pattern(const PatternSpec *s) : spec(s), re(s->regex, re2_options()) {}
};

struct Redactor::Sets {
  // Set indices map to patterns_ indices; light has no full-only patterns.
  RE2::Set full{re2_options(), RE2::UNANCHORED};
  RE2::Set light{re2_options(), RE2::UNANCHORED};
  std::vector<size_t> full_map, light_map;
  bool full_ok = false, light_ok = false;
  std::unique_ptr<RE2> injection;
};

bool parse_redact_categories(std::string_view text, uint32_t &out) {
  std::string v = to_lower(trim_view(text));
  if (v == "all") {
    out = SIGIL_REDACT_ALL;
    return true;
  }
  out = 0;
  if (v == "none" || v.empty()) return true;
  std::string_view rest = v;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim_view(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    if (item == "secrets")
      out |= SIGIL_REDACT_SECRETS;
    else if (item == "email")
      out |= SIGIL_REDACT_EMAIL;
    else if (item == "env_secrets" || item == "env")
      out |= SIGIL_REDACT_ENV_SECRETS;
    else if (item == "payment_card" || item == "card")
      out |= SIGIL_REDACT_PAYMENT_CARD;
    else if (item == "national_id")
      out |= SIGIL_REDACT_NATIONAL_ID;
    else if (item == "phone")
      out |= SIGIL_REDACT_PHONE;
    else if (item == "injection")
      out |= SIGIL_REDACT_INJECTION;
    else if (item == "pii")
      out |= SIGIL_REDACT_PAYMENT_CARD | SIGIL_REDACT_NATIONAL_ID | SIGIL_REDACT_PHONE;
    else if (item == "all")
      out |= SIGIL_REDACT_ALL;
    else
      return false;
  }
  return true;
}

Redactor::Redactor(uint32_t categories) : categories_(categories & SIGIL_REDACT_ALL), sets_(new Sets) {
  for (const PatternSpec &spec : kPatterns) {
    if ((spec.category & categories_) == 0) continue;
    auto p = std::make_unique<Pattern>(&spec);
    if (!p->re.ok()) continue;  // cannot happen with the built-in table (unit-tested)
    size_t index = patterns_.size();
    if (sets_->full.Add(spec.regex, nullptr) >= 0) sets_->full_map.push_back(index);
    if (!spec.full_only && sets_->light.Add(spec.regex, nullptr) >= 0) sets_->light_map.push_back(index);
    patterns_.push_back(std::move(p));
  }
  sets_->full_ok = !sets_->full_map.empty() && sets_->full.Compile();
  sets_->light_ok = !sets_->light_map.empty() && sets_->light.Compile();
  if (categories_ & SIGIL_REDACT_INJECTION) sets_->injection = std::make_unique<RE2>(kInjectionRegex, re2_options());
}

Redactor::~Redactor() = default;

namespace {

// Replaces every verified match of `p` in `text`. Returns whether it changed.
bool apply_pattern(const RE2 &re, const PatternSpec &spec, std::string &text) {
  std::string out;
  bool changed = false;
  size_t pos = 0, copied = 0;
  re2::StringPiece groups[2];
  const int ngroups = spec.keep_group1 ? 2 : 1;
  while (pos <= text.size() && re.Match(re2::StringPiece(text), pos, text.size(), RE2::UNANCHORED, groups, ngroups)) {
    size_t start = static_cast<size_t>(groups[0].data() - text.data());
    size_t end = start + groups[0].size();
    std::string_view match(text.data() + start, end - start);
    bool verified = true;
    if (spec.verify == Verify::kLuhn)
      verified = luhn_valid(match);
    else if (spec.verify == Verify::kSsn)
      verified = ssn_valid(match);
    if (verified && end > start) {
      size_t keep = spec.keep_group1 ? groups[1].size() : 0;
      out.append(text, copied, start + keep - copied);
      out.append("[REDACTED:").append(spec.id).push_back(']');
      copied = end;
      changed = true;
    }
    pos = end > start ? end : start + 1;
  }
  if (!changed) return false;
  out.append(text, copied, std::string::npos);
  text = std::move(out);
  return true;
}

}  // namespace

bool Redactor::redact(std::string &text, RedactTier tier) const {
  if (text.empty() || patterns_.empty()) return false;
  const bool full = tier == RedactTier::kFull;
  const RE2::Set &set = full ? sets_->full : sets_->light;
  const std::vector<size_t> &map = full ? sets_->full_map : sets_->light_map;
  std::vector<int> hits;
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if ((full ? sets_->full_ok : sets_->light_ok) && (set.Match(text, &hits, &info) || info.kind == RE2::Set::kNoError)) {
    if (hits.empty()) return false;
  } else {
    // The set could not compile or its DFA ran out of memory (huge inputs):
    // fail safe by running every pattern of the tier on its own.
    hits.clear();
    for (size_t i = 0; i < map.size(); ++i) hits.push_back(static_cast<int>(i));
  }
  std::sort(hits.begin(), hits.end());  // table order
  bool changed = false;
  for (int h : hits) {
    const Pattern &p = *patterns_[map[static_cast<size_t>(h)]];
    changed |= apply_pattern(p.re, *p.spec, text);
  }
  return changed;
}

bool Redactor::injection_suspected(std::string_view text) const {
  if (!sets_->injection || text.empty()) return false;
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *sets_->injection);
}

bool luhn_valid(std::string_view text) {
  int sum = 0, n = 0;
  for (size_t i = text.size(); i-- > 0;) {
    char c = text[i];
    if (c < '0' || c > '9') continue;
    int d = c - '0';
    if (n % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++n;
  }
  return n >= 13 && n <= 19 && sum % 10 == 0;
}

bool truncate_field(std::string &text, uint64_t max_bytes) {
  if (max_bytes == 0 || text.size() <= max_bytes) return false;
  // The marker's length depends on N's digits; two rounds settle it.
  auto marker = [](size_t removed) { return "\xE2\x80\xA6[truncated " + std::to_string(removed) + " bytes]"; };
  size_t keep = 0;
  std::string m = marker(text.size());
  for (int round = 0; round < 3; ++round) {
    keep = m.size() >= max_bytes ? 0 : static_cast<size_t>(max_bytes) - m.size();
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;  // UTF-8 boundary
    std::string next = marker(text.size() - keep);
    if (next.size() == m.size()) {
      m = std::move(next);
      break;
    }
    m = std::move(next);
  }
  text.resize(keep);
  text += m;
  return true;
}

}  // namespace sigil::detail
