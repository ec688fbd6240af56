#include "export/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <system_error>

#include "base/random_ids.h"

namespace sigil::detail {

namespace {

constexpr size_t kFrameHeader = 8;
constexpr size_t kBodyFixed = 1 + 8 + 2;
constexpr uint32_t kMaxBody = 1u << 30;

const std::array<uint32_t, 256> &crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

void put_u16(std::string &out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u32(std::string &out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint8_t(p[i]);
  return v;
}

uint64_t now_unix_ms() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

bool write_all(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

}  // namespace

bool read_file(int fd, uint64_t size_hint, uint64_t max_bytes, std::string &out) {
  out.clear();
  out.reserve(size_t(std::min(size_hint, max_bytes)));  // no doubling on growth
  if (::lseek(fd, 0, SEEK_SET) < 0) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    if (out.size() + size_t(n) > max_bytes) return false;
    out.append(buf, size_t(n));
  }
}

bool is_segment_name(const char *name) {
  size_t n = std::strlen(name);
  return n > 8 && std::strncmp(name, "seg-", 4) == 0 && std::strcmp(name + n - 4, ".sgs") == 0;
}

uint32_t crc32(std::string_view data) {
  const auto &t = crc_table();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = t[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void append_spool_frame(std::string &out, const SpoolRecord &r) {
  std::string body;
  body.reserve(kBodyFixed + r.id.size() + r.payload.size());
  body.push_back(r.format);
  put_u64(body, r.written_unix_ms);
  uint16_t id_len = uint16_t(std::min<size_t>(r.id.size(), 0xffff));
  put_u16(body, id_len);
  body.append(r.id.data(), id_len);
  body.append(r.payload);
  put_u32(out, uint32_t(body.size()));
  put_u32(out, crc32(body));
  out.append(body);
}

size_t parse_spool_frames(std::string_view file, std::vector<SpoolRecord> &out) {
  if (file.size() < kSpoolFileMagic.size() || file.substr(0, kSpoolFileMagic.size()) != kSpoolFileMagic) return 0;
  size_t off = kSpoolFileMagic.size();
  while (file.size() - off >= kFrameHeader) {
    const char *h = file.data() + off;
    uint64_t len = get_le(h, 4);
    uint32_t crc = uint32_t(get_le(h + 4, 4));
    if (len < kBodyFixed || len > kMaxBody || len > file.size() - off - kFrameHeader) break;
    std::string_view body = file.substr(off + kFrameHeader, size_t(len));
    if (crc32(body) != crc) break;
    uint64_t id_len = get_le(body.data() + 9, 2);
    if (kBodyFixed + id_len > body.size()) break;
    SpoolRecord r;
    r.format = body[0];
    r.written_unix_ms = get_le(body.data() + 1, 8);
    r.id.assign(body.data() + kBodyFixed, size_t(id_len));
    r.payload.assign(body.substr(kBodyFixed + size_t(id_len)));
    out.push_back(std::move(r));
    off += kFrameHeader + size_t(len);
  }
  return off;
}

Expected<std::unique_ptr<Spool>> Spool::open(const SpoolConfig &config, const Logger &logger) {
  if (::mkdir(config.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status(SIGIL_E_INVALID_ARGUMENT,
                  "cannot create the spool directory " + config.dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(config.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(SIGIL_E_INVALID_ARGUMENT, "the spool path " + config.dir + " is not a directory");
  }
  // Another user who can write to the directory can plant links and files
  // under the spool's names (or read what it keeps): refused unless asked for.
  const bool ours = st.st_uid == ::geteuid();
  const bool sticky_and_ours = ours && (st.st_mode & S_ISVTX) != 0;
  std::string shared;
  if (!ours) {
    shared =
        "is owned by uid " + std::to_string(st.st_uid) + ", not by this process's uid " + std::to_string(::geteuid());
  } else if ((st.st_mode & 022) != 0 && !sticky_and_ours) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    shared = std::string("is writable by other users (mode ") + mode + ")";
  }
  if (!shared.empty()) {
    if (!config.allow_shared_dir) {
      return Status(SIGIL_E_INVALID_ARGUMENT,
                    "refusing the spool directory " + config.dir + ": it " + shared +
                        "; use a private directory, or allow a shared one with "
                        "sigil_options_set_spool_allow_shared_dir / SIGIL_SPOOL_ALLOW_SHARED_DIR=1");
    }
    logger.warn("spool: the directory " + config.dir + " " + shared +
                "; using it because a shared spool directory was allowed: other users can read the spooled "
                "generations and place files under the spool's names");
  } else if ((st.st_mode & 077) != 0 && !sticky_and_ours) {
    ::chmod(config.dir.c_str(), 0700);  // ours and not shared: keep the records private
  }
  std::unique_ptr<Spool> s(new Spool(config, logger));
  s->bytes_ = s->scan_bytes();
  return s;
}

Spool::~Spool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_syncer_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  {
    // Write-ahead: whatever still waits for an answer is left to the next
    // replay (the exporter has stopped: nothing more will be answered here).
    std::lock_guard<std::mutex> lock(mu_);
    seal_locked();
    std::vector<uint64_t> ids;
    for (auto &entry : wal_) {
      entry.second.handed += entry.second.outstanding;
      entry.second.outstanding = 0;
      ids.push_back(entry.first);
    }
    for (uint64_t id : ids) wal_settle_locked(id);
  }
  unlock_replay();
}

uint64_t Spool::scan_bytes() const {
  uint64_t total = 0;
  for (const std::string &p : segments()) {
    // Only what replay would read counts (see claim): a symlink, device or
    // oversized file under a segment's name must not fill the budget.
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && uint64_t(st.st_size) <= largest_segment_bytes()) {
      total += uint64_t(st.st_size);
    }
  }
  return total;
}

std::vector<std::string> Spool::segments() const {
  std::vector<std::string> out;
  DIR *d = ::opendir(config_.dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent *e = ::readdir(d)) {
    if (is_segment_name(e->d_name)) out.push_back(config_.dir + "/" + e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());  // names start with the creation time
  return out;
}

uint64_t Spool::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

bool Spool::open_segment_locked() {
  char name[96];
  std::snprintf(name, sizeof name, "/seg-%013llu-%d-%08llx.sgs", static_cast<unsigned long long>(now_unix_ms()),
                int(::getpid()), static_cast<unsigned long long>(random_u64() & 0xffffffffu));
  std::string path = config_.dir + name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    logger_.error("spool: cannot create " + path + ": " + std::strerror(errno));
    return false;
  }
  ::flock(fd, LOCK_EX);  // ours until sealed or this process dies
  if (!write_all(fd, std::string(kSpoolFileMagic))) {
    logger_.error("spool: cannot write " + path + ": " + std::strerror(errno));
    ::close(fd);
    ::unlink(path.c_str());
    return false;
  }
  fd_ = fd;
  fd_path_ = std::move(path);
  fd_bytes_ = kSpoolFileMagic.size();
  bytes_ += fd_bytes_;
  if (config_.write_ahead) {
    WalSegment seg;
    seg.fd = fd;
    seg.path = fd_path_;
    wal_open_ = wal_next_id_++;
    wal_.emplace(wal_open_, std::move(seg));
    dir_unsynced_ = true;  // the new name must survive a power loss too
  }
  return true;
}

size_t Spool::append_locked(const SpoolRecord *records, size_t n) {
  // Frames are gathered and written with one write() per segment (per record
  // with SpoolSync::kRecord).
  size_t written = 0;
  std::string buf;
  std::vector<size_t> frames;  // sizes of the frames in buf
  auto cut_back = [&] {
    if (::ftruncate(fd_, off_t(fd_bytes_)) != 0) {  // the reader stops at the torn frame anyway
      logger_.error(std::string("spool: cannot cut a failed write back: ") + std::strerror(errno));
    }
  };
  auto commit = [&](size_t bytes, size_t count) {
    fd_bytes_ += bytes;
    bytes_ += bytes;
    written += count;
    if (config_.sync == SpoolSync::kBatch && !config_.write_ahead) unsynced_.store(true, std::memory_order_relaxed);
  };
  // A failed write (disk full, RLIMIT_FSIZE, I/O error) is cut back off the
  // file, so that no record counted as not spooled is replayed later; its
  // frames are retried one at a time so that what fits is kept; then the
  // segment is sealed and the next append starts a new one.
  auto write_buffer = [&]() -> bool {
    if (buf.empty()) return true;
    bool ok = write_all(fd_, buf);
    if (ok) {
      commit(buf.size(), frames.size());
    } else {
      int err = errno;
      cut_back();
      size_t kept = 0, off = 0;
      for (size_t i = 0; frames.size() > 1 && i < frames.size(); ++i) {
        if (!write_all(fd_, std::string_view(buf).substr(off, frames[i]))) {
          err = errno;
          cut_back();
          break;
        }
        commit(frames[i], 1);
        off += frames[i];
        ++kept;
      }
      logger_.error("spool: write failed, " + std::to_string(frames.size() - kept) +
                    " records not spooled: " + std::strerror(err));
      seal_locked();
    }
    buf.clear();
    frames.clear();
    return ok;
  };
  for (size_t i = 0; i < n; ++i) {
    std::string frame;
    append_spool_frame(frame, records[i]);
    if (bytes_ + buf.size() + frame.size() > config_.max_bytes) break;
    if (fd_ >= 0 && fd_bytes_ + buf.size() + frame.size() > config_.segment_bytes &&
        fd_bytes_ + buf.size() > kSpoolFileMagic.size()) {
      if (!write_buffer()) break;
      seal_locked();
    }
    if (fd_ < 0 && !open_segment_locked()) break;
    buf.append(frame);
    frames.push_back(frame.size());
    if (config_.sync == SpoolSync::kRecord && !config_.write_ahead) {  // write-ahead: group commit
      if (!write_buffer()) break;
      ::fdatasync(fd_);
    }
  }
  if (fd_ >= 0) write_buffer();
  // Write-ahead records count when they are left to replay (hand_over).
  if (!config_.write_ahead) appends_.fetch_add(written, std::memory_order_relaxed);
  return written;
}

size_t Spool::append(const std::vector<SpoolRecord> &records) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t written = append_locked(records.data(), records.size());
  if (written > 0 && config_.sync == SpoolSync::kBatch && fd_ >= 0) {
    ::fdatasync(fd_);  // also covers overflow writes before it
    unsynced_.store(false, std::memory_order_relaxed);
  }
  return written;
}

bool Spool::append_overflow(const SpoolRecord &record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (append_locked(&record, 1) == 0) return false;
  if (config_.sync == SpoolSync::kBatch) {
    start_syncer_locked();
    sync_cv_.notify_one();
  }
  return true;
}

size_t Spool::append_for_replay(const std::vector<SpoolRecord> &records) {
  if (!config_.write_ahead) return append(records);
  size_t written = 0;
  for (const SpoolRecord &r : records) {
    uint64_t segment = 0;
    if (!append_durable(r, true, segment)) break;
    ++written;
  }
  return written;
}

void Spool::start_syncer_locked() {
  if (syncer_started_) return;
  try {
    syncer_ = std::thread([this] { run_syncer(); });
    syncer_started_ = true;
  } catch (const std::system_error &e) {  // no thread: sync on this one, as kRecord would
    logger_.warn(std::string("spool: cannot start the sync thread (") + e.what() + "); syncing each overflow write");
    if (fd_ >= 0) ::fdatasync(fd_);
    unsynced_.store(false, std::memory_order_relaxed);
  }
}

void Spool::run_syncer() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stop_syncer_ || unsynced_.load(std::memory_order_relaxed); });
    if (stop_syncer_) return;  // the destructor's seal syncs what is left
    // Group commit: let the writes of one interval gather, then sync them
    // all, on a duplicate of the descriptor so that writers go on meanwhile.
    sync_cv_.wait_for(lock, kOverflowSyncInterval, [&] { return stop_syncer_; });
    if (stop_syncer_) return;
    if (fd_ < 0 || !unsynced_.exchange(false, std::memory_order_relaxed)) continue;
    // Sync through a descriptor of our own, opened anew, so that writers go on
    // meanwhile. Not a dup of fd_: a dup shares fd_'s flock, which would then
    // outlive a seal() that closes fd_ during the sync, and the replay would
    // take the just-sealed segment for another live writer's and skip it
    // until its next rescan. fdatasync flushes the file whichever descriptor wrote it.
    const std::string path = fd_path_;
    lock.unlock();
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {  // gone: sealed, replayed and removed meanwhile
      if (sync_hook_) sync_hook_();
      ::fdatasync(fd);  // writes after the exchange above set unsynced_ again
      ::close(fd);
    }
    lock.lock();
  }
}

