// Point-in-time recovery drills against a PostgreSQL primary + replica this
// test owns (PrivateCluster: deploy/infra.sh up-postgres, which archives the
// primary's WAL with pgBackRest), driven through deploy/backup/pitr.sh as an
// operator would:
//   - restore to a time T before an "accidental" DELETE, as a cluster and as
//     one database switched in on the live primary (restore-database);
//   - kill -9 of the primary, restored from the archive alone: the data
//     lost is the RPO, printed with what the streaming replica had;
//   - a differential base backup on top of a full one;
//   - restores that must fail and leave nothing: a wrong or missing cipher
//     pass, T before the first backup or after the archive's end, a zoneless
//     T, a segment missing from the archive (`latest`), a live target, a
//     failing backup tool; `stop` refusing what a restore did not make;
//   - the repository holds no plaintext; `up` recreates a local repository
//     that no longer matches (a new cipher pass).
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "deploy/backup/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/backup/drill_writer.h"
#include "tests/support/private_cluster.h"

namespace qs::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using Node = PrivateCluster::Node;

constexpr int kPrimaryPort = 15550;
constexpr int kReplicaPort = 15551;
constexpr int kRestorePort = 15552;
constexpr int kSidePort = 15553;

// A recovery target as PostgreSQL and pgBackRest read it.
std::string TargetTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
}

// A runfiles path from the environment, absolute: the scripts run from /.
std::string Absolute(const char* variable) {
  const char* path = std::getenv(variable);
  return std::filesystem::absolute(path != nullptr ? path : "").string();
}

double Seconds(absl::Duration duration) { return absl::ToDoubleSeconds(duration); }

// archive_timeout of the drill's primary: short, so that the kill -9 drill
// waits seconds, not a minute (the bound it checks scales with it).
constexpr int kArchiveTimeoutS = 10;

bool FileContains(const std::filesystem::path& path, const std::string& needle) {
  std::ifstream file(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return text.find(needle) != std::string::npos;
}

class PitrDrillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("PG_ARCHIVE_TIMEOUT", std::to_string(kArchiveTimeoutS).c_str(), 1);
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started =
        PrivateCluster::Start(kPrimaryPort, kReplicaPort);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    // Where postgres may write: infra.sh's cluster directory (deleted with
    // the cluster).
    pg_root_ = std::filesystem::canonical(cluster_->state_dir() + "/pg").string();
  }

  void TearDown() override {
    for (const std::string& dir : restored_) {
      if (std::filesystem::exists(dir + "/.pitr-restored")) {
        Pitr({"stop", "--data-dir", dir, "--remove"});
      }
    }
  }

  // deploy/backup/pitr.sh ARGS --state <the cluster's>, from / (postgres may
  // not enter the test's directory), with `env` added.
  backup::CommandResult Pitr(std::vector<std::string> args,
                             std::map<std::string, std::string> env = {}) {
    backup::Command command;
    command.argv = {"/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", Absolute("PITR_SCRIPT")};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.argv.insert(command.argv.end(), {"--state", cluster_->state_dir()});
    command.env = std::move(env);
    absl::StatusOr<backup::CommandResult> result = backup::Run(command);
    if (!result.ok()) {
      backup::CommandResult failed;
      failed.exit_code = -1;
      failed.error_output = result.status().ToString();
      return failed;
    }
    std::printf("$ pitr.sh %s\n%s%s", absl::StrJoin(args, " ").c_str(), result->output.c_str(),
                result->error_output.c_str());
    return *result;
  }

  // A restore target directory in the cluster's directory, stopped and
  // removed at the end.
  std::string RestoreDir(const std::string& name) {
    restored_.push_back(pg_root_ + "/" + name);
    return restored_.back();
  }

  std::string AdminConnection(int port, const std::string& database) const {
    return absl::StrCat("host=127.0.0.1 port=", port, " dbname=", database,
                        " user=postgres password=", cluster_->admin_password(),
                        " connect_timeout=5 application_name=pitr-drill");
  }

  absl::StatusOr<std::set<int64_t>> Seqs(int port, const std::string& database = "quest_db") {
    return ReadDrillSeqs(port, database, "postgres", cluster_->admin_password());
  }

  // The first column of the first row of `sql` on 127.0.0.1:`port`, or
  // the error.
  std::string ScalarOn(int port, const std::string& sql) const {
    try {
      pqxx::connection connection(AdminConnection(port, "postgres"));
      pqxx::nontransaction tx(connection);
      return tx.exec1(sql)[0].as<std::string>();
    } catch (const std::exception& e) {
      return absl::StrCat("error: ", e.what());
    }
  }

  // Side clusters of restore-database left in the cluster's directory.
  std::vector<std::string> SideDirs() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(pg_root_)) {
      if (entry.path().filename().string().rfind("pitr-side-", 0) == 0) {
        found.push_back(entry.path().string());
      }
    }
    return found;
  }

  // The repository's archived WAL segments (encrypted, compressed), sorted.
  std::vector<std::filesystem::path> ArchivedSegments() const {
    std::vector<std::filesystem::path> found;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(pg_root_ + "/pgbackrest/repo/archive")) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && name.size() > 24 && name[24] == '-') {
        found.push_back(entry.path());
      }
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  void BaseBackup(const std::string& type) {
    backup::CommandResult base = Pitr({"base", "--type", type});
    ASSERT_EQ(base.exit_code, 0) << base.error_output;
  }

  std::unique_ptr<PrivateCluster> cluster_;
  std::string pg_root_;
  std::vector<std::string> restored_;
};

