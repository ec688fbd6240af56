#include "encode/otlp.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

// The messages are written by hand rather than through nanopb's generated
// structs: OTLP nests seven levels deep (request > resource spans > scope
// spans > span > key value > any value > array value), and nanopb's
// size-then-write callbacks would re-walk every level once per ancestor.
// Here each submessage is written once and its length patched in front of
// it. Field numbers are the generated `_tag` constants of our .proto files.

namespace sigil::detail {

namespace {

// Short names for the generated field tags.
namespace common {
constexpr uint32_t kAnyString = opentelemetry_proto_common_v1_AnyValue_string_value_tag;
constexpr uint32_t kAnyBool = opentelemetry_proto_common_v1_AnyValue_bool_value_tag;
constexpr uint32_t kAnyInt = opentelemetry_proto_common_v1_AnyValue_int_value_tag;
constexpr uint32_t kAnyDouble = opentelemetry_proto_common_v1_AnyValue_double_value_tag;
constexpr uint32_t kAnyArray = opentelemetry_proto_common_v1_AnyValue_array_value_tag;
constexpr uint32_t kArrayValues = opentelemetry_proto_common_v1_ArrayValue_values_tag;
constexpr uint32_t kKvKey = opentelemetry_proto_common_v1_KeyValue_key_tag;
constexpr uint32_t kKvValue = opentelemetry_proto_common_v1_KeyValue_value_tag;
constexpr uint32_t kScopeName = opentelemetry_proto_common_v1_InstrumentationScope_name_tag;
constexpr uint32_t kScopeVersion = opentelemetry_proto_common_v1_InstrumentationScope_version_tag;
constexpr uint32_t kResourceAttributes = opentelemetry_proto_resource_v1_Resource_attributes_tag;
}  // namespace common

namespace tr {
constexpr uint32_t kRequestResourceSpans =
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_resource_spans_tag;
constexpr uint32_t kResource = opentelemetry_proto_trace_v1_ResourceSpans_resource_tag;
constexpr uint32_t kScopeSpans = opentelemetry_proto_trace_v1_ResourceSpans_scope_spans_tag;
constexpr uint32_t kScope = opentelemetry_proto_trace_v1_ScopeSpans_scope_tag;
constexpr uint32_t kSpans = opentelemetry_proto_trace_v1_ScopeSpans_spans_tag;
constexpr uint32_t kScopeSchemaUrl = opentelemetry_proto_trace_v1_ScopeSpans_schema_url_tag;
constexpr uint32_t kTraceId = opentelemetry_proto_trace_v1_Span_trace_id_tag;
constexpr uint32_t kSpanId = opentelemetry_proto_trace_v1_Span_span_id_tag;
constexpr uint32_t kParentSpanId = opentelemetry_proto_trace_v1_Span_parent_span_id_tag;
constexpr uint32_t kTraceState = opentelemetry_proto_trace_v1_Span_trace_state_tag;
constexpr uint32_t kFlags = opentelemetry_proto_trace_v1_Span_flags_tag;
constexpr uint32_t kName = opentelemetry_proto_trace_v1_Span_name_tag;
constexpr uint32_t kKind = opentelemetry_proto_trace_v1_Span_kind_tag;
constexpr uint32_t kStart = opentelemetry_proto_trace_v1_Span_start_time_unix_nano_tag;
constexpr uint32_t kEnd = opentelemetry_proto_trace_v1_Span_end_time_unix_nano_tag;
constexpr uint32_t kAttributes = opentelemetry_proto_trace_v1_Span_attributes_tag;
constexpr uint32_t kEvents = opentelemetry_proto_trace_v1_Span_events_tag;
constexpr uint32_t kStatus = opentelemetry_proto_trace_v1_Span_status_tag;
constexpr uint32_t kEventTime = opentelemetry_proto_trace_v1_Span_Event_time_unix_nano_tag;
constexpr uint32_t kEventName = opentelemetry_proto_trace_v1_Span_Event_name_tag;
constexpr uint32_t kEventAttributes = opentelemetry_proto_trace_v1_Span_Event_attributes_tag;
constexpr uint32_t kStatusMessage = opentelemetry_proto_trace_v1_Status_message_tag;
constexpr uint32_t kStatusCode = opentelemetry_proto_trace_v1_Status_code_tag;
}  // namespace tr

namespace mt {
constexpr uint32_t kRequestResourceMetrics =
    opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceRequest_resource_metrics_tag;
constexpr uint32_t kResource = opentelemetry_proto_metrics_v1_ResourceMetrics_resource_tag;
constexpr uint32_t kScopeMetrics = opentelemetry_proto_metrics_v1_ResourceMetrics_scope_metrics_tag;
constexpr uint32_t kScope = opentelemetry_proto_metrics_v1_ScopeMetrics_scope_tag;
constexpr uint32_t kMetrics = opentelemetry_proto_metrics_v1_ScopeMetrics_metrics_tag;
constexpr uint32_t kScopeSchemaUrl = opentelemetry_proto_metrics_v1_ScopeMetrics_schema_url_tag;
constexpr uint32_t kName = opentelemetry_proto_metrics_v1_Metric_name_tag;
constexpr uint32_t kDescription = opentelemetry_proto_metrics_v1_Metric_description_tag;
constexpr uint32_t kUnit = opentelemetry_proto_metrics_v1_Metric_unit_tag;
constexpr uint32_t kHistogram = opentelemetry_proto_metrics_v1_Metric_histogram_tag;
constexpr uint32_t kDataPoints = opentelemetry_proto_metrics_v1_Histogram_data_points_tag;
constexpr uint32_t kTemporality = opentelemetry_proto_metrics_v1_Histogram_aggregation_temporality_tag;
constexpr uint32_t kPointAttributes = opentelemetry_proto_metrics_v1_HistogramDataPoint_attributes_tag;
constexpr uint32_t kPointStart = opentelemetry_proto_metrics_v1_HistogramDataPoint_start_time_unix_nano_tag;
constexpr uint32_t kPointTime = opentelemetry_proto_metrics_v1_HistogramDataPoint_time_unix_nano_tag;
constexpr uint32_t kPointCount = opentelemetry_proto_metrics_v1_HistogramDataPoint_count_tag;
constexpr uint32_t kPointSum = opentelemetry_proto_metrics_v1_HistogramDataPoint_sum_tag;
constexpr uint32_t kPointBuckets = opentelemetry_proto_metrics_v1_HistogramDataPoint_bucket_counts_tag;
constexpr uint32_t kPointBounds = opentelemetry_proto_metrics_v1_HistogramDataPoint_explicit_bounds_tag;
constexpr uint32_t kPointMin = opentelemetry_proto_metrics_v1_HistogramDataPoint_min_tag;
constexpr uint32_t kPointMax = opentelemetry_proto_metrics_v1_HistogramDataPoint_max_tag;
constexpr uint32_t kCumulative =
    opentelemetry_proto_metrics_v1_AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE;
constexpr uint32_t kSum = opentelemetry_proto_metrics_v1_Metric_sum_tag;
constexpr uint32_t kSumDataPoints = opentelemetry_proto_metrics_v1_Sum_data_points_tag;
constexpr uint32_t kSumTemporality = opentelemetry_proto_metrics_v1_Sum_aggregation_temporality_tag;
constexpr uint32_t kSumMonotonic = opentelemetry_proto_metrics_v1_Sum_is_monotonic_tag;
constexpr uint32_t kNumAttributes = opentelemetry_proto_metrics_v1_NumberDataPoint_attributes_tag;
constexpr uint32_t kNumStart = opentelemetry_proto_metrics_v1_NumberDataPoint_start_time_unix_nano_tag;
constexpr uint32_t kNumTime = opentelemetry_proto_metrics_v1_NumberDataPoint_time_unix_nano_tag;
constexpr uint32_t kNumAsInt = opentelemetry_proto_metrics_v1_NumberDataPoint_as_int_tag;
}  // namespace mt

// W3C flags in the low byte; bit 8 says whether bit 9 (parent is remote) is known.
constexpr uint32_t kFlagSampled = 0x01;
constexpr uint32_t kFlagHasIsRemote = 0x100;
constexpr uint32_t kFlagIsRemote = 0x200;

bool append_cb(pb_ostream_t *stream, const pb_byte_t *buf, size_t count) {
  static_cast<std::string *>(stream->state)->append(reinterpret_cast<const char *>(buf), count);
  return true;
}

// Appends protobuf to a string through nanopb's primitives; submessages are
// bracketed by begin/end, which inserts the length varint once it is known.
class Writer {
 public:
  explicit Writer(std::string &out) : out_(out) { stream_ = {append_cb, &out_, SIZE_MAX, 0, nullptr}; }