void Spool::seal() {
  std::lock_guard<std::mutex> lock(mu_);
  // Write-ahead: a segment with nothing for replay stays open (sealing it
  // would only make the replay pass start segment after segment).
  if (config_.write_ahead && wal_open_ != 0 && wal_.at(wal_open_).handed == 0) return;
  seal_locked();
}

void Spool::seal_locked() {
  if (fd_ < 0) return;
  if (config_.write_ahead && wal_open_ != 0) {  // the segment stays ours until its records are answered
    const uint64_t id = wal_open_;
    wal_.at(id).open = false;
    wal_open_ = 0;
    fd_ = -1;
    fd_path_.clear();
    fd_bytes_ = 0;
    wal_settle_locked(id);
    return;
  }
  if (unsynced_.exchange(false, std::memory_order_relaxed)) ::fdatasync(fd_);
  ::close(fd_);  // releases the flock
  fd_ = -1;
  fd_path_.clear();
  fd_bytes_ = 0;
}

bool Spool::try_lock_replay() {
  if (replay_fd_ >= 0) return true;
  // Created exclusively the first time, opened (never created) afterwards,
  // and never through a link: a dangling replay.lock link must not make us
  // create its target.
  std::string path = config_.dir + "/replay.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) refuse_once(path, "is a symbolic link", "not replaying the spool: ");
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    refuse_once(path, "is not a regular file", "not replaying the spool: ");
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  replay_fd_ = fd;
  remove_stale_rewrites();
  return true;
}

