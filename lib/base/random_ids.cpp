#include "base/random_ids.h"

#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace sigil::detail {

namespace {

// Bumped in every forked child, so per-thread generators re-seed there and
// parent and child never share ids (without a getpid() syscall per id).
std::atomic<uint32_t> fork_epoch{1};

void register_fork_handler() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] { fork_epoch.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)registered;
}

struct Xoshiro256 {
  uint64_t s[4];
  uint32_t epoch = 0;

  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  void seed() {
    register_fork_handler();
    epoch = fork_epoch.load(std::memory_order_relaxed);
    pid_t pid = getpid();
    if (getrandom(s, sizeof s, 0) != static_cast<ssize_t>(sizeof s)) {
      uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      uint64_t x = t ^ (static_cast<uint64_t>(pid) << 32) ^ reinterpret_cast<uintptr_t>(this);
      for (auto &w : s) {  // splitmix64
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        w = z ^ (z >> 31);
      }
    }
  }

  uint64_t next() {
    if (epoch != fork_epoch.load(std::memory_order_relaxed)) seed();
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

thread_local Xoshiro256 tls_rng;

void append_hex(std::string &out, uint64_t v, int digits) {  // digits <= 16
  static const char hex[] = "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i, v >>= 4) buf[i] = hex[v & 0xF];
  out.append(buf, size_t(digits));
}

}  // namespace

uint64_t random_u64() { return tls_rng.next(); }  // epoch 0 never matches: seeds on first use

std::string new_trace_id() {
  std::string out;
  out.reserve(32);
  uint64_t hi, lo;
  do {
    hi = random_u64();
    lo = random_u64();
  } while (hi == 0 && lo == 0);
  append_hex(out, hi, 16);
  append_hex(out, lo, 16);
  return out;
}

std::string new_span_id() {
  std::string out;
  out.reserve(16);
  uint64_t v;
  do {
    v = random_u64();
  } while (v == 0);
  append_hex(out, v, 16);
  return out;
}

std::string new_generation_id() {
  std::string out = "gen_";
  append_hex(out, random_u64(), 16);
  return out;
}

std::string new_uuid_v4() {
  uint64_t hi = random_u64(), lo = random_u64();
  hi = (hi & ~0xF000ull) | 0x4000ull;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  std::string hex;
  hex.reserve(32);
  append_hex(hex, hi, 16);
  append_hex(hex, lo, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

}  // namespace sigil::detail
