// StatementRegistry: lookup by name, which statements a connection prepares.
#include "common/db/statement_registry.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qs::db {
namespace {

std::vector<std::string> Names(const std::vector<const PreparedStatement*>& statements) {
  std::vector<std::string> names;
  for (const PreparedStatement* statement : statements) names.push_back(statement->name);
  return names;
}

TEST(StatementRegistryTest, FindsEveryRegisteredNameAndNothingElse) {
  StatementRegistry registry({{"by_id", "SELECT 1"}, {"feed", "SELECT 2", Planning::kPerCall}});
  ASSERT_NE(registry.Find("by_id"), nullptr);
  EXPECT_EQ(registry.Find("by_id")->sql, "SELECT 1");
  ASSERT_NE(registry.Find("feed"), nullptr);
  EXPECT_EQ(registry.Find("feed")->planning, Planning::kPerCall);
  EXPECT_EQ(registry.Find("by_ids"), nullptr);
  EXPECT_EQ(registry.Find(""), nullptr);
}

TEST(StatementRegistryTest, OnlyKPreparedStatementsAreToBePreparedInTheirOrder) {
  StatementRegistry registry({{"c", "SELECT 3"},
                              {"feed", "SELECT 2", Planning::kPerCall},
                              {"a", "SELECT 1", Planning::kPrepared},
                              {"history", "SELECT 4", Planning::kPerCall}});
  EXPECT_EQ(Names(registry.to_prepare()), (std::vector<std::string>{"c", "a"}));
}

TEST(StatementRegistryTest, ANameRegisteredTwiceKeepsItsFirstStatement) {
  StatementRegistry registry(
      {{"feed", "SELECT 1", Planning::kPerCall}, {"feed", "SELECT 2", Planning::kPrepared}});
  ASSERT_NE(registry.Find("feed"), nullptr);
  EXPECT_EQ(registry.Find("feed")->sql, "SELECT 1");
  EXPECT_TRUE(registry.to_prepare().empty());
}

TEST(StatementRegistryTest, NotRegisteredIsInternalNamingTheStatementAndThePool) {
  absl::Status status = StatementRegistry::NotRegistered("feed", "quest-read-async");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "quest-read-async: statement \"feed\" is not registered (never sent)");
}

}  // namespace
}  // namespace qs::db