void Spool::remove_stale_rewrites() {
  // Only the holder of replay.lock rewrites segments, so a rewrite's
  // temporary file present now was left by a replayer that died before its
  // rename. Ours and regular only: anything else is left where it is.
  DIR *d = ::opendir(config_.dir.c_str());
  if (d == nullptr) return;
  const int dfd = ::dirfd(d);
  while (struct dirent *e = ::readdir(d)) {
    const char *name = e->d_name;
    const char *tmp = std::strstr(name, ".sgs.tmp");
    if (std::strncmp(name, "seg-", 4) != 0 || tmp == nullptr) continue;
    if (tmp[8] != '\0' && tmp[8] != '-') continue;  // <segment>.tmp (older versions) or <segment>.tmp-<hex>
    struct stat st {};
    if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
      continue;
    }
    ::unlinkat(dfd, name, 0);
  }
  ::closedir(d);
}

uint64_t Spool::largest_segment_bytes() const {
  // A segment holds at most the whole budget (one record may exceed
  // segment_bytes, never max_bytes), after the magic.
  return std::max(config_.max_bytes, config_.segment_bytes) + kSpoolFileMagic.size();
}

void Spool::refuse_once(const std::string &path, const std::string &why, const char *what) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!refused_.insert(path).second) return;
  }
  logger_.warn(std::string("spool: ") + what + path + ": it " + why + "; left in place");
}

