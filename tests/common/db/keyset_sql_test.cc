// The keyset position's SQL and parameters (common/db/keyset_sql.h): the
// exact text the listings register (their plans depend on it), and the
// first page's neutral values.
#include "common/db/keyset_sql.h"

#include <optional>

#include "gtest/gtest.h"

namespace qs::db {
namespace {

TEST(KeysetSqlTest, BeforeAndAfterCompareTheRowWithTheTimestampAndTheId) {
  EXPECT_EQ(KeysetBeforeSql("created_at", "id"),
            "($2 = '' OR (created_at, id) < (('epoch'::timestamptz + ($3) * interval "
            "'1 microsecond'), nullif($2, '')::uuid))");
  EXPECT_EQ(KeysetAfterSql("f.since", "f.friend_id", "$4", "$5"),
            "($4 = '' OR (f.since, f.friend_id) > (('epoch'::timestamptz + ($5) * interval "
            "'1 microsecond'), nullif($4, '')::uuid))");
}

TEST(KeysetSqlTest, TheGeneralFormTakesAnyKeyValue) {
  EXPECT_EQ(KeysetSql("name_key", "id", ">", "$3::text COLLATE \"C\"", "$2"),
            "($2 = '' OR (name_key, id) > ($3::text COLLATE \"C\", nullif($2, '')::uuid))");
}

TEST(KeysetSqlTest, TheFirstPageHasNeutralParameters) {
  const std::optional<api::KeysetPosition> first;
  EXPECT_EQ(KeysetIdParam(first), "");
  EXPECT_EQ(KeysetKeyParam(first), 0);
  EXPECT_EQ(KeysetTextParam(first), "");
  api::KeysetPosition position;
  position.key = -42;
  position.id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  position.text = "guild";
  const std::optional<api::KeysetPosition> after = position;
  EXPECT_EQ(KeysetIdParam(after), position.id);
  EXPECT_EQ(KeysetKeyParam(after), -42);
  EXPECT_EQ(KeysetTextParam(after), "guild");
}

}  // namespace
}  // namespace qs::db
