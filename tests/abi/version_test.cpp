// Section: Version, Status codes and errors.
#include <gtest/gtest.h>
#include <sigil/sigil.h>

TEST(Version, MatchesHeader) {
  EXPECT_STREQ(sigil_version_string(), SIGIL_VERSION_STRING);
  EXPECT_EQ(sigil_version_number(), SIGIL_VERSION_NUMBER);
  EXPECT_EQ(sigil_abi_version(), SIGIL_ABI_VERSION);
}

TEST(Status, PinnedValues) {
  // These numbers are ABI: they must never change.
  EXPECT_EQ(SIGIL_OK, 0u);
  EXPECT_EQ(SIGIL_E_INVALID_ARGUMENT, 1u);
  EXPECT_EQ(SIGIL_E_VALIDATION, 2u);
  EXPECT_EQ(SIGIL_E_QUEUE_FULL, 3u);
  EXPECT_EQ(SIGIL_E_PAYLOAD_TOO_LARGE, 4u);
  EXPECT_EQ(SIGIL_E_SHUTDOWN, 5u);
  EXPECT_EQ(SIGIL_E_INVALID_UTF8, 6u);
  EXPECT_EQ(SIGIL_E_INVALID_JSON, 7u);
  EXPECT_EQ(SIGIL_E_CONFIG, 8u);
  EXPECT_EQ(SIGIL_E_TIMEOUT, 9u);
  EXPECT_EQ(SIGIL_E_TRANSPORT, 10u);
  EXPECT_EQ(SIGIL_E_ALREADY_ENDED, 11u);
  EXPECT_EQ(SIGIL_E_NO_MEMORY, 12u);
  EXPECT_EQ(SIGIL_E_INTERNAL, 13u);
  EXPECT_EQ(SIGIL_E_BYTE_BUDGET, 14u);
  EXPECT_EQ(SIGIL_E_REJECTED, 15u);
  EXPECT_STREQ(sigil_status_name(SIGIL_E_QUEUE_FULL), "SIGIL_E_QUEUE_FULL");
  EXPECT_STREQ(sigil_status_name(9999), "SIGIL_E_UNKNOWN");
}

TEST(Errors, NullIsSafe) {
  EXPECT_EQ(sigil_error_code(nullptr), SIGIL_OK);
  EXPECT_STREQ(sigil_error_message(nullptr), "");
  sigil_error_free(nullptr);
}
