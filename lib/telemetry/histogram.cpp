#include "telemetry/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace sigil::detail {

namespace {

// An unambiguous key for an attribute set (length-prefixed keys and values),
// written into `key` so a caller can reuse one buffer.
void attribute_key(std::initializer_list<MetricAttrView> attrs, std::string &key) {
  key.clear();
  auto put = [&](const char *data, size_t len) {
    uint32_t l = static_cast<uint32_t>(len);
    key.append(reinterpret_cast<const char *>(&l), sizeof(l));
    key.append(data, len);
  };
  for (const MetricAttrView &a : attrs) {
    put(a.key, std::strlen(a.key));
    put(a.value.data(), a.value.size());
  }
}

}  // namespace

Histogram::Histogram(const char *name, const char *unit, const char *description, std::vector<double> bounds)
    : InstrumentInfo(name, unit, description, std::move(bounds)) {}

size_t Histogram::bucket_index(double value) const {
  // First bound >= value: buckets are upper-inclusive.
  return static_cast<size_t>(std::lower_bound(bounds().begin(), bounds().end(), value) - bounds().begin());
}

void Histogram::record(double value, std::initializer_list<MetricAttrView> attributes) {
  if (std::isnan(value)) return;
  thread_local std::string key;  // reused: no allocation once warm
  attribute_key(attributes, key);
  Shard &shard = shards_[std::hash<std::string>()(key) % kShards];
  size_t bucket = bucket_index(value);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.points.find(key);
  if (it == shard.points.end()) {
    HistogramPoint p;
    p.attributes.reserve(attributes.size());
    // An unknown value (no agent, no error) is left out, not sent as "".
    for (const MetricAttrView &a : attributes) {
      if (!a.value.empty()) p.attributes.push_back(MetricAttr{a.key, std::string(a.value)});
    }
    p.bucket_counts.assign(bounds().size() + 1, 0);
    p.min = value;
    p.max = value;
    it = shard.points.emplace(key, std::move(p)).first;
  }
  HistogramPoint &p = it->second;
  ++p.count;
  p.sum += value;
  p.min = std::min(p.min, value);
  p.max = std::max(p.max, value);
  ++p.bucket_counts[bucket];
  if (observer_ != nullptr) notify(value, attributes);
}

void Histogram::notify(double value, std::initializer_list<MetricAttrView> attributes) const {
  constexpr size_t kMaxAttrs = 16;  // the instruments have at most seven
  sigil_attribute_t attrs[kMaxAttrs] = {};
  // The values are views (trimmed, not NUL-terminated): copied, each with its
  // NUL, into one buffer reserved up front so the pointers stay valid.
  thread_local std::string values;
  size_t total = 0;
  for (const MetricAttrView &a : attributes) total += a.value.size() + 1;
  values.clear();
  values.reserve(total);
  size_t n = 0;
  for (const MetricAttrView &a : attributes) {
    if (a.value.empty() || n == kMaxAttrs) continue;  // unknown values are left out, as in the snapshot
    sigil_attribute_t &v = attrs[n++];
    v.key = a.key;
    v.key_len = std::strlen(a.key);
    v.type = SIGIL_ATTRIBUTE_STRING;
    v.string_value = values.data() + values.size();
    v.string_value_len = a.value.size();
    values.append(a.value.data(), a.value.size());
    values.push_back('\0');
  }
  sigil_metric_point_t p{};
  p.version = SIGIL_METRIC_POINT_VERSION;
  p.name = name();
  p.name_len = std::strlen(name());
  p.unit = unit();
  p.unit_len = std::strlen(unit());
  p.description = description();
  p.description_len = std::strlen(description());
  p.explicit_bounds = bounds().data();
  p.explicit_bounds_count = bounds().size();
  p.value = value;
  p.attributes = attrs;
  p.attributes_count = n;
  observer_(observer_data_, &p);
}

std::vector<HistogramPoint> Histogram::points() const {
  std::map<std::string, HistogramPoint> ordered;
  for (const Shard &shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto &kv : shard.points) ordered.emplace(kv.first, kv.second);
  }
  std::vector<HistogramPoint> out;
  out.reserve(ordered.size());
  for (auto &kv : ordered) out.push_back(std::move(kv.second));
  return out;
}

bool Histogram::empty() const {
  for (const Shard &shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (!shard.points.empty()) return false;
  }
  return true;
}

void Histogram::fork_prepare() {
  for (Shard &s : shards_) s.mu.lock();
}

void Histogram::fork_parent() {
  for (size_t i = kShards; i-- > 0;) shards_[i].mu.unlock();
}

void Histogram::fork_child() {
  for (size_t i = kShards; i-- > 0;) {
    shards_[i].points.clear();
    shards_[i].mu.unlock();
  }
}

}  // namespace sigil::detail