void Spool::unlock_replay() {
  if (replay_fd_ < 0) return;
  ::close(replay_fd_);
  replay_fd_ = -1;
}

bool Spool::claim(const std::string &path, SpoolSegment &out) {
  // Whatever else sits in the directory under a segment's name is left
  // alone, with one warning: a symlink (not followed), a device or FIFO, a
  // file larger than any segment this spool writes (sparse, or another
  // configuration's), which replay would otherwise read into memory.
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) refuse_once(path, "is a symbolic link");
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    refuse_once(path, "is not a regular file");
    return false;
  }
  const uint64_t largest = largest_segment_bytes();
  if (uint64_t(st.st_size) > largest) {
    ::close(fd);
    refuse_once(path, "holds " + std::to_string(st.st_size) + " bytes, more than this spool's budget (" +
                          std::to_string(config_.max_bytes) + ")");
    return false;
  }
  if (st.st_uid != ::geteuid()) {  // another user's: never read, rewritten or removed
    ::close(fd);
    refuse_once(path, "belongs to uid " + std::to_string(st.st_uid));
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a live writer
    ::close(fd);
    return false;
  }
  std::string data;
  if (!read_file(fd, uint64_t(st.st_size), largest, data)) {
    ::close(fd);
    return false;
  }
  // Every segment starts with the magic (a crash between create and the
  // first write leaves a prefix of it, or nothing). Anything else is not
  // ours to parse: it would read as a segment whose tail is all damage, and
  // its rewrite would delete it.
  const size_t head = std::min(data.size(), kSpoolFileMagic.size());
  if (std::string_view(data).substr(0, head) != kSpoolFileMagic.substr(0, head)) {
    ::close(fd);
    refuse_once(path, "is not a spool segment (no spool magic)");
    return false;
  }
  out = SpoolSegment();
  out.path = path;
  out.fd = fd;
  out.file_bytes = data.size();
  size_t valid = parse_spool_frames(data, out.records);
  out.torn = valid != data.size();
  std::string().swap(data);  // only the parsed records stay in memory
  if (out.torn) {
    logger_.warn("spool: " + path + " has a damaged tail (" + std::to_string(out.file_bytes - valid) +
                 " bytes after the last good record); keeping " + std::to_string(out.records.size()) + " records");
  }
  return true;
}

