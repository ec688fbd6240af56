#include "telemetry/telemetry.h"

#include <cstring>
#include <vector>

#include "base/timefmt.h"
#include "base/json_writer.h"
#include "export/otlp_exporter.h"

namespace sigil::detail {

namespace {

void copy_id(char *dst, size_t cap, const std::string &hex) {
  size_t n = std::min(cap - 1, hex.size());
  std::memcpy(dst, hex.data(), n);
  dst[n] = '\0';
}

uint32_t abi_type(AttrType t) {
  switch (t) {
    case AttrType::kString:
      return SIGIL_ATTRIBUTE_STRING;
    case AttrType::kBool:
      return SIGIL_ATTRIBUTE_BOOL;
    case AttrType::kInt:
      return SIGIL_ATTRIBUTE_INT;
    case AttrType::kDouble:
      return SIGIL_ATTRIBUTE_DOUBLE;
    case AttrType::kStringArray:
      return SIGIL_ATTRIBUTE_STRING_ARRAY;
  }
  return SIGIL_ATTRIBUTE_STRING;
}

// Borrowed C views of an attribute list; the storage lives as long as this.
class AttrViews {
 public:
  explicit AttrViews(const AttrList &list) {
    const auto &items = list.items();
    size_t strings = 0;
    for (const Attribute &a : items) strings += a.strings.size();
    ptrs_.reserve(strings);  // no reallocation: views point into these
    lens_.reserve(strings);
    views_.reserve(items.size());
    for (const Attribute &a : items) {
      sigil_attribute_t v{};
      v.key = a.key;
      v.key_len = std::strlen(a.key);
      v.type = abi_type(a.type);
      switch (a.type) {
        case AttrType::kString:
          v.string_value = a.s.c_str();
          v.string_value_len = a.s.size();
          break;
        case AttrType::kBool:
          v.int_value = a.b ? 1 : 0;
          break;
        case AttrType::kInt:
          v.int_value = a.i;
          break;
        case AttrType::kDouble:
          v.double_value = a.d;
          break;
        case AttrType::kStringArray:
          v.string_values = ptrs_.data() + ptrs_.size();
          v.string_value_lens = lens_.data() + lens_.size();
          v.string_values_count = a.strings.size();
          for (const std::string &s : a.strings) {
            ptrs_.push_back(s.c_str());
            lens_.push_back(s.size());
          }
          break;
      }
      views_.push_back(v);
    }
  }
  const sigil_attribute_t *data() const { return views_.data(); }
  size_t size() const { return views_.size(); }