  bool ok() const { return ok_; }
  const char *error() const { return PB_GET_ERROR(&stream_); }

  void bytes(uint32_t field, std::string_view v) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_STRING, field) &&
          pb_encode_string(&stream_, reinterpret_cast<const pb_byte_t *>(v.data()), v.size());
  }
  void string(uint32_t field, std::string_view v) { bytes(field, v); }
  void string_if(uint32_t field, std::string_view v) {
    if (!v.empty()) bytes(field, v);
  }
  void varint(uint32_t field, uint64_t v) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_VARINT, field) && pb_encode_varint(&stream_, v);
  }
  void fixed64(uint32_t field, uint64_t v) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_64BIT, field) && pb_encode_fixed64(&stream_, &v);
  }
  void fixed32(uint32_t field, uint32_t v) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_32BIT, field) && pb_encode_fixed32(&stream_, &v);
  }
  void dbl(uint32_t field, double v) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_64BIT, field) && pb_encode_fixed64(&stream_, &v);
  }
  template <typename T>  // uint64_t (fixed64) or double, packed
  void packed64(uint32_t field, const std::vector<T> &values) {
    if (values.empty()) return;
    size_t at = begin(field);
    for (const T &v : values) ok_ = ok_ && pb_encode_fixed64(&stream_, &v);
    end(at);
  }

  size_t begin(uint32_t field) {
    ok_ = ok_ && pb_encode_tag(&stream_, PB_WT_STRING, field);
    return out_.size();
  }
  void end(size_t start) {
    uint64_t len = out_.size() - start;
    char buf[10];
    size_t n = 0;
    do {
      uint8_t b = uint8_t(len & 0x7F);
      len >>= 7;
      buf[n++] = char(len ? (b | 0x80) : b);
    } while (len);
    out_.insert(start, buf, n);
  }

 private:
  std::string &out_;
  pb_ostream_t stream_;
  bool ok_ = true;
};

