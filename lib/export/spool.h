// The durable spool: generations that could not be delivered (retry budget
// exhausted, shutdown deadline, export queue full) are written to
// append-only segment files in a private directory and replayed when the
// backend answers again, by this client or by the next process that opens
// the same directory, over either transport.
//
// On disk (all files 0600 in a 0700 directory):
//   seg-<unix_ms>-<pid>-<rand>.sgs   "SIGILSP1" then frames
//   frame = u32le body_len, u32le crc32(body), body
//   body  = u8 format, u64le written_unix_ms, u16le id_len, id, payload
//   format 'G': payload is one sigil.v1 Generation, protobuf-encoded (the
//           canonical form, independent of the transport that will send it)
//   replay.lock                      flock: one replayer per directory
// A record of another format (a newer writer's) is kept, not replayed.
// A writer holds flock(LOCK_EX) on its open segment, so a replayer skips
// segments of live writers and takes over those of crashed ones. A torn or
// corrupt tail (crash mid-append) ends a segment: every frame before it is
// kept. A record is removed only after the server accepted (or refused) it:
// a partly replayed segment is rewritten (temp file + rename) with the rest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/logger.h"
#include "core/status.h"

namespace sigil::detail {

enum class SpoolSync : uint32_t {
  kNone = 0,    // leave it to the kernel (survives a process crash, not a power loss)
  kBatch = 1,   // fdatasync after every append batch (default)
  kRecord = 2,  // fdatasync after every record
};

struct SpoolConfig {
  std::string dir;                           // empty: no spool
  uint64_t max_bytes = 256ull << 20;         // all segments together
  uint64_t max_age_ms = 7ull * 24 * 3600 * 1000;  // older records are dropped (spool_full) at replay
  SpoolSync sync = SpoolSync::kBatch;
  uint64_t segment_bytes = 4ull << 20;       // a writer starts a new segment past this
};

// The record format this version writes and replays (see the top comment).
constexpr char kSpoolGenerationProto = 'G';

struct SpoolRecord {
  char format = kSpoolGenerationProto;
  uint64_t written_unix_ms = 0;
  std::string id;
  std::string payload;
};

// Framing (exposed for tests and the fuzzer).
constexpr std::string_view kSpoolFileMagic = "SIGILSP1";
uint32_t crc32(std::string_view data);
void append_spool_frame(std::string &out, const SpoolRecord &record);
// Parses frames after the file magic; stops at the first torn or corrupt
// frame. Returns the byte length of the valid prefix (magic included).
size_t parse_spool_frames(std::string_view file, std::vector<SpoolRecord> &out);

// A segment claimed for replay (locked; the writer is gone).
struct SpoolSegment {
  std::string path;
  int fd = -1;
  std::vector<SpoolRecord> records;
  uint64_t file_bytes = 0;
  bool torn = false;  // a damaged tail was cut off
};

// Writing (append, append_overflow, sync_pending, seal) is thread-safe;
// replay (try_lock_replay .. release) belongs to the export worker.
class Spool {
 public:
  using Clock = std::chrono::steady_clock;
  // kBatch on the overflow path: at most one fdatasync per this interval.
  static constexpr std::chrono::milliseconds kOverflowSyncInterval{100};

  static Expected<std::unique_ptr<Spool>> open(const SpoolConfig &config, const Logger &logger);
  ~Spool();
  Spool(const Spool &) = delete;
  Spool &operator=(const Spool &) = delete;

  // Appends records in order until the byte budget (or a failed write)
  // stops; returns how many were written. Durable per the sync policy before
  // it returns (kBatch: one fdatasync for the call).
  size_t append(const std::vector<SpoolRecord> &records);
  // One record from a recording thread whose export queue is full. kRecord:
  // synced before it returns. kBatch: group commit, so that an overload does
  // not cost one fdatasync per record: this call syncs when the last sync is
  // older than kOverflowSyncInterval, otherwise a later append or
  // sync_pending() (the export worker's, after each batch) does. The sync
  // runs on a dup of the descriptor, outside the writer lock.
  bool append_overflow(const SpoolRecord &record);
  // Syncs writes that are not yet synced (kBatch); false when there were
  // none or another thread's sync is under way.
  bool sync_pending();
  bool sync_owed() const { return unsynced_.load(std::memory_order_relaxed); }
  // Closes the open segment (synced first when needed) so that replay may claim it.
  void seal();
  // Records written by this process so far; the replayer compares it before
  // and after a pass to know whether new records arrived meanwhile.
  uint64_t append_count() const { return appends_.load(std::memory_order_relaxed); }

  bool try_lock_replay();
  void unlock_replay();
  // Segment paths, oldest first.
  std::vector<std::string> segments() const;
  // Claims a segment whose writer is gone; false when it is still being written.
  bool claim(const std::string &path, SpoolSegment &out);
  // Keeps `remaining` (the segment is rewritten when it changed) or removes
  // the segment when nothing remains.
  void release(SpoolSegment &segment, const std::vector<SpoolRecord> &remaining);

  uint64_t bytes() const;
  const SpoolConfig &config() const { return config_; }
  // fork(): the writer lock is held across it (lock_for_fork, then
  // unlock_after_fork in both processes); in the child, after_fork_in_child
  // (lock held) forgets the parent's open segment and replay lock.
  void lock_for_fork() { mu_.lock(); }
  void unlock_after_fork() { mu_.unlock(); }
  void after_fork_in_child();

 private:
  Spool(SpoolConfig config, const Logger &logger) : config_(std::move(config)), logger_(logger) {}
  bool open_segment_locked();
  size_t append_locked(const SpoolRecord *records, size_t n);
  void seal_locked();
  int begin_sync_locked();  // a dup of the open segment to fdatasync, or -1
  void end_sync(int fd);
  uint64_t scan_bytes() const;

  SpoolConfig config_;
  Logger logger_;
  mutable std::mutex mu_;  // the writer state below (fd_ .. last_sync_)
  int fd_ = -1;            // the open segment (flock held)
  uint64_t fd_bytes_ = 0;  // its size
  uint64_t bytes_ = 0;     // every segment in the directory, as last known
  Clock::time_point last_sync_{};
  std::atomic<bool> unsynced_{false};  // kBatch overflow writes not yet synced
  std::atomic<bool> syncing_{false};   // a sync runs outside the lock
  std::atomic<uint64_t> appends_{0};
  int replay_fd_ = -1;  // replay.lock while held (worker only)
};

}  // namespace sigil::detail
