#include "common/api/validation.h"

#include "gtest/gtest.h"

namespace qs::api {
namespace {

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind(field + ": ", 0), 0u) << status;
}

TEST(ValidationTest, Uuid) {
  EXPECT_TRUE(RequireUuid("puzzle_id", "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13").ok());
  ExpectInvalid(RequireUuid("puzzle_id", ""), "puzzle_id");
  ExpectInvalid(RequireUuid("puzzle_id", "42"), "puzzle_id");
}

TEST(ValidationTest, NonEmptyIgnoresWhitespaceOnlyValues) {
  EXPECT_TRUE(RequireNonEmpty("title", "Knight's tour").ok());
  ExpectInvalid(RequireNonEmpty("title", ""), "title");
  ExpectInvalid(RequireNonEmpty("title", " \t\n"), "title");
}

TEST(ValidationTest, MaxLengthStatesTheLimit) {
  EXPECT_TRUE(RequireMaxLength("content", std::string(10, 'x'), 10).ok());
  absl::Status too_long = RequireMaxLength("content", std::string(11, 'x'), 10);
  ExpectInvalid(too_long, "content");
  EXPECT_NE(too_long.message().find("at most 10 bytes"), std::string::npos);
}

TEST(ValidationTest, Utf8AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(RequireValidUtf8("text", "").ok());
  EXPECT_TRUE(RequireValidUtf8("text", "plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80").ok());
  ExpectInvalid(RequireValidUtf8("text", std::string("a\0b", 3)), "text");
  ExpectInvalid(RequireValidUtf8("text", "\xFF"), "text");              // not a lead byte
  ExpectInvalid(RequireValidUtf8("text", "\xC3"), "text");              // truncated
  ExpectInvalid(RequireValidUtf8("text", "\xC3\x28"), "text");          // bad continuation
  ExpectInvalid(RequireValidUtf8("text", "\xC0\xAF"), "text");          // overlong '/'
  ExpectInvalid(RequireValidUtf8("text", "\xED\xA0\x80"), "text");      // surrogate U+D800
  ExpectInvalid(RequireValidUtf8("text", "\xF4\x90\x80\x80"), "text");  // above U+10FFFF
}

TEST(ValidationTest, Ranges) {
  EXPECT_TRUE(RequireInRange("rating", int64_t{100}, 100, 3500).ok());
  EXPECT_TRUE(RequireInRange("rating", int64_t{3500}, 100, 3500).ok());
  ExpectInvalid(RequireInRange("rating", int64_t{99}, 100, 3500), "rating");
  ExpectInvalid(RequireInRange("rating", int64_t{3501}, 100, 3500), "rating");
  EXPECT_TRUE(RequireInRange("score", 0.5, 0.0, 1.0).ok());
  ExpectInvalid(RequireInRange("score", 1.5, 0.0, 1.0), "score");
  ExpectInvalid(RequireInRange("score", std::nan(""), 0.0, 1.0), "score");
}

TEST(ValidationTest, KnownEnum) {
  auto is_valid = [](int v) { return v >= 0 && v <= 3; };
  EXPECT_TRUE(RequireKnownEnum("status", 2, is_valid).ok());
  ExpectInvalid(RequireKnownEnum("status", 0, is_valid), "status");
  ExpectInvalid(RequireKnownEnum("status", 7, is_valid), "status");
}

TEST(ValidationTest, PageSize) {
  EXPECT_EQ(*PageSize("page_size", 0, 20, 100), 20);
  EXPECT_EQ(*PageSize("page_size", 1, 20, 100), 1);
  EXPECT_EQ(*PageSize("page_size", 100, 20, 100), 100);
  ExpectInvalid(PageSize("page_size", 101, 20, 100).status(), "page_size");
  ExpectInvalid(PageSize("page_size", -1, 20, 100).status(), "page_size");
}

TEST(ValidationTest, FirstErrorReturnsTheFirstFailure) {
  EXPECT_TRUE(FirstError({absl::OkStatus(), absl::OkStatus()}).ok());
  absl::Status first =
      FirstError({absl::OkStatus(), RequireNonEmpty("title", ""), RequireUuid("id", "x")});
  ExpectInvalid(first, "title");
}

}  // namespace
}  // namespace qs::api
