// The values a metric instrument reports: attribute sets, histogram points,
// and the description of an instrument as it is exported. Aggregation lives
// in telemetry/histogram.h; encoding in encode/otlp.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigil::detail {

struct MetricAttr {
  const char *key;  // a string literal (semconv constant)
  std::string value;
};
using MetricAttrs = std::vector<MetricAttr>;

// A borrowed attribute, as callers pass them to record(): nothing is copied
// unless the attribute set is new to the histogram.
struct MetricAttrView {
  const char *key;
  std::string_view value;
};

struct HistogramPoint {
  MetricAttrs attributes;
  uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  std::vector<uint64_t> bucket_counts;  // bounds.size() + 1 entries
};

// What an exported instrument says of itself.
class InstrumentInfo {
 public:
  InstrumentInfo(const char *name, const char *unit, const char *description, std::vector<double> bounds)
      : name_(name), unit_(unit), description_(description), bounds_(std::move(bounds)) {}

  const char *name() const { return name_; }
  const char *unit() const { return unit_; }
  const char *description() const { return description_; }
  const std::vector<double> &bounds() const { return bounds_; }

 private:
  const char *name_;
  const char *unit_;
  const char *description_;
  std::vector<double> bounds_;
};

// One instrument's points at a moment.
struct MetricSnapshot {
  const InstrumentInfo *instrument;
  std::vector<HistogramPoint> points;
};

}  // namespace sigil::detail
