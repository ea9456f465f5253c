// What the backup tool's end-to-end tests share: a private PostgreSQL
// primary + replica (tests/support/private_cluster.h) whose quest_db,
// notification_db and social_db are migrated by the services' migrations,
// an age key pair made with age-keygen, known rows, per-table checksums,
// and the real //deploy/backup:backup binary run as an operator runs it.
//
//   BackupToolFixture fixture;                      // on free loopback ports
//   ASSERT_TRUE(fixture.LoadKnownRows(200, "alpha").ok());
//   ToolRun run = fixture.RunTool({"run"}, fixture.LocalTarget());
//   EXPECT_EQ(run.exit_code, 0) << run.output;
//
// The shared databases of the suite are never touched. Needs env
// BACKUP_BINARY ($(rootpath //deploy/backup:backup)) and QS_INFRA_SCRIPT.
#ifndef QS_TESTS_BACKUP_BACKUP_TOOL_FIXTURE_H_
#define QS_TESTS_BACKUP_BACKUP_TOOL_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "deploy/backup/process.h"
#include "gtest/gtest.h"
#include "tests/support/private_cluster.h"

namespace qs::testing {

struct ToolRun {
  int exit_code = -1;
  std::string output;  // standard output
  std::string errors;  // standard error
  std::string All() const { return output + errors; }
};

class BackupToolFixture {
 public:
  static constexpr const char* kDatabases[] = {"quest_db", "notification_db", "social_db"};

  // Starts the cluster on two free loopback ports, migrates the three
  // databases and makes a key pair; ok() is false (error() says why) when
  // any step fails.
  BackupToolFixture();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  PrivateCluster& cluster() { return *cluster_; }
  const std::string& identity_file() const { return identity_file_; }
  const std::string& recipient() const { return recipient_; }
  // A fresh directory under TEST_TMPDIR.
  std::string TempDir(const std::string& name) const;

  // BACKUP_TARGET = a fresh local directory, named in `directory`.
  std::map<std::string, std::string> LocalTarget(std::string* directory = nullptr) const;
  // Runs the backup binary with `args`, the cluster's BACKUP_PG_* (the
  // replica as BACKUP_PG_READ_*), the key pair, a fresh staging directory
  // and `target` (which may override any of them).
  ToolRun RunTool(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& target) const;
  // The command RunTool runs, for a test that starts and signals it itself.
  backup::Command ToolCommand(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& target) const;

  // Inserts `rows` rows whose text holds "<marker>-<n>" into
  // quest_db.puzzles, notification_db.notification_logs and social_db.guilds.
  absl::Status LoadKnownRows(int rows, const std::string& marker);
  // md5 of every table's rows (ordered by their text), by "schema.table".
  absl::StatusOr<std::map<std::string, std::string>> TableChecksums(
      const std::string& database) const;
  // Sum of the rows of every table.
  absl::StatusOr<int64_t> TotalRows(const std::string& database) const;
  absl::StatusOr<std::string> Sql(const std::string& database, const std::string& sql) const;
  // pg_database.oid, "" when the database does not exist.
  absl::StatusOr<std::string> DatabaseOid(const std::string& database) const;
  // Databases whose name starts with `prefix`, comma-separated, sorted.
  absl::StatusOr<std::string> DatabasesLike(const std::string& prefix) const;
  // Connects as `<service>_svc` to `database` on the primary and counts
  // the rows of `table`.
  absl::StatusOr<int64_t> CountAsServiceRole(const std::string& service,
                                             const std::string& database,
                                             const std::string& table) const;
  // The backup id a `backup run` printed for `database`.
  static std::string BackupIdIn(const std::string& run_output, const std::string& database);

 private:
  std::unique_ptr<PrivateCluster> cluster_;
  std::string identity_file_;
  std::string recipient_;
  std::string error_;
};

// The base of a test suite whose tests share one BackupToolFixture (a
// private cluster takes seconds to start), loaded once with Suite::kRows
// known rows marked Suite::kMarker:
//
//   class RestoreIsolationTest : public SharedBackupFixtureTest<RestoreIsolationTest> {
//    public:
//     static constexpr int kRows = 2000;
//     static constexpr char kMarker[] = "isolation";
//   };
template <typename Suite>
class SharedBackupFixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new BackupToolFixture();
    if (fixture_->ok()) loaded_ = fixture_->LoadKnownRows(Suite::kRows, Suite::kMarker);
  }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fixture_->ok()) << fixture_->error();
    ASSERT_TRUE(loaded_.ok()) << loaded_;
  }
  // count(*) of `table` as text ("?" when the query fails).
  static std::string Count(const std::string& database, const std::string& table) {
    return fixture_->Sql(database, "SELECT count(*)::text FROM " + table).value_or("?");
  }

  static BackupToolFixture* fixture_;
  static absl::Status loaded_;
};

template <typename Suite>
BackupToolFixture* SharedBackupFixtureTest<Suite>::fixture_ = nullptr;
template <typename Suite>
absl::Status SharedBackupFixtureTest<Suite>::loaded_;

}  // namespace qs::testing

#endif  // QS_TESTS_BACKUP_BACKUP_TOOL_FIXTURE_H_