 private:
  std::vector<const char *> ptrs_;
  std::vector<size_t> lens_;
  std::vector<sigil_attribute_t> views_;
};

}  // namespace

Telemetry::Telemetry(const TelemetryConfig &config, const Logger &logger)
    : config_(config), logger_(logger), metrics_(now_unix_ns()) {
  if (config_.metric_fn != nullptr) metrics_.set_observer(config_.metric_fn, config_.metric_user_data);
  if (config_.otlp.enabled()) {
    auto read_metrics = [this] { return OtlpExporter::MetricsReading{metrics_.snapshot(), metrics_.start_ns()}; };
    exporter_ = std::make_unique<OtlpExporter>(config_.otlp, config_.identity, read_metrics, logger_);
  }
  wants_spans_ = config_.span_fn != nullptr || (exporter_ && exporter_->exports_spans());
}

Telemetry::~Telemetry() { exporter_.reset(); }

void Telemetry::invoke_callback(const SpanData &s) const {
  AttrViews attrs(s.attributes);
  std::vector<AttrViews> event_attrs;
  event_attrs.reserve(s.events.size());
  std::vector<sigil_span_event_t> events;
  events.reserve(s.events.size());
  for (const SpanEvent &e : s.events) {
    event_attrs.emplace_back(e.attributes);
    sigil_span_event_t ev{};
    ev.name = e.name;
    ev.name_len = std::strlen(e.name);
    ev.time_ns = e.time_ns;
    ev.attributes = event_attrs.back().data();
    ev.attributes_count = event_attrs.back().size();
    events.push_back(ev);
  }
  sigil_span_t v{};
  v.version = SIGIL_SPAN_VERSION;
  v.name = s.name.c_str();
  v.name_len = s.name.size();
  v.kind = static_cast<uint32_t>(s.kind);
  copy_id(v.trace_id, sizeof v.trace_id, s.trace_id);
  copy_id(v.span_id, sizeof v.span_id, s.span_id);
  copy_id(v.parent_span_id, sizeof v.parent_span_id, s.parent_span_id);
  v.trace_flags = s.sampled ? 1u : 0u;
  v.start_ns = s.start_ns;
  v.end_ns = s.end_ns;
  v.status_code = static_cast<uint32_t>(s.status);
  v.status_message = s.status_message.c_str();
  v.status_message_len = s.status_message.size();
  v.attributes = attrs.data();
  v.attributes_count = attrs.size();
  v.events = events.data();
  v.events_count = events.size();
  config_.span_fn(config_.span_user_data, &v);
}

void Telemetry::end_span(SpanData span) {
  if (config_.span_fn != nullptr) invoke_callback(span);
  if (exporter_) exporter_->enqueue(std::move(span));
}

void Telemetry::set_counter_source(std::function<std::vector<CounterMetric>()> source) {
  if (exporter_) exporter_->set_counter_source(std::move(source));
}

void Telemetry::fork_prepare() {
  if (exporter_) exporter_->fork_prepare();
  metrics_.fork_prepare();
}

void Telemetry::fork_parent() {
  metrics_.fork_parent();
  if (exporter_) exporter_->fork_parent();
}

void Telemetry::fork_child() {
  metrics_.fork_child(now_unix_ns());
  if (exporter_) exporter_->fork_child();
}

Status Telemetry::flush(Clock::time_point deadline) { return exporter_ ? exporter_->flush(deadline) : Status::ok(); }

const OtlpCounters *Telemetry::otlp_counters() const { return exporter_ ? &exporter_->counters() : nullptr; }

Status Telemetry::shutdown(Clock::time_point deadline) {
  return exporter_ ? exporter_->shutdown(deadline) : Status::ok();
}

std::string Telemetry::metrics_json() const {
  std::string extra;
  extra.append("\"resource\":");
  {
    JsonObjectWriter w(extra);
    for (const auto &kv : config_.identity.resource) w.string(kv.first, kv.second);
    w.end();
  }
  extra.append(",\"scope\":");
  {
    JsonObjectWriter w(extra);
    w.string("name", config_.identity.scope_name);
    w.string("version", config_.identity.scope_version);
    w.string("schema_url", config_.identity.schema_url);
    w.end();
  }
  extra.append(",\"otlp\":");
  {
    JsonObjectWriter w(extra);
    w.string("traces_endpoint", config_.otlp.traces_url);
    w.string("metrics_endpoint", config_.otlp.metrics_url);
    auto num = [&](const char *key, uint64_t v) {
      w.key(key);
      json_append_int(extra, int64_t(v));
    };
    if (exporter_) {
      const OtlpCounters &c = exporter_->counters();
      num("spans_enqueued", c.spans_enqueued.load());
      num("spans_exported", c.spans_exported.load());
      num("spans_dropped", c.spans_dropped.load());
      num("metric_exports", c.metric_exports.load());
      num("metric_export_failures", c.metric_export_failures.load());
      num("requests", c.requests.load());
      num("retries", c.retries.load());
      num("protocol_mismatches", c.protocol_mismatches.load());
      num("spans_spooled", c.spans_spooled.load());
      num("spans_replayed", c.spans_replayed.load());
      num("metric_exports_spooled", c.metric_exports_spooled.load());
      num("metric_exports_replayed", c.metric_exports_replayed.load());
    }
    w.end();
  }
  return metrics_.snapshot_json(now_unix_ns(), extra);
}

}  // namespace sigil::detail
