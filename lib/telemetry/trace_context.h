// W3C trace context: a span's place in a trace, and the traceparent header
// that carries it across process and language boundaries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sigil::detail {

struct TraceContext {
  std::string trace_id;        // 32 lowercase hex digits
  std::string span_id;         // 16 lowercase hex digits
  std::string parent_span_id;  // empty for a root span
  bool parent_remote = false;  // the parent came from outside this process
  bool sampled = true;
};

// The parent a recorder is given: a traceparent, and whether it arrived from
// outside this process (a propagated header: the default) or names a span of
// this process (another recorder's, or the host tracer's own current span).
struct ParentSpan {
  std::string_view traceparent;
  bool remote = true;
  // The recorder's own span, when the host tracer started it (its
  // traceparent): its ids and sampled flag are taken instead of new ones.
  std::string_view own;
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>" (version 00 exactly, or a future
// version with extra fields). Rejects all-zero ids. False when malformed.
bool parse_traceparent(std::string_view header, std::string &trace_id, std::string &span_id, bool &sampled);
// The traceparent of a 32-hex trace id and 16-hex span id, written into
// `buf` (at least kTraceparentSize bytes) without allocating; false, with
// nothing written, when the ids have other lengths or `buf` is too small.
constexpr size_t kTraceparentSize = 56;  // 55 characters and the NUL
bool format_traceparent(std::string_view trace_id, std::string_view span_id, bool sampled, char *buf, size_t len);

// W3C tracestate: at most 32 comma-separated list members "key=value"
// (simple keys [a-z][a-z0-9_*/-]{0,255}, or multi-tenant "tenant@system"),
// values of printable ASCII without ',' and '=' up to 256 characters, empty
// members allowed. False when malformed.
constexpr size_t kTracestateMaxMembers = 32;
bool valid_tracestate(std::string_view header);

// A child of `parent` when its traceparent parses, else a new root; with
// `parent.own` (checked by the caller), that span's ids and sampled flag.
TraceContext start_trace(const ParentSpan &parent);

}  // namespace sigil::detail
