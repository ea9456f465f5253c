#include "common/db/enum_codes.h"

#include "gtest/gtest.h"

namespace qs::db {
namespace {

enum class Color { kUnspecified = 0, kRed = 1, kGreen = 2, kBlue = 3 };

const EnumCodes<Color> kCodes({{Color::kRed, "red"}, {Color::kGreen, "green"}});

TEST(EnumCodesTest, MapsBothWays) {
  EXPECT_EQ(kCodes.Code(Color::kRed), "red");
  EXPECT_EQ(kCodes.Code(Color::kGreen), "green");
  EXPECT_EQ(kCodes.FromCode("red"), Color::kRed);
  EXPECT_EQ(kCodes.FromCode("green"), Color::kGreen);
}

TEST(EnumCodesTest, UnknownsMapToEmptyAndUnspecified) {
  EXPECT_EQ(kCodes.Code(Color::kBlue), "");
  EXPECT_EQ(kCodes.Code(Color::kUnspecified), "");
  EXPECT_EQ(kCodes.FromCode("blue"), Color::kUnspecified);
  EXPECT_EQ(kCodes.FromCode(""), Color::kUnspecified);
  EXPECT_EQ(kCodes.FromCode("Red"), Color::kUnspecified);  // codes are exact
}

}  // namespace
}  // namespace qs::db
