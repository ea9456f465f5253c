// Round trip through the real tool, as an operator runs it: load known
// rows, `backup run`, DROP the database, `backup restore --at <id>`, and
// every table's checksum is what it was; the restored database keeps its
// ACL and the service's runtime role reads it. Against a local directory
// and against a local S3-compatible server (s3rver). Prints the time to
// restore.
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_tool_fixture.h"
#include "tests/support/s3rver.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kRows = 3000;

// Size of the dump `backup run` printed for `database` ("<id> <n> bytes").
double DumpMegabytes(const std::string& output, const std::string& database) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    double bytes = 0;
    if (words.size() > 3 && words[0] == database + ":" && absl::SimpleAtod(words[2], &bytes)) {
      return bytes / 1e6;
    }
  }
  return -1;
}

class BackupRoundTripTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = new BackupToolFixture(); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(fixture_->ok()) << fixture_->error(); }

  void RoundTrip(const std::map<std::string, std::string>& target, const std::string& marker) {
    BackupToolFixture& f = *fixture_;
    absl::Status loaded = f.LoadKnownRows(kRows, marker);
    ASSERT_TRUE(loaded.ok()) << loaded;
    std::map<std::string, std::map<std::string, std::string>> before;
    for (const char* database : BackupToolFixture::kDatabases) {
      absl::StatusOr<std::map<std::string, std::string>> sums = f.TableChecksums(database);
      ASSERT_TRUE(sums.ok()) << sums.status();
      before[database] = *sums;
    }
    absl::StatusOr<std::string> acl_before =
        f.Sql("postgres", "SELECT datacl::text FROM pg_database WHERE datname = 'quest_db'");
    ASSERT_TRUE(acl_before.ok());
    ASSERT_THAT(*acl_before, Not(HasSubstr("=Tc/")))  // PUBLIC has no CONNECT
        << *acl_before;

    ToolRun run = f.RunTool({"run"}, target);
    ASSERT_EQ(run.exit_code, 0) << run.All();
    EXPECT_THAT(run.output, HasSubstr("3 of 3 databases backed up"));
    const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
    ASSERT_FALSE(id.empty()) << run.output;

    ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE quest_db WITH (FORCE)").ok());
    absl::StatusOr<int64_t> rows = f.TotalRows("social_db");  // untouched meanwhile
    ASSERT_TRUE(rows.ok());

    const absl::Time start = absl::Now();
    ToolRun restore = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    ASSERT_EQ(restore.exit_code, 0) << restore.All();
    EXPECT_THAT(restore.output, HasSubstr("there was no live database"));

    absl::StatusOr<std::map<std::string, std::string>> after = f.TableChecksums("quest_db");
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(*after, before["quest_db"]);
    for (const char* other : {"notification_db", "social_db"}) {
      absl::StatusOr<std::map<std::string, std::string>> sums = f.TableChecksums(other);
      ASSERT_TRUE(sums.ok());
      EXPECT_EQ(*sums, before[other]) << other;
    }
    absl::StatusOr<std::string> acl_after =
        f.Sql("postgres", "SELECT datacl::text FROM pg_database WHERE datname = 'quest_db'");
    ASSERT_TRUE(acl_after.ok());
    EXPECT_EQ(*acl_after, *acl_before);
    absl::StatusOr<std::string> owner = f.Sql(
        "postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'quest_db'");
    EXPECT_EQ(owner.value_or(""), "quest_owner");
    absl::StatusOr<int64_t> read = f.CountAsServiceRole("quest", "quest_db", "puzzles");
    ASSERT_TRUE(read.ok()) << read.status();
    absl::StatusOr<std::string> marked =
        f.Sql("quest_db", "SELECT count(*)::text FROM puzzles WHERE title LIKE '" + marker + "-%'");
    EXPECT_EQ(marked.value_or(""), std::to_string(kRows));
    EXPECT_GE(*read, kRows);
    absl::StatusOr<int64_t> quest_rows = f.TotalRows("quest_db");
    std::printf("restore of quest_db (%lld rows, %.2f MB dump) from %s: %.2f s\n",
                static_cast<long long>(quest_rows.value_or(-1)),
                DumpMegabytes(run.output, "quest_db"), target.at("BACKUP_TARGET").c_str(), seconds);

    ToolRun verify = f.RunTool({"verify"}, target);
    EXPECT_EQ(verify.exit_code, 0) << verify.All();
    for (const char* database : BackupToolFixture::kDatabases) {
      EXPECT_THAT(verify.output, HasSubstr(std::string(database) + " ")) << verify.output;
    }
    EXPECT_THAT(verify.output, HasSubstr("verified"));
    EXPECT_EQ(f.DatabasesLike("quest_db_").value_or("?"), "");  // no scratch left
  }

  static BackupToolFixture* fixture_;
};

BackupToolFixture* BackupRoundTripTest::fixture_ = nullptr;

TEST_F(BackupRoundTripTest, LocalDirectoryTarget) {
  RoundTrip(fixture_->LocalTarget(), "local-round-trip");
}

TEST_F(BackupRoundTripTest, S3Target) {
  S3rver s3;
  RoundTrip(s3.BackupEnv("round-trip"), "s3-round-trip");
}

}  // namespace
}  // namespace qs::testing
