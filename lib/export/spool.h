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
//   format 'T': payload is one OTLP ExportTraceServiceRequest, as the OTLP
//           exporter posted it; id "spans:<count>:<first span id, hex>"
//   format 'M': payload is one OTLP ExportMetricsServiceRequest (a
//           cumulative snapshot); id "metrics:<service.instance.id>"
//   replay.lock                      flock: one replayer per directory
// A record of another format (a newer writer's), or an OTLP record in a
// client without that OTLP signal configured, is kept, not replayed.
// A writer holds flock(LOCK_EX) on its open segment, so a replayer skips
// segments of live writers and takes over those of crashed ones. A torn or
// corrupt tail (crash mid-append) ends a segment: every frame before it is
// kept. A record is removed only after the server accepted (or refused) it:
// a partly replayed segment is rewritten (temp file + rename) with the rest.
// Every file the spool creates is created exclusively (O_CREAT|O_EXCL; the
// rewrite under a fresh random name) and opened with O_NOFOLLOW, so a link
// placed under one of its names is never followed; a file it did not write
// (another user's, or not starting with the magic) is left in place.
//
// Write-ahead mode (SpoolConfig::write_ahead): every generation is appended
// (append_durable) before the recorder's end returns, and its segment stays
// locked by this process for as long as any of its records waits in memory
// for the server's answer. Answered records are acknowledged with frames of
// format 'A' (id only, no payload) appended to their segment, not synced:
// they only spare the replay duplicates. A segment whose records were all
// acknowledged is removed; one with records handed over to replay (retry
// budget exhausted, shutdown deadline) is closed once nothing of it waits in
// memory any more, and replay (ours or another process's) sends what no
// acknowledgement covers. A crashed writer's segments are unlocked by the
// kernel and replayed the same way.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/logger.h"
#include "base/status.h"

namespace sigil::detail {

enum class SpoolSync : uint32_t {
  kNone = 0,    // leave it to the kernel (survives a process crash, not a power loss)
  kBatch = 1,   // fdatasync after every append batch (default)
  kRecord = 2,  // fdatasync after every record
};

struct SpoolConfig {
  std::string dir;                                // empty: no spool
  uint64_t max_bytes = 256ull << 20;              // all segments together
  uint64_t max_age_ms = 7ull * 24 * 3600 * 1000;  // older records are dropped (spool_full) at replay
  SpoolSync sync = SpoolSync::kBatch;
  // A directory other users can write to (group/other-writable and not
  // sticky-and-ours) or that another user owns is refused at open, since
  // they could plant links or files under the spool's names; true uses it
  // anyway, after a warning (sigil_options_set_spool_allow_shared_dir).
  bool allow_shared_dir = false;
  // A writer starts a new segment past this. Replay holds one segment in
  // memory at a time, so this also bounds what replay adds to the process.
  uint64_t segment_bytes = 1ull << 20;
  // Every generation goes through the spool before end returns (see the top).
  bool write_ahead = false;
};

// The record format this version writes and replays (see the top comment).
constexpr char kSpoolGenerationProto = 'G';
// Write-ahead acknowledgement: the record with this id in the same segment
// was answered by the server and is not to be replayed.
constexpr char kSpoolAck = 'A';
// Telemetry the OTLP exporter gave up on (see export/otlp_exporter.h): one
// encoded OTLP/HTTP request per record, replayed as it is.
constexpr char kSpoolOtlpTraces = 'T';
constexpr char kSpoolOtlpMetrics = 'M';

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

// "seg-*.sgs": the names segments are written under.
bool is_segment_name(const char *name);
// Reads the whole file from its start, refusing (false) one that grows
// beyond max_bytes.
bool read_file(int fd, uint64_t size_hint, uint64_t max_bytes, std::string &out);

// What a spool directory holds, read without claiming anything (`sigil
// spool ls`, export/spool_inspect.cpp): a JSON object {"dir", "segments":
// [{"path", "bytes", "records": {"G", "T", "M", "A", "other"}, "pending"
// (records replay would send: G, T and M no acknowledgement covers),
// "torn", "in_use" (a live writer holds it), "oldest_unix_ms",
// "newest_unix_ms" (0 without records)}], "other_files": [names that are
// neither segments nor replay.lock, left alone], "totals": {"segments",
// "bytes", "records", "pending", "oldest_unix_ms", "newest_unix_ms"}}.
// Files named like a segment that do not start with the magic are listed
// in other_files. SIGIL_E_INVALID_ARGUMENT when the directory cannot be read.
Expected<std::string> inspect_spool_json(const std::string &dir);

// A segment claimed for replay (locked; the writer is gone).
struct SpoolSegment {
  std::string path;
  int fd = -1;
  std::vector<SpoolRecord> records;
  uint64_t file_bytes = 0;
  bool torn = false;  // a damaged tail was cut off
};

// Drops acknowledged records and the acknowledgements themselves from a
// claimed segment (write-ahead mode); returns how many records it dropped.
size_t drop_acknowledged(std::vector<SpoolRecord> &records);

// Writing (append, append_overflow, seal) is thread-safe; replay
// (try_lock_replay .. release) belongs to the export worker.
class Spool {
 public:
  using Clock = std::chrono::steady_clock;
  // kBatch on the overflow path: the group-commit window of the syncer.
  static constexpr std::chrono::milliseconds kOverflowSyncInterval{100};

  static Expected<std::unique_ptr<Spool>> open(const SpoolConfig &config, const Logger &logger);
  ~Spool();
  Spool(const Spool &) = delete;
  Spool &operator=(const Spool &) = delete;