void Spool::release(SpoolSegment &seg, const std::vector<SpoolRecord> &remaining) {
  if (seg.fd < 0) return;
  uint64_t kept = 0;  // bytes of this segment still on disk afterwards
  if (remaining.empty()) {
    ::unlink(seg.path.c_str());
  } else if (remaining.size() != seg.records.size() || seg.torn) {
    // Rewrite what is left, atomically; the old file stays until the rename.
    std::string data(kSpoolFileMagic);
    for (const SpoolRecord &r : remaining) append_spool_frame(data, r);
    // A fresh name, created exclusively and never through a link: a file or
    // link already there (planted, or left by a crash) is not touched.
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".tmp-%016llx", static_cast<unsigned long long>(random_u64()));
    std::string tmp = seg.path + suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, data) && (config_.sync == SpoolSync::kNone || ::fdatasync(fd) == 0);
    if (fd >= 0) ::close(fd);
    if (ok && ::rename(tmp.c_str(), seg.path.c_str()) == 0) {
      kept = data.size();
    } else {
      if (fd >= 0) ::unlink(tmp.c_str());  // only what we created
      kept = seg.file_bytes;
    }
  } else {
    kept = seg.file_bytes;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ -= std::min(bytes_, seg.file_bytes);
    bytes_ += kept;
  }
  ::close(seg.fd);
  seg.fd = -1;
}

bool Spool::append_durable(const SpoolRecord &record, bool for_replay, uint64_t &segment) {
  std::unique_lock<std::mutex> lock(mu_);
  if (append_locked(&record, 1) == 0) return false;
  segment = wal_open_;  // a successful append leaves its segment open
  WalSegment &seg = wal_.at(segment);
  ++seg.records;
  if (for_replay) {
    ++seg.handed;
    appends_.fetch_add(1, std::memory_order_relaxed);
  } else {
    ++seg.outstanding;
  }
  if (config_.sync == SpoolSync::kNone) return true;  // in the page cache: survives a crash of the process
  if (unsynced_paths_.empty() || unsynced_paths_.back() != seg.path) unsynced_paths_.push_back(seg.path);
  wal_group_commit(lock, ++write_seq_);
  return true;
}

