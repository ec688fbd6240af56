// Reading a spool directory for people (inspect_spool_json, `sigil spool
// ls`): it claims nothing and writes nothing, so it can run beside a live
// client or replayer.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/json_writer.h"
#include "export/spool.h"

namespace sigil::detail {

namespace {

struct SegmentView {
  std::string name;
  uint64_t bytes = 0;
  uint64_t g = 0, t = 0, m = 0, a = 0, other = 0, pending = 0;
  bool torn = false, in_use = false;
  uint64_t oldest = 0, newest = 0;
};

// A live writer holds LOCK_EX on its segment; a shared lock taken and
// released at once tells whether one does, without ever waiting.
bool held_by_writer(int fd) {
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd, LOCK_UN);
  return false;
}

// False when the file is not a segment (no magic) or cannot be read.
bool read_segment(const std::string &path, SegmentView &view) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::string data;
  const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                  read_file(fd, uint64_t(st.st_size), uint64_t(1) << 32, data) &&
                  data.compare(0, kSpoolFileMagic.size(), kSpoolFileMagic) == 0;
  if (ok) view.in_use = held_by_writer(fd);
  ::close(fd);
  if (!ok) return false;
  view.bytes = data.size();
  std::vector<SpoolRecord> records;
  view.torn = parse_spool_frames(data, records) < data.size();
  for (const SpoolRecord &r : records) {
    switch (r.format) {
      case kSpoolGenerationProto:
        ++view.g;
        break;
      case kSpoolOtlpTraces:
        ++view.t;
        break;
      case kSpoolOtlpMetrics:
        ++view.m;
        break;
      case kSpoolAck:
        ++view.a;
        break;
      default:
        ++view.other;
        break;
    }
    if (r.format == kSpoolAck) continue;
    if (view.oldest == 0 || r.written_unix_ms < view.oldest) view.oldest = r.written_unix_ms;
    view.newest = std::max(view.newest, r.written_unix_ms);
  }
  drop_acknowledged(records);
  for (const SpoolRecord &r : records) {
    if (r.format == kSpoolGenerationProto || r.format == kSpoolOtlpTraces || r.format == kSpoolOtlpMetrics)
      ++view.pending;
  }
  return true;
}

}  // namespace

Expected<std::string> inspect_spool_json(const std::string &dir) {
  DIR *d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return Status(SIGIL_E_INVALID_ARGUMENT, "cannot read the spool directory \"" + dir + "\": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  while (struct dirent *e = ::readdir(d)) {
    // replay.lock is the spool's own (one replayer per directory), not a file it leaves alone.
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0 &&
        std::strcmp(e->d_name, "replay.lock") != 0)
      names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());  // segment names start with their creation time

  std::vector<SegmentView> segments;
  std::vector<std::string> others;
  for (const std::string &name : names) {
    SegmentView view;
    view.name = name;
    if (is_segment_name(name.c_str()) && read_segment(dir + "/" + name, view)) {
      segments.push_back(std::move(view));
    } else {
      others.push_back(name);
    }
  }

  std::string out;
  JsonObjectWriter w(out);
  w.string("dir", dir);
  w.key("segments");
  out.push_back('[');
  SegmentView total;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentView &s = segments[i];
    if (i > 0) out.push_back(',');
    JsonObjectWriter o(out);
    o.string("path", dir + "/" + s.name);
    o.number("bytes", s.bytes);
    o.key("records");
    {
      JsonObjectWriter r(out);
      r.number("G", s.g);
      r.number("T", s.t);
      r.number("M", s.m);
      r.number("A", s.a);
      r.number("other", s.other);
      r.end();
    }
    o.number("pending", s.pending);
    o.boolean("torn", s.torn);
    o.boolean("in_use", s.in_use);
    o.number("oldest_unix_ms", s.oldest);
    o.number("newest_unix_ms", s.newest);
    o.end();
    total.bytes += s.bytes;
    total.g += s.g + s.t + s.m + s.other;
    total.pending += s.pending;
    if (s.oldest != 0 && (total.oldest == 0 || s.oldest < total.oldest)) total.oldest = s.oldest;
    total.newest = std::max(total.newest, s.newest);
  }
  out.push_back(']');
  w.key("other_files");
  out.push_back('[');
  for (size_t i = 0; i < others.size(); ++i) {
    if (i > 0) out.push_back(',');
    json_append_string(out, others[i]);
  }
  out.push_back(']');
  w.key("totals");
  {
    JsonObjectWriter t(out);
    t.number("segments", segments.size());
    t.number("bytes", total.bytes);
    t.number("records", total.g);
    t.number("pending", total.pending);
    t.number("oldest_unix_ms", total.oldest);
    t.number("newest_unix_ms", total.newest);
    t.end();
  }
  w.end();
  return out;
}

}  // namespace sigil::detail
