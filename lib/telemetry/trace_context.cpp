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

}  // namespace

bool parse_traceparent(std::string_view h, std::string &trace_id, std::string &span_id, bool &sampled) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
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
