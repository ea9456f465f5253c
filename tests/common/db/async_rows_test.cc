// AsyncParams (async_rows.h): the text form PostgreSQL parses, one value per
// parameter, nullopt as SQL NULL. Pure: no server.
#include "common/db/async_rows.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

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

}  // namespace
}  // namespace qs::db