// What a restore to `target` must hold: every row acknowledged before it,
// none sent after it; rows whose commit was in flight at `target` may go
// either way. Returns the number of rows that must be there.
int ExpectRestoredAt(const std::vector<DrillRow>& rows, absl::Time target,
                     const std::set<int64_t>& restored, const std::string& where) {
  int before = 0;
  for (const DrillRow& row : rows) {
    if (row.acked.has_value() && *row.acked < target) {
      ++before;
      EXPECT_TRUE(restored.count(row.seq)) << where << ": row " << row.seq << " acknowledged "
                                           << Seconds(target - *row.acked) << " s before T missing";
    } else if (row.sent > target) {
      EXPECT_FALSE(restored.count(row.seq)) << where << ": row " << row.seq << " sent "
                                            << Seconds(row.sent - target) << " s after T is there";
    }
  }
  return before;
}

TEST_F(PitrDrillTest, RestoreToTimeUndoesAnAccidentalDelete) {
  ASSERT_TRUE(cluster_->Migrate("quest", {"migrations/common", "migrations/quest"}).ok());
  // The other two databases hold rows a quest_db restore must not touch.
  for (const char* database : {"notification_db", "social_db"}) {
    ASSERT_TRUE(CreateDrillTable(AdminConnection(kPrimaryPort, database)).ok());
    ASSERT_TRUE(cluster_
                    ->AdminSql(Node::kPrimary,
                               "INSERT INTO drill_rows (seq) SELECT generate_series(1, 50)",
                               database)
                    .ok());
  }

  absl::StatusOr<std::unique_ptr<DrillWriter>> writer =
      DrillWriter::Start(AdminConnection(kPrimaryPort, "quest_db"), absl::Milliseconds(5));
  ASSERT_TRUE(writer.ok()) << writer.status();
  BaseBackup("full");
  absl::SleepFor(absl::Seconds(2));
  const absl::Time target = absl::Now();
  absl::SleepFor(absl::Seconds(1));
  // The accident, and life going on after it (social_db too).
  ASSERT_TRUE(
      cluster_->AdminSql(Node::kPrimary, "DELETE FROM drill_rows WHERE seq % 2 = 0", "quest_db")
          .ok());
  ASSERT_TRUE(
      cluster_->AdminSql(Node::kPrimary, "INSERT INTO drill_rows (seq) VALUES (1000)", "social_db")
          .ok());
  absl::SleepFor(absl::Seconds(1));
  (*writer)->Stop();
  ASSERT_EQ((*writer)->error(), "");
  const std::vector<DrillRow> rows = (*writer)->Rows();
  // The WAL holding T and the delete reaches the archive (as archive_timeout
  // would make it a little later).
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);

  // As a whole cluster, into a new data directory on its own port.
  const std::string data_dir = RestoreDir("pitr-restore");
  const absl::Time restore_start = absl::Now();
  backup::CommandResult restore = Pitr({"restore", "--to", TargetTime(target), "--data-dir",
                                        data_dir, "--port", std::to_string(kRestorePort)});
  const absl::Duration restore_time = absl::Now() - restore_start;
  ASSERT_EQ(restore.exit_code, 0) << restore.error_output;
  EXPECT_THAT(restore.output, HasSubstr("recovery stopping before commit"));
  EXPECT_EQ(ScalarOn(kRestorePort, "SELECT pg_is_in_recovery()::text"), "false");
  EXPECT_EQ(ScalarOn(kRestorePort, "SHOW archive_mode"), "off")
      << "a restored cluster must not push its timeline into the primary's repository";
  absl::StatusOr<std::set<int64_t>> restored = Seqs(kRestorePort);
  ASSERT_TRUE(restored.ok()) << restored.status();
  const int before = ExpectRestoredAt(rows, target, *restored, "cluster restored to T");
  absl::StatusOr<std::set<int64_t>> live = Seqs(kPrimaryPort);
  ASSERT_TRUE(live.ok()) << live.status();
  std::printf(
      "PITR drill: %zu rows written, %d acknowledged before T, %zu on the primary after the "
      "delete, %zu in the cluster restored to T; restore took %.1f s\n",
      rows.size(), before, live->size(), restored->size(), Seconds(restore_time));
  ASSERT_GT(before, 100) << "the writer wrote too little to prove anything";
  ASSERT_LT(live->size(), restored->size()) << "the delete did not happen";
  ASSERT_EQ(Pitr({"stop", "--data-dir", data_dir, "--remove"}).exit_code, 0);

  // One database only, switched in on the live primary by the backup tool.
  absl::StatusOr<std::set<int64_t>> social_before = Seqs(kPrimaryPort, "social_db");
  absl::StatusOr<std::set<int64_t>> notification_before = Seqs(kPrimaryPort, "notification_db");
  ASSERT_TRUE(social_before.ok() && notification_before.ok());
  const absl::Time database_start = absl::Now();
  backup::CommandResult database = Pitr({"restore-database", "--database", "quest_db", "--to",
                                         TargetTime(target), "--port", std::to_string(kSidePort)},
                                        {{"BACKUP_TOOL", Absolute("BACKUP_BINARY")},
                                         {"BACKUP_PG_HOST", "127.0.0.1"},
                                         {"BACKUP_PG_PORT", std::to_string(kPrimaryPort)},
                                         {"BACKUP_PG_USER", "postgres"},
                                         {"BACKUP_PG_PASSWORD", cluster_->admin_password()}});
  const absl::Duration database_time = absl::Now() - database_start;
  ASSERT_EQ(database.exit_code, 0) << database.error_output;
  absl::StatusOr<std::set<int64_t>> quest_now = Seqs(kPrimaryPort, "quest_db");
  ASSERT_TRUE(quest_now.ok()) << quest_now.status();
  ExpectRestoredAt(rows, target, *quest_now, "quest_db restored to T on the primary");
  EXPECT_EQ(*quest_now, *restored);
  EXPECT_EQ(Seqs(kPrimaryPort, "social_db").value_or(std::set<int64_t>{}), *social_before)
      << "social_db changed (its row written after T must stay)";
  EXPECT_EQ(Seqs(kPrimaryPort, "notification_db").value_or(std::set<int64_t>{}),
            *notification_before);
  std::printf("restore-database quest_db to T: %zu rows, %.1f s\n", quest_now->size(),
              Seconds(database_time));
  EXPECT_THAT(SideDirs(), ::testing::IsEmpty()) << "restore-database left its side cluster";

  // The backup tool fails: the side cluster goes, its port is free again,
  // quest_db is what it was.
  backup::CommandResult failing = Pitr({"restore-database", "--database", "quest_db", "--to",
                                        TargetTime(target), "--port", std::to_string(kSidePort)},
                                       {{"BACKUP_TOOL", "/bin/false"}});
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_THAT(failing.error_output, HasSubstr("the live quest_db is unchanged"));
  EXPECT_THAT(SideDirs(), ::testing::IsEmpty()) << "a failed restore-database left a side dir";
  EXPECT_THAT(ScalarOn(kSidePort, "SELECT 1"), HasSubstr("error:"))
      << "the side cluster still listens on " << kSidePort;
  EXPECT_EQ(Seqs(kPrimaryPort, "quest_db").value_or(std::set<int64_t>{}), *quest_now);
}