  // Appends records in order until the byte budget (or a failed write)
  // stops; returns how many were written. Durable per the sync policy before
  // it returns (kBatch: one fdatasync for the call).
  size_t append(const std::vector<SpoolRecord> &records);
  // One record from a recording thread whose export queue is full: one
  // write() under the writer lock. kRecord: synced before it returns. kBatch:
  // group commit, so that an overload costs neither one fdatasync per record
  // nor any fdatasync on a recording thread: a syncer thread (started with
  // the first such record) syncs within kOverflowSyncInterval of a write.
  // kNone: never synced.
  bool append_overflow(const SpoolRecord &record);
  // Records nothing in memory waits for (the OTLP exporter's): appended for
  // replay in either mode (write-ahead: as handed over). Returns how many
  // were written, as append does.
  size_t append_for_replay(const std::vector<SpoolRecord> &records);
  // Write-ahead mode: appends one record and returns once it is written and,
  // with kBatch or kRecord, synced (group commit: one caller syncs for all
  // that wrote meanwhile, the others wait for it). `segment` names the
  // segment for acknowledge / hand_over. `for_replay`: nothing waits in
  // memory for it (the export queue was full); replay delivers it.
  // False when the budget or a failed write refused it.
  bool append_durable(const SpoolRecord &record, bool for_replay, uint64_t &segment);
  // Write-ahead mode: the server answered these records of `segment`
  // (accepted, already stored or refused): acknowledged, never replayed.
  void acknowledge(uint64_t segment, const std::vector<std::string> &ids);
  // Write-ahead mode: `count` records of `segment` will not be answered by
  // this process's live path: replay delivers them.
  void hand_over(uint64_t segment, size_t count);
  // Write-ahead segments this process still holds (for tests).
  size_t held_segments() const;
  // Group syncs done by append_durable so far (for tests and benchmarks).
  uint64_t group_syncs() const;
  // Closes the open segment (synced first when needed) so that replay may claim it.
  void seal();
  // Records written by this process so far; the replayer compares it before
  // and after a pass to know whether new records arrived meanwhile.
  uint64_t append_count() const { return appends_.load(std::memory_order_relaxed); }
  // Whether overflow writes still wait for the syncer (for tests).
  bool sync_owed() const { return unsynced_.load(std::memory_order_relaxed); }

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
  // (lock held) forgets the parent's open segment, replay lock and syncer.
  // Tests only: runs on the syncer thread while it holds the descriptor it
  // syncs through. Set before the first append.
  void set_sync_hook_for_testing(std::function<void()> hook) { sync_hook_ = std::move(hook); }

  void lock_for_fork() { mu_.lock(); }
  void unlock_after_fork() { mu_.unlock(); }
  void after_fork_in_child();

 private:
  Spool(SpoolConfig config, const Logger &logger) : config_(std::move(config)), logger_(logger) {}
  bool open_segment_locked();
  size_t append_locked(const SpoolRecord *records, size_t n);
  void seal_locked();
  void start_syncer_locked();
  void run_syncer();
  uint64_t scan_bytes() const;
  uint64_t largest_segment_bytes() const;
  void remove_stale_rewrites();  // with replay.lock held
  void refuse_once(const std::string &path, const std::string &why, const char *what = "not replaying ");

  // A write-ahead segment of this process: locked while open or while any
  // of its records waits in memory for an answer.
  struct WalSegment {
    int fd = -1;
    std::string path;
    uint64_t bytes = 0;      // its size, as written by us
    size_t outstanding = 0;  // records waiting in memory for the server's answer
    size_t handed = 0;       // records left to replay
    size_t acked = 0;
    size_t records = 0;
    bool open = true;  // still the segment appends go to (fd_)
  };
  void wal_settle_locked(uint64_t id);  // closes or removes a finished segment
  bool wal_write_locked(WalSegment &seg, const std::string &data);
  void wal_group_commit(std::unique_lock<std::mutex> &lock, uint64_t my_seq);

  SpoolConfig config_;
  Logger logger_;
  mutable std::mutex mu_;              // the writer state below (fd_ .. stop_syncer_)
  int fd_ = -1;                        // the open segment (flock held)
  std::string fd_path_;                // its path
  uint64_t fd_bytes_ = 0;              // its size
  uint64_t bytes_ = 0;                 // every segment in the directory, as last known
  std::atomic<bool> unsynced_{false};  // kBatch writes not yet synced
  std::atomic<uint64_t> appends_{0};
  std::condition_variable sync_cv_;  // wakes the syncer
  std::thread syncer_;
  bool syncer_started_ = false;
  bool stop_syncer_ = false;
  int replay_fd_ = -1;  // replay.lock while held (worker only)
  std::function<void()> sync_hook_;
  std::set<std::string> refused_;  // paths claim warned about (under mu_)
  // Write-ahead state (under mu_).
  std::map<uint64_t, WalSegment> wal_;
  uint64_t wal_open_ = 0;  // the id of the open segment in wal_ (0: none)
  uint64_t wal_next_id_ = 1;
  uint64_t write_seq_ = 0;                   // durable appends written
  uint64_t synced_seq_ = 0;                  // of those, synced
  bool committing_ = false;                  // a caller is syncing for the group
  std::vector<std::string> unsynced_paths_;  // segments written since the last group sync
  bool dir_unsynced_ = false;                // a segment was created since the last group sync
  uint64_t group_syncs_ = 0;
  std::condition_variable commit_cv_;
};

}  // namespace sigil::detail