void Spool::wal_group_commit(std::unique_lock<std::mutex> &lock, uint64_t my_seq) {
  // The first waiter syncs everything written so far, outside the lock;
  // writers that come meanwhile wait and are covered by the next sync, which
  // one of them leads. One fdatasync per group, however many threads wait.
  while (synced_seq_ < my_seq) {
    if (committing_) {
      commit_cv_.wait(lock);
      continue;
    }
    committing_ = true;
    const uint64_t target = write_seq_;
    std::vector<std::string> paths;
    paths.swap(unsynced_paths_);
    const bool dir = dir_unsynced_;
    dir_unsynced_ = false;
    lock.unlock();
    // A descriptor of our own per file (see run_syncer for why not a dup).
    for (const std::string &path : paths) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;  // replayed and removed meanwhile
      if (sync_hook_) sync_hook_();
      ::fdatasync(fd);
      ::close(fd);
    }
    if (dir) {
      const int dfd = ::open(config_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
    lock.lock();
    synced_seq_ = std::max(synced_seq_, target);
    ++group_syncs_;
    committing_ = false;
    commit_cv_.notify_all();
  }
}

bool Spool::wal_write_locked(WalSegment &seg, const std::string &data) {
  if (!write_all(seg.fd, data)) return false;
  seg.bytes += data.size();
  bytes_ += data.size();
  if (seg.open) fd_bytes_ += data.size();
  return true;
}

void Spool::acknowledge(uint64_t segment, const std::vector<std::string> &ids) {
  if (ids.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = wal_.find(segment);
  if (it == wal_.end()) return;
  WalSegment &seg = it->second;
  std::string data;
  SpoolRecord ack;
  ack.format = kSpoolAck;
  ack.written_unix_ms = now_unix_ms();
  for (const std::string &id : ids) {
    ack.id = id;
    append_spool_frame(data, ack);
  }
  // Not synced: a lost acknowledgement only costs a duplicate at replay.
  if (!wal_write_locked(seg, data)) {
    logger_.debug(std::string("spool: cannot write acknowledgements to ") + seg.path + ": " + std::strerror(errno));
  }
  seg.acked += ids.size();
  seg.outstanding -= std::min(seg.outstanding, ids.size());
  wal_settle_locked(segment);
}

void Spool::hand_over(uint64_t segment, size_t count) {
  if (count == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = wal_.find(segment);
  if (it == wal_.end()) return;
  it->second.handed += count;
  it->second.outstanding -= std::min(it->second.outstanding, count);
  appends_.fetch_add(count, std::memory_order_relaxed);
  wal_settle_locked(segment);
}

void Spool::wal_settle_locked(uint64_t id) {
  auto it = wal_.find(id);
  if (it == wal_.end()) return;
  WalSegment &seg = it->second;
  if (seg.open || seg.outstanding > 0) return;
  if (seg.handed == 0 && seg.acked >= seg.records) {
    // Every record answered: nothing to replay. Removed while still locked,
    // so no replayer can have claimed it meanwhile.
    struct stat st {};
    const uint64_t size = ::fstat(seg.fd, &st) == 0 ? uint64_t(st.st_size) : 0;
    ::unlink(seg.path.c_str());
    bytes_ -= std::min(bytes_, size);
  } else {
    appends_.fetch_add(1, std::memory_order_relaxed);  // claimable now: tell the replay schedule
  }
  ::close(seg.fd);  // releases the flock
  wal_.erase(it);
}

size_t Spool::held_segments() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wal_.size();
}

uint64_t Spool::group_syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return group_syncs_;
}

size_t drop_acknowledged(std::vector<SpoolRecord> &records) {
  std::set<std::string> acked;
  for (const SpoolRecord &r : records) {
    if (r.format == kSpoolAck) acked.insert(r.id);
  }
  if (acked.empty()) return 0;
  const size_t before = records.size();
  records.erase(std::remove_if(records.begin(), records.end(),
                               [&](const SpoolRecord &r) { return r.format == kSpoolAck || acked.count(r.id) > 0; }),
                records.end());
  return before - records.size();
}

void Spool::after_fork_in_child() {
  // The descriptors are shared with the parent (and so are their flocks):
  // closing our copies leaves the parent's locks in place.
  if (fd_ >= 0 && !config_.write_ahead) ::close(fd_);
  for (auto &entry : wal_) ::close(entry.second.fd);  // fd_ among them in write-ahead mode
  wal_.clear();
  wal_open_ = 0;
  unsynced_paths_.clear();
  write_seq_ = synced_seq_ = 0;
  committing_ = false;
  dir_unsynced_ = false;
  new (&commit_cv_) std::condition_variable();
  if (replay_fd_ >= 0) ::close(replay_fd_);
  fd_ = replay_fd_ = -1;
  fd_path_.clear();
  fd_bytes_ = 0;
  unsynced_.store(false);
  appends_.store(0);
  // The syncer stayed in the parent: forget it (never join it) and start
  // afresh on first use; its condition variable may hold parent state.
  new (&syncer_) std::thread();
  new (&sync_cv_) std::condition_variable();
  syncer_started_ = false;
}

}  // namespace sigil::detail
