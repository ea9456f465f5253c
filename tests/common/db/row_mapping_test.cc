// Pure checks of the mapping helpers, then the SQL they write against the
// real primary: a timestamp survives the round trip to the microsecond.
#include "common/db/row_mapping.h"

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

TEST(RowMappingTest, TimestampsConvertBothWays) {
  google::protobuf::Timestamp timestamp;
  SetTimestamp(1'700'000'000'123'456, &timestamp);
  EXPECT_EQ(timestamp.seconds(), 1'700'000'000);
  EXPECT_EQ(timestamp.nanos(), 123'456'000);
  EXPECT_EQ(TimestampMicros(timestamp), 1'700'000'000'123'456);

  SetTimestamp(-1, &timestamp);  // a microsecond before the epoch
  EXPECT_EQ(timestamp.seconds(), -1);
  EXPECT_EQ(timestamp.nanos(), 999'999'000);
  EXPECT_EQ(TimestampMicros(timestamp), -1);
}

TEST(RowMappingTest, ZeroLeavesAnOptionalTimestampAbsent) {
  ::events::v1::EventEnvelope envelope;
  SetTimestampIfSet(0, envelope, &::events::v1::EventEnvelope::mutable_occurred_at);
  EXPECT_FALSE(envelope.has_occurred_at());  // not a present 1970-01-01
  SetTimestampIfSet(5'000'001, envelope, &::events::v1::EventEnvelope::mutable_occurred_at);
  ASSERT_TRUE(envelope.has_occurred_at());
  EXPECT_EQ(envelope.occurred_at().seconds(), 5);
  EXPECT_EQ(envelope.occurred_at().nanos(), 1000);
}

TEST(RowMappingTest, ArrayLiteralsRoundTrip) {
  const std::vector<std::string> ids = {"a1", "b-2", "c3"};
  EXPECT_EQ(ArrayLiteral(ids), "{a1,b-2,c3}");
  EXPECT_EQ(ParseArrayLiteral("{a1,b-2,c3}"), ids);
  EXPECT_EQ(ArrayLiteral(std::vector<std::string>{}), "{}");
  EXPECT_TRUE(ParseArrayLiteral("{}").empty());
}

TEST(RowMappingTest, SqlHelpersAgreeWithPostgres) {
  const testing::TestInfra& infra = testing::TestInfra::Get();
  pqxx::connection connection(infra.AdminConnectionString(infra.primary_port, "postgres"));
  pqxx::nontransaction tx(connection);
  const int64_t micros = 1'700'000'000'123'456;
  // Microseconds -> timestamptz -> microseconds is exact.
  pqxx::row row = tx.exec_params1(absl::StrCat("SELECT ", MicrosSql(TimestampSql("$1")), ", ",
                                               MicrosOrZeroSql("NULL::timestamptz"), ", ",
                                               MicrosSql("NULL::timestamptz"), " IS NULL"),
                                  micros);
  EXPECT_EQ(row[0].as<int64_t>(), micros);
  EXPECT_EQ(row[1].as<int64_t>(), 0);
  EXPECT_TRUE(row[2].as<bool>());
  // A literal parses as the array PostgreSQL prints back.
  pqxx::row array = tx.exec_params1("SELECT $1::text[]::text, cardinality($1::text[])",
                                    ArrayLiteral(std::vector<std::string>{"x", "y-1"}));
  EXPECT_EQ(ParseArrayLiteral(array[0].c_str()), (std::vector<std::string>{"x", "y-1"}));
  EXPECT_EQ(array[1].as<int>(), 2);
  // Milliseconds since a time 1.5 s ago, by the database clock.
  const int64_t elapsed =
      tx.exec1(absl::StrCat("SELECT ", MillisSinceSql("clock_timestamp() - interval '1500 ms'")))[0]
          .as<int64_t>();
  EXPECT_GE(elapsed, 1500);
  EXPECT_LT(elapsed, 2500);
}

}  // namespace
}  // namespace qs::db
