// The durable spool: generations that could not be delivered (retry budget
// exhausted, shutdown deadline) are written to append-only segment files in
// a private directory and replayed when the backend answers again, by this
// client or by the next process that opens the same directory.
//
// On disk (all files 0600 in a 0700 directory):
//   seg-<unix_ms>-<pid>-<rand>.sgs   "SIGILSP1" then frames
//   frame = u32le body_len, u32le crc32(body), body
//   body  = u8 format ('J' protojson Generation, 'P' ExportGenerationsRequest
//           with one generation), u64le written_unix_ms, u16le id_len, id,
//           payload
//   replay.lock                      flock: one replayer per directory
// A writer holds flock(LOCK_EX) on its open segment, so a replayer skips
// segments of live writers and takes over those of crashed ones. A torn or
// corrupt tail (crash mid-append) ends a segment: every frame before it is
// kept. A record is removed only after the server accepted (or refused) it:
// a partly replayed segment is rewritten (temp file + rename) with the rest.
#pragma once

#include <cstdint>
#include <memory>
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

struct SpoolRecord {
  char format = 'P';
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

class Spool {
 public:
  static Expected<std::unique_ptr<Spool>> open(const SpoolConfig &config, const Logger &logger);
  ~Spool();
  Spool(const Spool &) = delete;
  Spool &operator=(const Spool &) = delete;

  // Appends records in order until the byte budget refuses one; returns how
  // many were written (durably, per the sync policy). Worker thread only.
  size_t append(const std::vector<SpoolRecord> &records);
  // Closes the open segment so that replay may claim it.
  void seal();

  bool try_lock_replay();
  void unlock_replay();
  // Segment paths, oldest first.
  std::vector<std::string> segments() const;
  // Claims a segment whose writer is gone; false when it is still being written.
  bool claim(const std::string &path, SpoolSegment &out);
  // Keeps `remaining` (the segment is rewritten when it changed) or removes
  // the segment when nothing remains.
  void release(SpoolSegment &segment, const std::vector<SpoolRecord> &remaining);

  uint64_t bytes() const { return bytes_; }
  bool has_pending() const { return pending_; }
  void set_pending(bool p) { pending_ = p; }
  const SpoolConfig &config() const { return config_; }
  // In a forked child: forget the parent's open segment and lock.
  void after_fork_in_child();

 private:
  Spool(SpoolConfig config, const Logger &logger) : config_(std::move(config)), logger_(logger) {}
  bool open_segment();
  uint64_t scan_bytes() const;

  SpoolConfig config_;
  Logger logger_;
  int fd_ = -1;           // the open segment (flock held)
  uint64_t fd_bytes_ = 0;
  int replay_fd_ = -1;    // replay.lock while held
  uint64_t bytes_ = 0;    // every segment in the directory, as last known
  bool pending_ = false;  // records may be waiting
};

}  // namespace sigil::detail