void write_any_string(Writer &w, uint32_t field, std::string_view v) {
  size_t any = w.begin(field);
  w.string(common::kAnyString, v);  // written even when empty: it selects the oneof member
  w.end(any);
}

void write_attribute(Writer &w, uint32_t field, const Attribute &a) {
  size_t kv = w.begin(field);
  w.string(common::kKvKey, a.key);
  size_t any = w.begin(common::kKvValue);
  switch (a.type) {
    case AttrType::kString:
      w.string(common::kAnyString, a.s);
      break;
    case AttrType::kBool:
      w.varint(common::kAnyBool, a.b ? 1 : 0);
      break;
    case AttrType::kInt:
      w.varint(common::kAnyInt, static_cast<uint64_t>(a.i));
      break;
    case AttrType::kDouble:
      w.dbl(common::kAnyDouble, a.d);
      break;
    case AttrType::kStringArray: {
      size_t arr = w.begin(common::kAnyArray);
      for (const std::string &s : a.strings) write_any_string(w, common::kArrayValues, s);
      w.end(arr);
      break;
    }
  }
  w.end(any);
  w.end(kv);
}

void write_string_attribute(Writer &w, uint32_t field, std::string_view key, std::string_view value) {
  size_t kv = w.begin(field);
  w.string(common::kKvKey, key);
  write_any_string(w, common::kKvValue, value);
  w.end(kv);
}

void write_resource(Writer &w, uint32_t field, const OtlpOrigin &origin) {
  size_t res = w.begin(field);
  if (origin.resource != nullptr) {
    for (const auto &kv : *origin.resource) write_string_attribute(w, common::kResourceAttributes, kv.first, kv.second);
  }
  w.end(res);
}

void write_scope(Writer &w, uint32_t field, const OtlpOrigin &origin) {
  size_t scope = w.begin(field);
  w.string_if(common::kScopeName, origin.scope_name);
  w.string_if(common::kScopeVersion, origin.scope_version);
  w.end(scope);
}

