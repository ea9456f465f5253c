// The manifest's database ACL back into statements (pure).
#include "deploy/backup/database_acl.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(DatabaseAclTest, ServiceDatabaseAclWithoutPublic) {
  // What deploy/service_roles.sql leaves on quest_db (CONNECT revoked from
  // PUBLIC: no "=..." item).
  absl::StatusOr<std::vector<std::string>> statements = DatabaseAclStatements(
      "quest_db_restore_x", "quest_owner", "{quest_owner=CTc/quest_owner,quest_svc=c/quest_owner}");
  ASSERT_TRUE(statements.ok()) << statements.status();
  EXPECT_THAT(*statements,
              ElementsAre("REVOKE ALL ON DATABASE \"quest_db_restore_x\" FROM PUBLIC",
                          "REVOKE ALL ON DATABASE \"quest_db_restore_x\" FROM \"quest_owner\"",
                          "GRANT CREATE, TEMPORARY, CONNECT ON DATABASE \"quest_db_restore_x\" "
                          "TO \"quest_owner\"",
                          "GRANT CONNECT ON DATABASE \"quest_db_restore_x\" TO \"quest_svc\""));
}

TEST(DatabaseAclTest, PublicItemAndGrantOption) {
  absl::StatusOr<std::vector<std::string>> statements =
      DatabaseAclStatements("d", "o", "{=Tc/o,o=C*Tc/o}");
  ASSERT_TRUE(statements.ok()) << statements.status();
  EXPECT_THAT(*statements,
              ElementsAre("REVOKE ALL ON DATABASE \"d\" FROM PUBLIC",
                          "REVOKE ALL ON DATABASE \"d\" FROM \"o\"",
                          "GRANT TEMPORARY, CONNECT ON DATABASE \"d\" TO PUBLIC",
                          "GRANT TEMPORARY, CONNECT ON DATABASE \"d\" TO \"o\"",
                          "GRANT CREATE ON DATABASE \"d\" TO \"o\" WITH GRANT OPTION"));
}

TEST(DatabaseAclTest, NullAclKeepsTheDefaults) {
  absl::StatusOr<std::vector<std::string>> statements = DatabaseAclStatements("d", "o", "");
  ASSERT_TRUE(statements.ok());
  EXPECT_THAT(*statements, IsEmpty());
}

TEST(DatabaseAclTest, EmptyAclRevokesEverything) {
  absl::StatusOr<std::vector<std::string>> statements = DatabaseAclStatements("d", "o", "{}");
  ASSERT_TRUE(statements.ok());
  EXPECT_THAT(*statements, ElementsAre("REVOKE ALL ON DATABASE \"d\" FROM PUBLIC",
                                       "REVOKE ALL ON DATABASE \"d\" FROM \"o\""));
}

TEST(DatabaseAclTest, MalformedAclIsRefusedNamingTheItem) {
  for (const char* acl :
       {"quest_owner=CTc/quest_owner", "{svc=rw/o}", "{svc=c}", "{\"odd role\"=c/o}"}) {
    absl::StatusOr<std::vector<std::string>> statements = DatabaseAclStatements("d", "o", acl);
    EXPECT_EQ(statements.status().code(), absl::StatusCode::kFailedPrecondition) << acl;
    EXPECT_THAT(statements.status().message(), HasSubstr("database ACL item")) << acl;
  }
}

TEST(DatabaseAclTest, QuoteIdentifierDoublesQuotes) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace qs::backup
