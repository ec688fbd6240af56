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

#include "base/metric_data.h"
#include "sigil/sigil.h"

namespace sigil::detail {

class Histogram : public InstrumentInfo {
 public:
  Histogram(const char *name, const char *unit, const char *description, std::vector<double> bounds);
  Histogram(const Histogram &) = delete;
  Histogram &operator=(const Histogram &) = delete;

  void record(double value, std::initializer_list<MetricAttrView> attributes);
  // Every recording is also handed to `fn` (the host's metric callback), on
  // the recording thread, after the aggregation. Set before any recording.
  void set_observer(sigil_metric_fn fn, void *user_data) {
    observer_ = fn;
    observer_data_ = user_data;
  }
  // Every point, ordered by attribute set (deterministic output).
  std::vector<HistogramPoint> points() const;
  bool empty() const;

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

  void notify(double value, std::initializer_list<MetricAttrView> attributes) const;

  std::array<Shard, kShards> shards_;
  sigil_metric_fn observer_ = nullptr;
  void *observer_data_ = nullptr;
};

}  // namespace sigil::detail