TEST_F(PitrDrillTest, KillNineOfThePrimaryLosesAtMostTheArchiveTimeout) {
  BaseBackup("full");
  absl::StatusOr<std::string> timeout_setting = cluster_->AdminSql(
      Node::kPrimary, "SELECT setting FROM pg_settings WHERE name = 'archive_timeout'");
  ASSERT_TRUE(timeout_setting.ok()) << timeout_setting.status();
  int archive_timeout_s = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*timeout_setting, &archive_timeout_s)) << *timeout_setting;
  ASSERT_GT(archive_timeout_s, 0);

  absl::StatusOr<std::unique_ptr<DrillWriter>> writer =
      DrillWriter::Start(AdminConnection(kPrimaryPort, "quest_db"), absl::Milliseconds(5));
  ASSERT_TRUE(writer.ok()) << writer.status();
  // The loss is the time since the last segment switch, at most
  // archive_timeout: the kill comes 2 s before the next forced switch after
  // the last archived segment (pg_stat_archiver's time of it), near the
  // worst case. PITR_DRILL_KILL_AFTER_S sets another moment (a longer
  // drill: docs/operations/point-in-time-recovery.md).
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  absl::StatusOr<std::string> archived_at = cluster_->AdminSql(
      Node::kPrimary, "SELECT extract(epoch FROM last_archived_time)::text FROM pg_stat_archiver");
  ASSERT_TRUE(archived_at.ok()) << archived_at.status();
  double archived_epoch = 0;
  ASSERT_TRUE(absl::SimpleAtod(*archived_at, &archived_epoch)) << *archived_at;
  int kill_after_s = archive_timeout_s - 2;
  if (const char* set = std::getenv("PITR_DRILL_KILL_AFTER_S"); set != nullptr) {
    ASSERT_TRUE(absl::SimpleAtoi(set, &kill_after_s)) << set;
  }
  absl::SleepFor(absl::FromUnixSeconds(0) + absl::Seconds(archived_epoch) +
                 absl::Seconds(kill_after_s) - absl::Now());

  std::ifstream pid_file(pg_root_ + "/primary/postmaster.pid");
  pid_t postmaster = 0;
  ASSERT_TRUE(pid_file >> postmaster) << "no postmaster.pid";
  const absl::Time killed = absl::Now();
  ASSERT_EQ(::kill(postmaster, SIGKILL), 0);
  for (int i = 0; i < 100 && (*writer)->error().empty(); ++i)
    absl::SleepFor(absl::Milliseconds(50));
  (*writer)->Stop();
  const std::vector<DrillRow> rows = (*writer)->Rows();

  // What the streaming replica had when the primary died.
  absl::StatusOr<std::string> replay_lsn =
      cluster_->AdminSql(Node::kReplica, "SELECT pg_last_wal_replay_lsn()::text");
  ASSERT_TRUE(replay_lsn.ok()) << replay_lsn.status();
  absl::StatusOr<std::set<int64_t>> on_replica = Seqs(kReplicaPort);
  ASSERT_TRUE(on_replica.ok()) << on_replica.status();

  // The primary's disk is lost: from the archive alone.
  const std::string data_dir = RestoreDir("pitr-latest");
  const absl::Time restore_start = absl::Now();
  backup::CommandResult latest =
      Pitr({"latest", "--data-dir", data_dir, "--port", std::to_string(kRestorePort)});
  const absl::Duration restore_time = absl::Now() - restore_start;
  ASSERT_EQ(latest.exit_code, 0) << latest.error_output;
  absl::StatusOr<std::set<int64_t>> restored = Seqs(kRestorePort);
  ASSERT_TRUE(restored.ok()) << restored.status();

  std::optional<DrillRow> last_acked, last_restored;
  int acked = 0, lost = 0, missing_on_replica = 0;
  for (const DrillRow& row : rows) {
    if (restored->count(row.seq) == 0 && row.acked.has_value()) ++lost;
    if (!row.acked.has_value()) continue;
    ++acked;
    last_acked = row;
    if (on_replica->count(row.seq) == 0) ++missing_on_replica;
    if (restored->count(row.seq)) {
      // The archive is a prefix of history: nothing acknowledged earlier is
      // missing.
      EXPECT_EQ(lost, 0) << "row " << row.seq << " restored after a lost earlier row";
      last_restored = row;
    }
  }
  ASSERT_TRUE(last_acked.has_value());
  ASSERT_TRUE(last_restored.has_value()) << "nothing of the drill came back";
  const absl::Duration window = *last_acked->acked - *last_restored->acked;
  std::printf(
      "RPO measured: %.1f s (%d rows) with archive_timeout=%d s (killed %d s after the last "
      "archived segment); "
      "%d rows acknowledged, the last "
      "%+.3f s after the kill signal (a backend commits until it notices its postmaster is "
      "gone); restore from the archive took %.1f s\n",
      Seconds(window), lost, archive_timeout_s, kill_after_s, acked,
      Seconds(*last_acked->acked - killed), Seconds(restore_time));
  std::printf(
      "replica at the kill: replay LSN %s, last acknowledged row's INSERT at %s; rows "
      "acknowledged but missing on the replica: %d\n",
      replay_lsn->c_str(), last_acked->insert_lsn.c_str(), missing_on_replica);
  EXPECT_LE(window, absl::Seconds(archive_timeout_s + 5))
      << "more data lost than archive_timeout allows";
}

