#include "common/api/keyset_cursor.h"

#include <random>

#include "gtest/gtest.h"

namespace qs::api {
namespace {

TEST(KeysetCursorTest, RoundTripsMixedValues) {
  KeysetCursor cursor;
  cursor.AddInt(-5).AddString("").AddString(std::string("a\0b", 3)).AddInt(INT64_MAX);
  absl::StatusOr<KeysetCursor> parsed = KeysetCursor::Parse(cursor.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ(*parsed->Int(0), -5);
  EXPECT_EQ(*parsed->String(1), "");
  EXPECT_EQ(*parsed->String(2), std::string("a\0b", 3));
  EXPECT_EQ(*parsed->Int(3), INT64_MAX);
}

TEST(KeysetCursorTest, WrongTypeOrPositionIsInvalidArgument) {
  KeysetCursor cursor;
  cursor.AddInt(1);
  EXPECT_EQ(cursor.String(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cursor.Int(1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeysetCursorTest, RejectsMalformedBytes) {
  std::string good = KeysetCursor().AddInt(7).AddString("abc").Serialize();
  for (size_t length = 1; length < good.size(); ++length) {
    if (length == 9) continue;  // A whole first value: valid on its own.
    EXPECT_FALSE(KeysetCursor::Parse(good.substr(0, length)).ok()) << length;
  }
  EXPECT_FALSE(KeysetCursor::Parse("x").ok());
  EXPECT_FALSE(KeysetCursor::Parse(std::string("s\xff\xff\xff\xff", 5)).ok());
}

TEST(KeysetCursorTest, NeverCrashesOnRandomBytes) {
  std::mt19937 random(42);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(random() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    if (i % 2 == 0 && !bytes.empty()) bytes[0] = (i % 4 == 0) ? 'i' : 's';
    (void)KeysetCursor::Parse(bytes);  // Must return, never crash or hang.
  }
}

}  // namespace
}  // namespace qs::api
