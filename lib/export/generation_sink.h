// Where a client's finished generations go: the seam between recording and
// delivery. The client is given one (Client::create); production uses the
// batching Exporter (export/exporter.h), tests a capturing sink
// (tests/support/capturing_sink.h). A sink accounts for every generation it
// takes in its counters, and never blocks the caller on I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/model.h"
#include "base/status.h"

namespace sigil::detail {

class Spool;
class SpooledTelemetrySender;

struct ExportCounters {
  std::atomic<uint64_t> enqueued{0}, exported{0}, rejected{0};
  std::atomic<uint64_t> dropped_queue_full{0}, dropped_byte_budget{0}, dropped_payload_too_large{0},
      dropped_retry_exhausted{0}, dropped_shutdown_timeout{0}, dropped_spool_full{0};
  std::atomic<uint64_t> spooled{0};   // written to the spool instead of being dropped
  std::atomic<uint64_t> replayed{0};  // delivered from the spool (any process's) and accepted
  std::atomic<uint64_t> attempts{0}, retries{0};
};

// The drop reasons, in the order stats, logs and self-metrics list them.
struct DropCount {
  const char *reason;  // queue_full, byte_budget, payload_too_large, ...
  uint64_t count;
};
std::vector<DropCount> drop_counts(const ExportCounters &c);
uint64_t drops_total(const ExportCounters &c);
// "queue_full=2, retry_exhausted=5" (reasons with a zero count left out).
std::string format_drops(const ExportCounters &c);

class GenerationSink {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~GenerationSink() = default;

  // Takes a generation whose estimated size is `bytes` (QUEUE_FULL,
  // BYTE_BUDGET or SHUTDOWN when it cannot, counted as a drop).
  virtual Status enqueue(Generation generation, size_t bytes) = 0;
  // Two-step form for a record finished later on another thread (the
  // client's finisher): reserve takes one item slot and `bytes` of the budget
  // now, so that the end call can report QUEUE_FULL / BYTE_BUDGET / SHUTDOWN,
  // and enqueue_reserved cannot be refused. `reserved` is false with an OK
  // status when the record should go through enqueue instead (an exporter
  // with a spool: enqueue spools it).
  virtual Status reserve(size_t bytes, bool &reserved) = 0;
  // Takes a reserved record; `bytes` is its estimated size now.
  virtual void enqueue_reserved(Generation generation, size_t reserved_bytes, size_t bytes) = 0;
  // Gives a reservation back (the caller counts the record's drop).
  virtual void release_reservation(size_t reserved_bytes) = 0;
  // Delivers what was taken before the call; SIGIL_E_TIMEOUT at the deadline.
  virtual Status flush(Clock::time_point deadline) = 0;
  // Flushes, then takes nothing more; abandons what is left at the deadline.
  virtual Status shutdown(Clock::time_point deadline) = 0;
  // Items and estimated bytes held now (sigil_stats_t).
  virtual void queue_usage(uint64_t &items, uint64_t &bytes) const = 0;

  // Where delivered (or dropped) generations go instead of being freed on a
  // sink's own thread: the client hands them to its finisher, whose next
  // caller frees them (core/finisher.h). Set before the first enqueue; a
  // sink without a thread of its own may ignore it.
  using Recycler = std::function<void(std::vector<Generation> &&generations, size_t bytes)>;
  virtual void set_recycler(Recycler recycler) { (void)recycler; }

  // fork() (core/fork_safety.h): hold the sink's locks across the fork; the
  // parent keeps its state, the child starts empty with zeroed counters.
  virtual void fork_prepare() {}
  virtual void fork_parent() {}
  virtual void fork_child() {}

  // The spool this sink replays, if any (export/spool.h), and the sender of
  // the spans and metrics found in it (export/spooled_telemetry.h). The
  // sender is set before the first replay can need it and outlives the
  // sink's worker; a sink without a spool ignores both.
  virtual Spool *spool() { return nullptr; }
  virtual void set_telemetry_sender(SpooledTelemetrySender *sender) { (void)sender; }
  // Someone else wrote to the spool: replay soon (unless the backend is down).
  virtual void nudge_replay() {}

  const ExportCounters &counters() const { return counters_; }
  // Drops the client decides itself.
  void count_payload_too_large() { counters_.dropped_payload_too_large.fetch_add(1, std::memory_order_relaxed); }
  void count_shutdown_timeout() { counters_.dropped_shutdown_timeout.fetch_add(1, std::memory_order_relaxed); }

 protected:
  ExportCounters counters_;
};

}  // namespace sigil::detail
