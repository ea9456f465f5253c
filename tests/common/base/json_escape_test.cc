#include "common/base/json_escape.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::base {
namespace {

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonEscape("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
  EXPECT_EQ(JsonEscape("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(JsonEscape(std::string("\x01\x1f\x7f", 3)), "\\u0001\\u001f\\u007f");
  EXPECT_EQ(JsonEscape(std::string("nul\0byte", 8)), "nul\\u0000byte");
}

TEST(JsonEscapeTest, KeepsWellFormedUtf8) {
  EXPECT_EQ(JsonEscape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(JsonEscapeTest, ReplacesEveryByteOfMalformedUtf8) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(JsonEscape("a\xFF"
                       "b"),
            "a" + replacement + "b");
  EXPECT_EQ(JsonEscape("\xC3"), replacement) << "truncated sequence";
  EXPECT_EQ(JsonEscape("\xC0\xAF"), replacement + replacement) << "overlong";
  EXPECT_EQ(JsonEscape("\xED\xA0\x80"), replacement + replacement + replacement) << "surrogate";
  EXPECT_EQ(JsonEscape("\xF4\x90\x80\x80"), replacement + replacement + replacement + replacement)
      << "past U+10FFFF";
}

TEST(JsonEscapeTest, FormatsThroughFmtWithoutChangingOtherArguments) {
  EXPECT_EQ(fmt::format("\"{}\":{}", JsonEscaped{"k\"ey"}, 3), "\"k\\\"ey\":3");
}

}  // namespace
}  // namespace qs::base