TEST_F(PitrDrillTest, DifferentialBackupOnTopOfAFullRestores) {
  const std::string quest = AdminConnection(kPrimaryPort, "quest_db");
  ASSERT_TRUE(CreateDrillTable(quest).ok());
  auto insert = [&](int from, int to) {
    return cluster_
        ->AdminSql(Node::kPrimary,
                   absl::StrCat("INSERT INTO drill_rows (seq) SELECT generate_series(", from, ", ",
                                to, ")"),
                   "quest_db")
        .ok();
  };
  ASSERT_TRUE(insert(1, 100));
  BaseBackup("full");
  ASSERT_TRUE(insert(101, 200));
  BaseBackup("diff");
  ASSERT_TRUE(insert(201, 300));
  // pgBackRest picks the newest set that stopped before the target in whole
  // seconds: a target in the differential's last second would take the full
  // set (and replay longer, to the same result).
  absl::SleepFor(absl::Milliseconds(1200));
  const absl::Time target = absl::Now();
  absl::SleepFor(absl::Milliseconds(200));
  ASSERT_TRUE(insert(301, 400));
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);

  backup::CommandResult info = Pitr({"info", "--output", "json"});
  ASSERT_EQ(info.exit_code, 0);
  EXPECT_THAT(info.output, HasSubstr("\"type\":\"full\""));
  EXPECT_THAT(info.output, HasSubstr("\"type\":\"diff\""));

  const std::string data_dir = RestoreDir("pitr-diff");
  backup::CommandResult restore = Pitr({"restore", "--to", TargetTime(target), "--data-dir",
                                        data_dir, "--port", std::to_string(kRestorePort)});
  ASSERT_EQ(restore.exit_code, 0) << restore.error_output;
  // pgBackRest chose the differential set (full label _ diff label).
  EXPECT_THAT(restore.output,
              ContainsRegex("restore backup set [0-9]{8}-[0-9]{6}F_[0-9]{8}-[0-9]{6}D"));
  absl::StatusOr<std::set<int64_t>> restored = Seqs(kRestorePort);
  ASSERT_TRUE(restored.ok()) << restored.status();
  std::set<int64_t> expected;
  for (int seq = 1; seq <= 300; ++seq) expected.insert(seq);
  EXPECT_EQ(*restored, expected);
}

