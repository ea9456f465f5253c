// The X/Y text form of WAL positions: what PostgreSQL prints parses to the
// number it stands for and back, positions order as numbers, and anything
// PostgreSQL's pg_lsn would not accept is refused naming x-min-lsn.
#include "common/db/lsn.h"

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace qs::db {
namespace {

TEST(LsnTest, ParsesPostgresTextForm) {
  absl::StatusOr<uint64_t> lsn = ParseLsn("16/B374D848");
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, 0x16B374D848u);
  EXPECT_EQ(*ParseLsn("0/0"), 0u);
  EXPECT_EQ(*ParseLsn("0/1"), 1u);
  EXPECT_EQ(*ParseLsn("1/0"), uint64_t{1} << 32);
  EXPECT_EQ(*ParseLsn("FFFFFFFF/FFFFFFFF"), UINT64_MAX);
  // Lower case and leading zeros are what a caller may hand-edit; pg_lsn takes them.
  EXPECT_EQ(*ParseLsn("16/b374d848"), 0x16B374D848u);
  EXPECT_EQ(*ParseLsn("00000016/0B374D84"), 0x160B374D84u);
}

TEST(LsnTest, FormatsAsPostgresPrints) {
  EXPECT_EQ(FormatLsn(0x16B374D848u), "16/B374D848");
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_EQ(FormatLsn(0x100000000u), "1/0");
  EXPECT_EQ(FormatLsn(0x160B374D84u), "16/B374D84");
  EXPECT_EQ(FormatLsn(UINT64_MAX), "FFFFFFFF/FFFFFFFF");
}

TEST(LsnTest, RoundTrips) {
  for (const uint64_t lsn : {uint64_t{0}, uint64_t{1}, uint64_t{0xFFFFFFFF}, uint64_t{0x100000000},
                             uint64_t{0x3000060D8}, UINT64_MAX}) {
    absl::StatusOr<uint64_t> parsed = ParseLsn(FormatLsn(lsn));
    ASSERT_TRUE(parsed.ok()) << FormatLsn(lsn);
    EXPECT_EQ(*parsed, lsn);
  }
}

TEST(LsnTest, OrdersAsNumbersNotAsText) {
  // "9/..." < "10/..." as positions though not as strings; the low half
  // likewise ("FF" < "100").
  EXPECT_LT(*ParseLsn("9/FFFFFFFF"), *ParseLsn("10/0"));
  EXPECT_LT(*ParseLsn("0/FF"), *ParseLsn("0/100"));
  EXPECT_GT(*ParseLsn("1/0"), *ParseLsn("0/FFFFFFFF"));
}

TEST(LsnTest, RefusesAnythingElseNamingTheHeader) {
  for (const std::string bad : {"",
                                "/",
                                "16",
                                "16/",
                                "/B374D848",
                                "16/B374D848/1",
                                "16//B374D848",
                                " 16/B374D848",
                                "16/B374D848 ",
                                "+16/B374D848",
                                "-1/0",
                                "0x16/B374D848",
                                "16/0xB3",
                                "G/0",
                                "0/G",
                                "123456789/0",
                                "0/123456789",
                                "16 /B374D848",
                                "16/B374D848\n",
                                "１/0",
                                "16.5/0",
                                "18446744073709551615"}) {
    absl::StatusOr<uint64_t> parsed = ParseLsn(bad);
    ASSERT_FALSE(parsed.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "x-min-lsn: "))
        << parsed.status().message();
  }
}

TEST(LsnTest, LongBadInputIsNotEchoedWhole) {
  const std::string long_input(10'000, 'x');
  absl::StatusOr<uint64_t> parsed = ParseLsn(long_input);
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.status().message().size(), 200u);
}

}  // namespace
}  // namespace qs::db
