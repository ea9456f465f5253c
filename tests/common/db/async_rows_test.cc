// AsyncParams (async_rows.h): the text form PostgreSQL parses, one value per
// parameter, nullopt as SQL NULL. Pure: no server.
#include "common/db/async_rows.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "gtest/gtest.h"

namespace qs::db {
namespace {

TEST(AsyncParamsTest, IntegersAreDecimalWithTheirSign) {
  EXPECT_EQ(AsyncParams(0, 7, -7, int64_t{-9'000'000'000}),
            (AsyncParamList{"0", "7", "-7", "-9000000000"}));
  EXPECT_EQ(AsyncParams(std::numeric_limits<int64_t>::min(), std::numeric_limits<uint64_t>::max()),
            (AsyncParamList{"-9223372036854775808", "18446744073709551615"}));
  EXPECT_EQ(AsyncParams(int16_t{-12}, uint32_t{12}), (AsyncParamList{"-12", "12"}));
}

TEST(AsyncParamsTest, BoolsAreTrueAndFalseNotDigits) {
  const bool yes = true;
  EXPECT_EQ(AsyncParams(yes, false), (AsyncParamList{"true", "false"}));
}

TEST(AsyncParamsTest, StringsAreKeptAsTheyAre) {
  const std::string name = "it's \"quoted\" \\ ü";
  EXPECT_EQ(AsyncParams(name, "literal", std::string(), std::string("0")),
            (AsyncParamList{name, "literal", "", "0"}));
}

TEST(AsyncParamsTest, NulloptIsNullAndAValueInsideAnOptionalIsItsText) {
  const std::optional<std::string> no_note;
  const std::optional<int64_t> no_score;
  AsyncParamList params = AsyncParams(no_note, std::optional<std::string>("x"), no_score,
                                      std::optional<int>(-3), std::optional<bool>(false));
  ASSERT_EQ(params.size(), 5u);
  EXPECT_FALSE(params[0].has_value());
  EXPECT_EQ(params[1], "x");
  EXPECT_FALSE(params[2].has_value());
  EXPECT_EQ(params[3], "-3");
  EXPECT_EQ(params[4], "false");
  // An empty string is a value, not NULL.
  EXPECT_TRUE(AsyncParams(std::optional<std::string>(""))[0].has_value());
}

TEST(AsyncParamsTest, KeepsTheOrderAndCountOfItsArguments) {
  EXPECT_TRUE(AsyncParams().empty());
  EXPECT_EQ(AsyncParams("a", 1, true, std::optional<std::string>()),
            (AsyncParamList{"a", "1", "true", std::nullopt}));
}

TEST(AsyncParamsTest, NullptrAndBareNulloptAreNullAndStringViewsText) {
  const char* no_text = nullptr;
  AsyncParamList params = AsyncParams(std::nullopt, no_text, absl::string_view("view"));
  ASSERT_EQ(params.size(), 3u);
  EXPECT_FALSE(params[0].has_value());
  EXPECT_FALSE(params[1].has_value());
  EXPECT_EQ(params[2], "view");
}

// Whether AsyncParams takes a T at all.
template <typename T, typename = void>
struct Converts : std::false_type {};
template <typename T>
struct Converts<T, std::void_t<decltype(async_rows_internal::AsParam(std::declval<T>()))>>
    : std::true_type {};

enum UnscopedColour { kRed, kGreen };  // As a protobuf enum is.

TEST(AsyncParamsTest, TypesThatWouldConvertThroughBoolDoNotCompile) {
  // Each of these once became "true" or "false".
  static_assert(!Converts<double>::value);
  static_assert(!Converts<float>::value);
  static_assert(!Converts<UnscopedColour>::value);
  static_assert(!Converts<int*>::value);
  static_assert(!Converts<std::optional<double>>::value);
  static_assert(!Converts<char>::value);
  // And the supported ones still do.
  static_assert(Converts<int>::value && Converts<bool>::value && Converts<int64_t>::value);
  static_assert(Converts<std::string>::value && Converts<const char*>::value);
  static_assert(Converts<std::optional<int>>::value && Converts<std::nullopt_t>::value);
  SUCCEED();
}

}  // namespace
}  // namespace qs::db