TEST_F(PitrDrillTest, WrongCipherPassOrALiveTargetFailsAndRestoresNothing) {
  BaseBackup("full");
  // pgBackRest compares whole seconds: a target in the backup's last second
  // finds no set.
  absl::SleepFor(absl::Milliseconds(1100));
  const std::string data_dir = RestoreDir("pitr-wrong-pass");
  const std::map<std::string, std::string> wrong = {
      {"PGBACKREST_REPO1_CIPHER_PASS", "not-the-repository-pass"}};

  backup::CommandResult restore = Pitr({"restore", "--to", TargetTime(absl::Now()), "--data-dir",
                                        data_dir, "--port", std::to_string(kRestorePort)},
                                       wrong);
  EXPECT_EQ(restore.exit_code, 1);
  EXPECT_THAT(restore.error_output, HasSubstr("cannot read the pgBackRest repository"));
  EXPECT_THAT(restore.error_output, HasSubstr("repo1-cipher-pass"));
  EXPECT_FALSE(std::filesystem::exists(data_dir)) << "a failed restore left " << data_dir;

  backup::CommandResult info = Pitr({"info"}, wrong);
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_THAT(info.error_output, HasSubstr("repo1-cipher-pass"));

  backup::CommandResult base = Pitr({"base", "--type", "diff"}, wrong);
  EXPECT_EQ(base.exit_code, 1);
  EXPECT_THAT(base.error_output, HasSubstr("cannot read the pgBackRest repository"));

  // Aimed at the live primary's data directory: refused, the primary serves.
  backup::CommandResult over_live =
      Pitr({"latest", "--data-dir", pg_root_ + "/primary", "--port", std::to_string(kRestorePort)});
  EXPECT_EQ(over_live.exit_code, 1);
  EXPECT_THAT(over_live.error_output, HasSubstr("is not empty"));
  EXPECT_EQ(cluster_->AdminSql(Node::kPrimary, "SELECT 'serving'").value_or(""), "serving");

  backup::CommandResult usage = Pitr({"base", "--type", "weekly"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.error_output, HasSubstr("--type must be full, diff or incr"));

  // `stop --remove` of the live primary (the config's pg1-path), and of a
  // data directory no restore made: refused, nothing stopped or deleted.
  backup::CommandResult stop_live = Pitr({"stop", "--data-dir", pg_root_ + "/primary", "--remove"});
  EXPECT_EQ(stop_live.exit_code, 1);
  EXPECT_THAT(stop_live.error_output, HasSubstr("is the pg1-path"));
  backup::CommandResult stop_replica =
      Pitr({"stop", "--data-dir", pg_root_ + "/replica", "--remove"});
  EXPECT_EQ(stop_replica.exit_code, 1);
  EXPECT_THAT(stop_replica.error_output, HasSubstr("has no .pitr-restored"));
  EXPECT_EQ(cluster_->AdminSql(Node::kPrimary, "SELECT 'serving'").value_or(""), "serving");
  EXPECT_EQ(cluster_->AdminSql(Node::kReplica, "SELECT 'serving'").value_or(""), "serving");
}

TEST_F(PitrDrillTest, UnreachableTargetsAndAMissingPassFailClearly) {
  BaseBackup("full");
  const std::string port = std::to_string(kRestorePort);
  const std::string data_dir = RestoreDir("pitr-unreachable");
  auto restore_to = [&](const std::string& to) {
    backup::CommandResult result =
        Pitr({"restore", "--to", to, "--data-dir", data_dir, "--port", port});
    EXPECT_FALSE(std::filesystem::exists(data_dir)) << "restore to " << to << " left " << data_dir;
    return result;
  };

  backup::CommandResult no_zone = restore_to("2026-12-02 03:40:00");
  EXPECT_EQ(no_zone.exit_code, 1);
  EXPECT_THAT(no_zone.error_output, HasSubstr("has no zone"));
  backup::CommandResult not_a_time = restore_to("yesterday-ish+00");
  EXPECT_EQ(not_a_time.exit_code, 1);
  EXPECT_THAT(not_a_time.error_output, HasSubstr("is not a time"));

  // Before the first backup: no set can reach it.
  backup::CommandResult before = restore_to(TargetTime(absl::Now() - absl::Hours(1)));
  EXPECT_EQ(before.exit_code, 1);
  EXPECT_THAT(before.error_output, HasSubstr("no base backup finished before the target"));
  // After the end of the archive (nothing committed after T yet).
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  backup::CommandResult after = restore_to(TargetTime(absl::Now() + absl::Minutes(5)));
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_THAT(after.error_output, HasSubstr("no transaction committed after"));
  EXPECT_THAT(after.error_output, HasSubstr("`latest` restores the same state"));

  // A config without the cipher pass.
  const std::string config = pg_root_ + "/pgbackrest/pgbackrest.conf";
  const std::string no_pass = pg_root_ + "/pgbackrest/no-pass.conf";
  {
    std::ifstream in(config);
    std::ofstream out(no_pass);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("repo1-cipher-pass=", 0) != 0) out << line << "\n";
    }
  }
  std::filesystem::permissions(no_pass, std::filesystem::perms::owner_read |
                                            std::filesystem::perms::group_read |
                                            std::filesystem::perms::others_read);
  backup::CommandResult missing =
      Pitr({"latest", "--data-dir", data_dir, "--port", port, "--config", no_pass});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.error_output, HasSubstr("repo1-cipher-pass"));
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

