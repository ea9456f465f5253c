#include "deploy/backup/manifest.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::HasSubstr;

ops::v1::BackupManifest FullManifest() {
  ops::v1::BackupManifest manifest;
  manifest.set_backup_id("20261202T000012Z");
  manifest.set_database("quest_db");
  manifest.mutable_created_at()->set_seconds(1796169612);
  manifest.mutable_finished_at()->set_seconds(1796169620);
  manifest.set_object_key("quest_db/20261202T000012Z.dump.age");
  manifest.set_size_bytes(48213);
  manifest.set_sha256(std::string(64, 'a'));
  manifest.set_postgres_version("15.5");
  manifest.set_pg_dump_version("pg_dump (PostgreSQL) 15.5");
  manifest.set_migration_version("20261124120000");
  (*manifest.mutable_table_rows())["public.puzzles"] = 12;
  (*manifest.mutable_table_rows())["public.attempts"] = 0;
  manifest.set_encryption("age");
  manifest.add_recipients("age1abc");
  manifest.set_database_owner("quest_owner");
  manifest.set_database_acl("{quest_owner=CTc/quest_owner}");
  return manifest;
}

TEST(BackupIdTest, IsTheUtcSecondAndParsesBack) {
  const absl::Time time = absl::FromCivil(absl::CivilSecond(2026, 12, 2, 0, 0, 12),
                                          absl::UTCTimeZone()) +
                          absl::Milliseconds(999);  // whole seconds only
  EXPECT_EQ(BackupIdAt(time), "20261202T000012Z");
  absl::StatusOr<absl::Time> parsed = TimeOfBackupId("20261202T000012Z");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed,
            absl::FromCivil(absl::CivilSecond(2026, 12, 2, 0, 0, 12), absl::UTCTimeZone()));
}

TEST(BackupIdTest, MalformedIdsAreInvalidAndNamed) {
  for (const char* bad : {"", "20261202T000012", "20261302T000012Z", "2026-12-02T00:00:12Z",
                          "20261202T000012Z.dump.age", "20261232T000012Z", "x0261202T000012Z"}) {
    const absl::StatusOr<absl::Time> parsed = TimeOfBackupId(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("\"", bad, "\""))) << bad;
  }
}

TEST(ObjectKeysTest, DumpThenManifestUnderTheDatabase) {
  EXPECT_EQ(DumpKey("quest_db", "20261202T000012Z"), "quest_db/20261202T000012Z.dump.age");
  EXPECT_EQ(ManifestKey("quest_db", "20261202T000012Z"), "quest_db/20261202T000012Z.manifest.json");
}

TEST(ManifestJsonTest, RoundTripsEveryField) {
  const ops::v1::BackupManifest manifest = FullManifest();
  const std::string json = ManifestToJson(manifest);
  // protobuf's JSON mapping: lowerCamelCase names, RFC 3339 timestamps.
  EXPECT_THAT(json, HasSubstr("\"backupId\": \"20261202T000012Z\""));
  EXPECT_THAT(json, HasSubstr("\"createdAt\": \"2026-12-02T00:00:12Z\""));
  EXPECT_THAT(json, HasSubstr("\"public.puzzles\": \"12\""));
  absl::StatusOr<ops::v1::BackupManifest> parsed = ManifestFromJson(json, "m");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*parsed, manifest))
      << parsed->DebugString();
}

TEST(ManifestJsonTest, AnEmptyMigrationVersionIsStillWritten) {
  ops::v1::BackupManifest manifest = FullManifest();
  manifest.clear_migration_version();
  EXPECT_THAT(ManifestToJson(manifest), HasSubstr("\"migrationVersion\": \"\""));
}

TEST(ManifestJsonTest, UnknownFieldsFromANewerToolAreIgnored) {
  std::string json = ManifestToJson(FullManifest());
  json.insert(json.find('{') + 1, "\"compression\": \"zstd\",");
  EXPECT_TRUE(ManifestFromJson(json, "m").ok());
}

TEST(ManifestJsonTest, DamagedJsonIsDataLossNamingTheObject) {
  const std::string json = ManifestToJson(FullManifest());
  for (const std::string& damaged : {json.substr(0, json.size() / 2), std::string("not json"),
                                     std::string(""), std::string("{\"backupId\": 12}")}) {
    const absl::StatusOr<ops::v1::BackupManifest> parsed =
        ManifestFromJson(damaged, "quest_db/X.manifest.json");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << damaged;
    EXPECT_THAT(parsed.status().message(), HasSubstr("quest_db/X.manifest.json"));
  }
}

TEST(ManifestJsonTest, AManifestWithoutItsEssentialsIsDataLoss) {
  struct Case {
    const char* name;
    void (*damage)(ops::v1::BackupManifest&);
  };
  const Case cases[] = {
      {"database", [](ops::v1::BackupManifest& m) { m.clear_database(); }},
      {"backupId", [](ops::v1::BackupManifest& m) { m.clear_backup_id(); }},
      {"objectKey", [](ops::v1::BackupManifest& m) { m.clear_object_key(); }},
      {"sha256", [](ops::v1::BackupManifest& m) { m.clear_sha256(); }},
      {"createdAt", [](ops::v1::BackupManifest& m) { m.clear_created_at(); }},
      {"sha256 is not", [](ops::v1::BackupManifest& m) { m.set_sha256("ABC"); }},
      {"is not a backup id", [](ops::v1::BackupManifest& m) { m.set_backup_id("yesterday"); }},
  };
  for (const Case& c : cases) {
    ops::v1::BackupManifest manifest = FullManifest();
    c.damage(manifest);
    const absl::StatusOr<ops::v1::BackupManifest> parsed =
        ManifestFromJson(ManifestToJson(manifest), "obj");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << c.name;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.name));
    EXPECT_THAT(parsed.status().message(), HasSubstr("obj"));
  }
}

TEST(TimeOfTest, KeepsSecondsAndNanos) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(1796169612);  // 2026-12-02T00:00:12Z
  timestamp.set_nanos(345000000);
  EXPECT_EQ(TimeOf(timestamp),
            absl::FromCivil(absl::CivilSecond(2026, 12, 2, 0, 0, 12), absl::UTCTimeZone()) +
                absl::Milliseconds(345));
  EXPECT_EQ(TimeOf(google::protobuf::Timestamp()), absl::UnixEpoch());
}

}  // namespace
}  // namespace qs::backup