void write_span(Writer &w, const SpanData &s) {
  size_t span = w.begin(tr::kSpans);
  w.bytes(tr::kTraceId, hex_to_bytes(s.trace_id));
  w.bytes(tr::kSpanId, hex_to_bytes(s.span_id));
  w.string_if(tr::kTraceState, s.trace_state);
  if (!s.parent_span_id.empty()) w.bytes(tr::kParentSpanId, hex_to_bytes(s.parent_span_id));
  w.string(tr::kName, s.name);
  w.varint(tr::kKind, static_cast<uint64_t>(s.kind));
  w.fixed64(tr::kStart, static_cast<uint64_t>(s.start_ns));
  w.fixed64(tr::kEnd, static_cast<uint64_t>(s.end_ns));
  for (const Attribute &a : s.attributes.items()) write_attribute(w, tr::kAttributes, a);
  for (const SpanEvent &e : s.events) {
    size_t ev = w.begin(tr::kEvents);
    w.fixed64(tr::kEventTime, static_cast<uint64_t>(e.time_ns));
    w.string(tr::kEventName, e.name);
    for (const Attribute &a : e.attributes.items()) write_attribute(w, tr::kEventAttributes, a);
    w.end(ev);
  }
  if (s.status != SpanStatus::kUnset) {
    size_t st = w.begin(tr::kStatus);
    w.string_if(tr::kStatusMessage, s.status_message);
    w.varint(tr::kStatusCode, static_cast<uint64_t>(s.status));
    w.end(st);
  }
  // Bit 9 only for a parent from outside the process (a propagated traceparent).
  const bool remote = !s.parent_span_id.empty() && s.parent_remote;
  uint32_t flags = (s.sampled ? kFlagSampled : 0) | kFlagHasIsRemote | (remote ? kFlagIsRemote : 0);
  w.fixed32(tr::kFlags, flags);
  w.end(span);
}

void write_point(Writer &w, const InstrumentInfo &h, const HistogramPoint &p, int64_t start_ns, int64_t now_ns) {
  size_t pt = w.begin(mt::kDataPoints);
  w.fixed64(mt::kPointStart, static_cast<uint64_t>(start_ns));
  w.fixed64(mt::kPointTime, static_cast<uint64_t>(now_ns));
  w.fixed64(mt::kPointCount, p.count);
  w.dbl(mt::kPointSum, p.sum);
  w.packed64(mt::kPointBuckets, p.bucket_counts);
  w.packed64(mt::kPointBounds, h.bounds());
  for (const MetricAttr &a : p.attributes) write_string_attribute(w, mt::kPointAttributes, a.key, a.value);
  if (p.count > 0) {
    w.dbl(mt::kPointMin, p.min);
    w.dbl(mt::kPointMax, p.max);
  }
  w.end(pt);
}

bool read_string(pb_istream_t *s, std::string &out) {
  out.resize(s->bytes_left);
  return pb_read(s, reinterpret_cast<pb_byte_t *>(&out[0]), out.size());
}

}  // namespace

