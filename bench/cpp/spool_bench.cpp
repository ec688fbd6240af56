// Spool storage benchmark: append-only segment files (length + CRC32
// framing, export/spool.h) against SQLite in WAL mode, for the three
// durability policies. Records of `size` bytes, appended in batches of
// `batch` (one spooled export batch), then read back once.
//
//   (built when libsqlite3-dev is installed)
//   cmake --build build --target spool_bench && build/bench/spool_bench /tmp/spool-bench 5000 2048 100
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "export/spool.h"

using namespace sigil::detail;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

static void bench_segments(const std::string &dir, SpoolSync sync, const char *name, int n, size_t size, int batch) {
  std::system(("rm -rf '" + dir + "'").c_str());
  SpoolConfig c;
  c.dir = dir;
  c.sync = sync;
  c.max_bytes = 1ull << 40;
  auto s = std::move(Spool::open(c, Logger()).value());
  std::vector<SpoolRecord> recs(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) {
    recs[size_t(i)].id = "gen_" + std::to_string(i);
    recs[size_t(i)].payload.assign(size, 'x');
  }
  auto t0 = Clock::now();
  for (int done = 0; done < n; done += batch) s->append(recs);
  double w = secs(t0);
  s->seal();
  t0 = Clock::now();
  size_t read = 0;
  for (const std::string &p : s->segments()) {
    SpoolSegment seg;
    if (s->claim(p, seg)) read += seg.records.size();
    s->release(seg, seg.records);
  }
  double r = secs(t0);
  std::printf("segments  %-7s write %8.0f rec/s (%6.1f MB/s)  read %9.0f rec/s  [%zu read]\n", name, n / w,
              n * double(size) / w / 1e6, double(read) / r, read);
}

static void bench_sqlite(const std::string &dir, int sync_level, const char *name, int n, size_t size, int batch) {
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  sqlite3 *db = nullptr;
  sqlite3_open((dir + "/spool.db").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  const char *syncs[] = {"PRAGMA synchronous=OFF", "PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL"};
  sqlite3_exec(db, syncs[sync_level], nullptr, nullptr, nullptr);
  sqlite3_exec(db, "CREATE TABLE r(seq INTEGER PRIMARY KEY, id TEXT, written INTEGER, fmt INTEGER, payload BLOB)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt *ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO r(id, written, fmt, payload) VALUES(?,?,?,?)", -1, &ins, nullptr);
  std::string payload(size, 'x');
  auto t0 = Clock::now();
  for (int done = 0; done < n; done += batch) {
    // per-record durability = one transaction per record
    if (sync_level != 2) sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < batch; ++i) {
      std::string id = "gen_" + std::to_string(i);
      sqlite3_bind_text(ins, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 2, 1700000000000);
      sqlite3_bind_int(ins, 3, 'J');
      sqlite3_bind_blob(ins, 4, payload.data(), int(payload.size()), SQLITE_STATIC);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    if (sync_level != 2) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double w = secs(t0);
  sqlite3_finalize(ins);
  sqlite3_stmt *sel = nullptr;
  sqlite3_prepare_v2(db, "SELECT seq, id, written, fmt, payload FROM r ORDER BY seq", -1, &sel, nullptr);
  t0 = Clock::now();
  size_t read = 0, bytes = 0;
  while (sqlite3_step(sel) == SQLITE_ROW) {
    ++read;
    bytes += size_t(sqlite3_column_bytes(sel, 4));
  }
  double r = secs(t0);
  sqlite3_finalize(sel);
  sqlite3_close(db);
  std::printf("sqlite    %-7s write %8.0f rec/s (%6.1f MB/s)  read %9.0f rec/s  [%zu read]\n", name, n / w,
              n * double(size) / w / 1e6, double(read) / r, read);
}

int main(int argc, char **argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/spool-bench";
  int n = argc > 2 ? std::atoi(argv[2]) : 5000;
  size_t size = argc > 3 ? size_t(std::atoi(argv[3])) : 2048;
  int batch = argc > 4 ? std::atoi(argv[4]) : 100;
  std::printf("%d records of %zu bytes, batches of %d, in %s\n", n, size, batch, dir.c_str());
  bench_segments(dir, SpoolSync::kNone, "none", n, size, batch);
  bench_segments(dir, SpoolSync::kBatch, "batch", n, size, batch);
  bench_sqlite(dir, 0, "none", n, size, batch);
  bench_sqlite(dir, 1, "batch", n, size, batch);
  int small = n / 10;  // per-record sync is slow: fewer records
  bench_segments(dir, SpoolSync::kRecord, "record", small, size, batch);
  bench_sqlite(dir, 2, "record", small, size, batch);
  std::system(("rm -rf '" + dir + "'").c_str());
}
