#include "telemetry/trace_context.h"

#include <cstring>
#include <string>

#include "base/random_ids.h"

namespace sigil::detail {

namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view s) {
  for (char c : s) {
    if (c != '0') return false;
  }
  return true;
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

bool valid_tracestate_key(std::string_view key) {
  const size_t at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !(key[0] >= 'a' && key[0] <= 'z')) return false;
  } else {
    std::string_view tenant = key.substr(0, at), system = key.substr(at + 1);
    if (tenant.empty() || tenant.size() > 241 || system.empty() || system.size() > 14) return false;
    if (!((tenant[0] >= 'a' && tenant[0] <= 'z') || (tenant[0] >= '0' && tenant[0] <= '9'))) return false;
    if (!(system[0] >= 'a' && system[0] <= 'z')) return false;
    key = key.substr(0, at);
    for (char c : system) {
      if (!key_char(c)) return false;
    }
  }
  for (char c : key) {
    if (!key_char(c)) return false;
  }
  return true;
}

bool valid_tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_tracestate(std::string_view header) {
  size_t members = 0;
  while (true) {
    const size_t comma = header.find(',');
    std::string_view member = trim_ows(header.substr(0, comma));
    if (!member.empty()) {
      const size_t eq = member.find('=');
      if (eq == std::string_view::npos || !valid_tracestate_key(member.substr(0, eq)) ||
          !valid_tracestate_value(member.substr(eq + 1)) || ++members > kTracestateMaxMembers) {
        return false;
      }
    }
    if (comma == std::string_view::npos) return true;
    header.remove_prefix(comma + 1);
  }
}

bool parse_traceparent(std::string_view h, std::string &trace_id, std::string &span_id, bool &sampled) {
  h = trim_ows(h);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  std::string_view version = h.substr(0, 2), tid = h.substr(3, 32), sid = h.substr(36, 16), flags = h.substr(53, 2);
  if (!is_lower_hex(version) || version == "ff" || !is_lower_hex(tid) || !is_lower_hex(sid) || !is_lower_hex(flags)) {
    return false;
  }
  if (version == "00" && h.size() != 55) return false;
  if (version != "00" && h.size() > 55 && h[55] != '-') return false;
  if (all_zero(tid) || all_zero(sid)) return false;
  trace_id.assign(tid);
  span_id.assign(sid);
  unsigned f = unsigned(std::stoul(std::string(flags), nullptr, 16));
  sampled = (f & 1u) != 0;
  return true;
}

bool format_traceparent(std::string_view trace_id, std::string_view span_id, bool sampled, char *buf, size_t len) {
  if (buf == nullptr || len < kTraceparentSize || trace_id.size() != 32 || span_id.size() != 16) return false;
  char *p = buf;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put("00-");
  put(trace_id);
  put("-");
  put(span_id);
  put(sampled ? "-01" : "-00");
  *p = '\0';
  return true;
}

TraceContext start_trace(const ParentSpan &parent) {
  TraceContext tc;
  std::string parent_trace, parent_span;
  bool sampled = true;
  if (!parent.traceparent.empty() && parse_traceparent(parent.traceparent, parent_trace, parent_span, sampled)) {
    tc.trace_id = std::move(parent_trace);
    tc.parent_span_id = std::move(parent_span);
    tc.parent_remote = parent.remote;
    tc.sampled = sampled;
  } else {
    tc.trace_id = new_trace_id();
  }
  std::string own_trace, own_span;
  bool own_sampled = true;
  if (!parent.own.empty() && parse_traceparent(parent.own, own_trace, own_span, own_sampled)) {
    if (own_trace != tc.trace_id) {  // the host's span is a root: the parent did not apply
      tc.parent_span_id.clear();
      tc.parent_remote = false;
    }
    tc.trace_id = std::move(own_trace);
    tc.span_id = std::move(own_span);
    tc.sampled = own_sampled;  // the host's sampler decided
    return tc;
  }
  tc.span_id = new_span_id();
  return tc;
}

}  // namespace sigil::detail