TEST_F(PitrDrillTest, LatestFailsOnAMissingSegmentAndTheRepositoryHasNoPlaintext) {
  const std::string quest = AdminConnection(kPrimaryPort, "quest_db");
  ASSERT_TRUE(CreateDrillTable(quest).ok());
  BaseBackup("full");
  const std::string marker = "pitr-plaintext-marker-7f3a9c";
  ASSERT_TRUE(cluster_
                  ->AdminSql(Node::kPrimary,
                             absl::StrCat("CREATE TABLE secrets AS SELECT '", marker,
                                          "'::text AS note FROM generate_series(1, 200)"),
                             "quest_db")
                  .ok());
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  ASSERT_TRUE(
      cluster_->AdminSql(Node::kPrimary, "INSERT INTO drill_rows (seq) VALUES (1)", "quest_db")
          .ok());
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  BaseBackup("diff");  // the marker's table is in a base backup too

  int files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(pg_root_ + "/pgbackrest/repo")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_FALSE(FileContains(entry.path(), marker)) << entry.path() << " holds plaintext";
  }
  EXPECT_GT(files, 5);
  // The marker is really in the cluster's files (so the search could fail).
  bool in_cluster = false;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(pg_root_ + "/primary/base")) {
    if (entry.is_regular_file() && FileContains(entry.path(), marker)) in_cluster = true;
  }
  EXPECT_TRUE(in_cluster) << "the marker is not in the primary's tables";

  // A segment in the middle of the archive goes missing: `latest` must not
  // promote short of the archive's end and call it done.
  // Two segments after the differential: the first of them is the gap.
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  ASSERT_TRUE(
      cluster_->AdminSql(Node::kPrimary, "INSERT INTO drill_rows (seq) VALUES (2)", "quest_db")
          .ok());
  ASSERT_EQ(Pitr({"check"}).exit_code, 0);
  std::vector<std::filesystem::path> segments = ArchivedSegments();
  ASSERT_GE(segments.size(), 4u);
  const std::filesystem::path gone = segments[segments.size() - 2];
  std::filesystem::remove(gone);
  const std::string data_dir = RestoreDir("pitr-gap");
  backup::CommandResult latest =
      Pitr({"latest", "--data-dir", data_dir, "--port", std::to_string(kRestorePort)});
  EXPECT_EQ(latest.exit_code, 1);
  EXPECT_THAT(latest.error_output, HasSubstr("is missing or unreadable in the repository"));
  EXPECT_FALSE(std::filesystem::exists(data_dir));
  EXPECT_THAT(ScalarOn(kRestorePort, "SELECT 1"), HasSubstr("error:"));

  // A regenerated cipher pass next to the old repository: `up-postgres` on
  // the state directory recreates the (local, throwaway) repository, and
  // archiving works again.
  const std::string secrets = cluster_->state_dir() + "/secrets.env";
  std::string text;
  {
    std::ifstream in(secrets);
    for (std::string line; std::getline(in, line);) {
      text += line.rfind("PGBACKREST_CIPHER_PASS=", 0) == 0 ? "PGBACKREST_CIPHER_PASS=regenerated"
                                                            : line;
      text += "\n";
    }
  }
  std::ofstream(secrets) << text;
  backup::Command up;
  up.argv = {"/bin/sh", "-c", "cd / && exec \"$0\" up-postgres --state \"$1\"",
             Absolute("QS_INFRA_SCRIPT"), cluster_->state_dir()};
  up.env = {{"STATE_DIR", cluster_->state_dir()},
            {"PG_PRIMARY_PORT", std::to_string(kPrimaryPort)},
            {"PG_REPLICA_PORT", std::to_string(kReplicaPort)}};
  absl::StatusOr<backup::CommandResult> upped = backup::Run(up);
  ASSERT_TRUE(upped.ok()) << upped.status();
  std::printf("$ infra.sh up-postgres\n%s%s", upped->output.c_str(), upped->error_output.c_str());
  EXPECT_EQ(upped->exit_code, 0);
  EXPECT_THAT(upped->output, HasSubstr("recreated the local pgBackRest repository"));
  EXPECT_EQ(Pitr({"check"}).exit_code, 0);
}

}  // namespace
}  // namespace qs::testing
