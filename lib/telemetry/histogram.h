// A cumulative explicit-bucket histogram keyed by attribute set, as the
// OpenTelemetry SDK aggregates one: count, sum, min, max and bucket counts
// (bucket i holds values in (bounds[i-1], bounds[i]]; the last is overflow).
// Points live in a few independently locked shards, so concurrent recorders
// rarely contend.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
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

class Histogram {
 public:
  Histogram(const char *name, const char *unit, const char *description, std::vector<double> bounds);
  Histogram(const Histogram &) = delete;
  Histogram &operator=(const Histogram &) = delete;

  void record(double value, std::initializer_list<MetricAttrView> attributes);
  // Every point, ordered by attribute set (deterministic output).
  std::vector<HistogramPoint> points() const;
  bool empty() const;

  const char *name() const { return name_; }
  const char *unit() const { return unit_; }
  const char *description() const { return description_; }
  const std::vector<double> &bounds() const { return bounds_; }
  size_t bucket_index(double value) const;

  // fork(): hold every shard across the fork so neither side inherits a lock
  // taken mid-update; the child starts over with no points.
  void fork_prepare();
  void fork_parent();
  void fork_child();

 private:
  static constexpr size_t kShards = 8;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, HistogramPoint> points;
  };

  const char *name_;
  const char *unit_;
  const char *description_;
  std::vector<double> bounds_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sigil::detail
