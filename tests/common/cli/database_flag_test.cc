#include "common/cli/database_flag.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace qs::cli {
namespace {

Flags Parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"tool"};
  argv.insert(argv.end(), args.begin(), args.end());
  static constexpr absl::string_view kKnown[] = {kDatabaseUrlFlag};
  return *Flags::Parse(static_cast<int>(argv.size()), argv.data(), kKnown);
}

TEST(DatabaseFlagTest, TheUrlWinsOverTheEnvironment) {
  setenv("DB_NAME", "from_env", 1);
  setenv("DB_USER", "env_user", 1);
  absl::StatusOr<config::DbConfig> db =
      DatabaseFromFlags(Parse({"--database-url=postgres://u:pw@db.example:6543/from_url"}));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(db->name, "from_url");
  EXPECT_EQ(db->user, "u");
  EXPECT_EQ(db->port, 6543);
}

TEST(DatabaseFlagTest, WithoutTheFlagTheDbVariablesAreRead) {
  setenv("DB_NAME", "from_env", 1);
  setenv("DB_USER", "env_user", 1);
  absl::StatusOr<config::DbConfig> db = DatabaseFromFlags(Parse({}));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(db->name, "from_env");
  EXPECT_EQ(db->user, "env_user");
}

TEST(DatabaseFlagTest, ABadUrlOrMissingVariablesAreErrors) {
  EXPECT_FALSE(DatabaseFromFlags(Parse({"--database-url=mysql://x"})).ok());
  unsetenv("DB_NAME");
  unsetenv("DB_USER");
  EXPECT_FALSE(DatabaseFromFlags(Parse({})).ok());
}

}  // namespace
}  // namespace qs::cli
