// Which sanitizer builds cannot run a test that fork()s a multi-threaded
// process, and why (the plain build runs every fork test).
#pragma once

#include <gtest/gtest.h>

// ThreadSanitizer cannot follow threads started in the child of a
// multi-threaded fork ("dup thread with used id").
#if defined(__SANITIZE_THREAD__)
#define SKIP_FORK_UNDER_TSAN() GTEST_SKIP() << "fork() of a multi-threaded process is unsupported by TSan"
#else
#define SKIP_FORK_UNDER_TSAN() (void)0
#endif

// For tests whose child allocates while the client's threads run: GCC 12's
// ASan allocator installs no fork handlers, so a child forked while another
// thread is inside malloc deadlocks on the sanitizer's allocator lock
// (glibc's malloc, which the plain build uses, is fork-safe).
#if defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SKIP_FORK_UNDER_SANITIZERS() \
  GTEST_SKIP() << "fork() with other threads in malloc deadlocks GCC 12's ASan allocator"
#else
#define SKIP_FORK_UNDER_SANITIZERS() SKIP_FORK_UNDER_TSAN()
#endif