std::string hex_to_bytes(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::string();
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::string();
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

Status encode_otlp_traces(const std::vector<const SpanData *> &spans, const OtlpOrigin &origin, std::string &out) {
  Writer w(out);
  size_t rs = w.begin(tr::kRequestResourceSpans);
  write_resource(w, tr::kResource, origin);
  size_t ss = w.begin(tr::kScopeSpans);
  write_scope(w, tr::kScope, origin);
  for (const SpanData *s : spans) write_span(w, *s);
  w.string_if(tr::kScopeSchemaUrl, origin.schema_url);
  w.end(ss);
  w.end(rs);
  if (!w.ok()) return Status(SIGIL_E_INTERNAL, std::string("OTLP trace encoding failed: ") + w.error());
  return Status::ok();
}

Status encode_otlp_metrics(const std::vector<MetricSnapshot> &metrics, int64_t start_ns, int64_t now_ns,
                           const OtlpOrigin &origin, std::string &out, const std::vector<CounterMetric> &counters) {
  Writer w(out);
  size_t rm = w.begin(mt::kRequestResourceMetrics);
  write_resource(w, mt::kResource, origin);
  size_t sm = w.begin(mt::kScopeMetrics);
  write_scope(w, mt::kScope, origin);
  for (const MetricSnapshot &snap : metrics) {
    const InstrumentInfo &h = *snap.instrument;
    size_t m = w.begin(mt::kMetrics);
    w.string(mt::kName, h.name());
    w.string_if(mt::kDescription, h.description());
    w.string_if(mt::kUnit, h.unit());
    size_t hist = w.begin(mt::kHistogram);
    for (const HistogramPoint &p : snap.points) write_point(w, h, p, start_ns, now_ns);
    w.varint(mt::kTemporality, mt::kCumulative);
    w.end(hist);
    w.end(m);
  }
  for (const CounterMetric &c : counters) {
    if (c.points.empty()) continue;
    size_t m = w.begin(mt::kMetrics);
    w.string(mt::kName, c.name);
    w.string_if(mt::kDescription, c.description);
    w.string_if(mt::kUnit, c.unit);
    size_t sum = w.begin(mt::kSum);
    for (const CounterPoint &p : c.points) {
      size_t pt = w.begin(mt::kSumDataPoints);
      w.fixed64(mt::kNumStart, static_cast<uint64_t>(start_ns));
      w.fixed64(mt::kNumTime, static_cast<uint64_t>(now_ns));
      w.fixed64(mt::kNumAsInt, p.value);
      for (const MetricAttr &a : p.attributes) write_string_attribute(w, mt::kNumAttributes, a.key, a.value);
      w.end(pt);
    }
    w.varint(mt::kSumTemporality, mt::kCumulative);
    w.varint(mt::kSumMonotonic, 1);
    w.end(sum);
    w.end(m);
  }
  w.string_if(mt::kScopeSchemaUrl, origin.schema_url);
  w.end(sm);
  w.end(rm);
  if (!w.ok()) return Status(SIGIL_E_INTERNAL, std::string("OTLP metrics encoding failed: ") + w.error());
  return Status::ok();
}

bool decode_otlp_partial_success(std::string_view body, int64_t &rejected, std::string &message) {
  rejected = 0;
  message.clear();
  pb_istream_t s = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(body.data()), body.size());
  while (s.bytes_left > 0) {
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    if (!pb_decode_tag(&s, &wt, &tag, &eof)) return eof;
    if (tag != opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_partial_success_tag ||
        wt != PB_WT_STRING) {
      if (!pb_skip_field(&s, wt)) return false;
      continue;
    }
    pb_istream_t sub;
    if (!pb_make_string_substream(&s, &sub)) return false;
    // Both partial_success messages: 1 = rejected count (int64), 2 = message.
    while (sub.bytes_left > 0) {
      if (!pb_decode_tag(&sub, &wt, &tag, &eof)) return false;
      if (tag == 1 && wt == PB_WT_VARINT) {
        uint64_t v;
        if (!pb_decode_varint(&sub, &v)) return false;
        rejected = static_cast<int64_t>(v);
      } else if (tag == 2 && wt == PB_WT_STRING) {
        pb_istream_t str;
        if (!pb_make_string_substream(&sub, &str) || !read_string(&str, message)) return false;
        if (!pb_close_string_substream(&sub, &str)) return false;
      } else if (!pb_skip_field(&sub, wt)) {
        return false;
      }
    }
    if (!pb_close_string_substream(&s, &sub)) return false;
  }
  return true;
}

bool decode_rpc_status_message(std::string_view body, std::string &message) {
  message.clear();
  pb_istream_t s = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t *>(body.data()), body.size());
  while (s.bytes_left > 0) {
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    if (!pb_decode_tag(&s, &wt, &tag, &eof)) return false;
    if (tag == 2 && wt == PB_WT_STRING) {  // google.rpc.Status: 1 code, 2 message, 3 details
      pb_istream_t str;
      if (!pb_make_string_substream(&s, &str) || !read_string(&str, message)) return false;
      if (!pb_close_string_substream(&s, &str)) return false;
    } else if (!pb_skip_field(&s, wt)) {
      return false;
    }
  }
  return !message.empty();
}

}  // namespace sigil::detail
