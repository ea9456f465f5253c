// The pure part of coalesced lookups: key forms and the batch's parameter.
// (Matching rows to keys runs against the real server in
// async_read_pool_test.)
#include "common/db/coalesced_lookup.h"

#include "gtest/gtest.h"

namespace qs::db {
namespace {

TEST(CoalescedLookupTest, UuidKeysAreMatchedLowercase) {
  absl::StatusOr<std::string> key =
      CanonicalLookupKey(LookupKeyForm::kUuid, "0B9E4B3C-1F2A-4C5D-8E6F-7A8B9C0D1E2F");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "0b9e4b3c-1f2a-4c5d-8e6f-7a8b9c0d1e2f");
}

TEST(CoalescedLookupTest, AMalformedUuidIsRefusedNamingTheKey) {
  for (const char* bad :
       {"", "x", "0b9e4b3c1f2a4c5d8e6f7a8b9c0d1e2f", "0b9e4b3c-1f2a-4c5d-8e6f-7a8b9c0d1e2g",
        "0b9e4b3c-1f2a-4c5d-8e6f-7a8b9c0d1e2f0", "{0b9e4b3c-1f2a-4c5d-8e6f-7a8b9c0d1e}",
        "0b9e4b3c-1f2a-4c5d-8e6f-7a8b9c0d1e2\""}) {
    absl::StatusOr<std::string> key = CanonicalLookupKey(LookupKeyForm::kUuid, bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(key.status().message().substr(0, 4), "key:");
  }
}

TEST(CoalescedLookupTest, ExactKeysAreKeptAsGiven) {
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kExact, "Row-1"), "Row-1");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kExact, "ü ✓ \"{,}\""), "ü ✓ \"{,}\"");
}

// Text PostgreSQL cannot hold would fail the whole batch (a NUL even cuts
// the array literal short: libpq sends C strings).
TEST(CoalescedLookupTest, AnExactKeyWithANulOrInvalidUtf8IsRefusedNamingTheKey) {
  for (const std::string& bad : {std::string("row\0-1", 6), std::string("\xff"),
                                 std::string("\xc3"), std::string("\xed\xa0\x80")}) {
    absl::StatusOr<std::string> key = CanonicalLookupKey(LookupKeyForm::kExact, bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(key.status().message().substr(0, 4), "key:");
  }
}

TEST(CoalescedLookupTest, Int64KeysAreMatchedInPostgresOutputForm) {
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "42"), "42");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "042"), "42");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "-7"), "-7");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "-0"), "0");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "9223372036854775807"),
            "9223372036854775807");
  EXPECT_EQ(*CanonicalLookupKey(LookupKeyForm::kInt64, "-9223372036854775808"),
            "-9223372036854775808");
}

TEST(CoalescedLookupTest, AnythingButAnInt64IsRefusedNamingTheKey) {
  for (const char* bad : {"", "-", "abc", "1.5", "1e3", " 1", "1 ", "+1", "--1", "0x10",
                          "9223372036854775808", "-9223372036854775809"}) {
    absl::StatusOr<std::string> key = CanonicalLookupKey(LookupKeyForm::kInt64, bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(key.status().message().substr(0, 4), "key:");
  }
}

TEST(CoalescedLookupTest, TheArrayLiteralQuotesAndEscapesEveryKey) {
  EXPECT_EQ(ArrayLiteral({}), "{}");
  EXPECT_EQ(ArrayLiteral({"a", "b c"}), R"({"a","b c"})");
  EXPECT_EQ(ArrayLiteral({R"(say "hi")", R"(back\slash)", "{,}", "NULL"}),
            R"({"say \"hi\"","back\\slash","{,}","NULL"})");
}

}  // namespace
}  // namespace qs::db
