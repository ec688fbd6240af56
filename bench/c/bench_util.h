/* Shared by the C benchmark programs: clocks, resource usage, caller-time
 * statistics and the result line (see bench/README.md for the contract). */
#ifndef SIGIL_BENCH_UTIL_H
#define SIGIL_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Process CPU, every thread, user + system. */
static inline double bench_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static inline long long bench_rss_now_bytes(void) {
  long long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f != NULL) {
    if (fscanf(f, "%lld %lld", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * (long long)sysconf(_SC_PAGESIZE);
}

static inline long long bench_rss_peak_bytes(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (long long)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

static int bench_cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Writes "<key>": {median, p99, max, mean} for `n` samples in ns (sorted in place). */
static inline void bench_print_stats(FILE *out, const char *key, int64_t *samples, size_t n) {
  if (n == 0) {
    fprintf(out, "\"%s\": {}", key);
    return;
  }
  qsort(samples, n, sizeof *samples, bench_cmp_i64);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += (double)samples[i];
  size_t p99 = (size_t)((double)(n - 1) * 0.99 + 0.5);
  fprintf(out, "\"%s\": {\"median\": %lld, \"p99\": %lld, \"max\": %lld, \"mean\": %.1f}", key,
          (long long)samples[(n - 1) / 2], (long long)samples[p99], (long long)samples[n - 1], sum / (double)n);
}

/* Writes "caller_ns": {...} for `n` samples (sorted in place). */
static inline void bench_print_caller(FILE *out, int64_t *samples, size_t n) {
  bench_print_stats(out, "caller_ns", samples, n);
}

static inline char *bench_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = (char *)malloc((size_t)len + 1);
  if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
    free(buf);
    buf = NULL;
  }
  if (buf != NULL) buf[len] = '\0';
  fclose(f);
  return buf;
}

/* Sleeps until the absolute monotonic deadline (pacing offered load). */
static inline void bench_sleep_until(int64_t deadline_ns) {
  struct timespec ts = {(time_t)(deadline_ns / 1000000000), (long)(deadline_ns % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
}

#endif
