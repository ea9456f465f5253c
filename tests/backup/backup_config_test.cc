#include "deploy/backup/backup_config.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Env = std::map<std::string, std::string>;

// Real age public keys (age-keygen -y), valid checksums.
constexpr char kRecipient1[] = "age1ey7spju5nka7csgzcufne5c0fywp86qx797x5trq6kvr9t7jjp4qp5xtzd";
constexpr char kRecipient2[] = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

std::string TempFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path) << contents;
  return path;
}

absl::StatusOr<BackupConfig> Read(const Env& env, Needs needs = Needs::kTargetOnly) {
  return ReadBackupConfig(config::MapEnv(env), needs);
}

void ExpectInvalid(const Env& env, Needs needs, const std::string& variable,
                   const std::string& also = "") {
  const absl::StatusOr<BackupConfig> config = Read(env, needs);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
  EXPECT_THAT(config.status().message(), HasSubstr(variable));
  EXPECT_THAT(config.status().message(), HasSubstr(also));
}

Env BackUpEnv() {
  return {{"BACKUP_TARGET", "/srv/backups"},
          {"BACKUP_AGE_RECIPIENTS", kRecipient1},
          {"BACKUP_PG_HOST", "127.0.0.1"},
          {"BACKUP_PG_USER", "backup"}};
}

TEST(BackupConfigTest, ALocalDirectoryWithTheDefaults) {
  const absl::StatusOr<BackupConfig> config = Read({{"BACKUP_TARGET", "/srv/backups/"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->local_directory, "/srv/backups");
  EXPECT_FALSE(config->s3.has_value());
  EXPECT_EQ(config->retention, absl::Hours(24 * 30));
  EXPECT_THAT(config->databases, ElementsAre("quest_db", "notification_db", "social_db"));
  EXPECT_EQ(config->staging_dir, "/tmp");
  EXPECT_TRUE(config->age_recipients.empty());
}

TEST(BackupConfigTest, AFileUrlIsADirectory) {
  const absl::StatusOr<BackupConfig> config = Read({{"BACKUP_TARGET", "file:///mnt/nfs/b"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->local_directory, "/mnt/nfs/b");
}

TEST(BackupConfigTest, AnS3TargetWithEndpointAndKeys) {
  const absl::StatusOr<BackupConfig> config = Read({{"BACKUP_TARGET", "s3://backups/nightly/qs/"},
                                                    {"BACKUP_S3_ENDPOINT", "http://127.0.0.1:4568"},
                                                    {"BACKUP_S3_REGION", "eu-west-1"},
                                                    {"BACKUP_S3_ACCESS_KEY", "AKIA1"},
                                                    {"BACKUP_S3_SECRET_KEY", "s3cr3t"}});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->s3.has_value());
  EXPECT_TRUE(config->local_directory.empty());
  EXPECT_EQ(config->s3->bucket, "backups");
  EXPECT_EQ(config->s3->prefix, "nightly/qs");
  EXPECT_EQ(config->s3->endpoint, "127.0.0.1:4568");
  EXPECT_FALSE(config->s3->use_https);
  EXPECT_EQ(config->s3->region, "eu-west-1");
  EXPECT_EQ(config->s3->access_key, "AKIA1");
  EXPECT_EQ(config->s3->secret_key, "s3cr3t");
}

TEST(BackupConfigTest, AnS3EndpointDefaultsToAwsOverHttps) {
  const std::string secret_file = TempFile("s3-secret", "from-file\n");
  const absl::StatusOr<BackupConfig> config = Read({{"BACKUP_TARGET", "s3://backups"},
                                                    {"BACKUP_S3_ACCESS_KEY", "AKIA1"},
                                                    {"BACKUP_S3_SECRET_KEY_FILE", secret_file}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->s3->prefix, "");
  EXPECT_EQ(config->s3->endpoint, "s3.us-east-1.amazonaws.com");
  EXPECT_TRUE(config->s3->use_https);
  EXPECT_EQ(config->s3->secret_key, "from-file");
}

TEST(BackupConfigTest, TargetErrorsNameTheVariable) {
  ExpectInvalid({}, Needs::kTargetOnly, "BACKUP_TARGET", "required");
  ExpectInvalid({{"BACKUP_TARGET", "relative/dir"}}, Needs::kTargetOnly, "BACKUP_TARGET");
  ExpectInvalid({{"BACKUP_TARGET", "s3://Bad_Bucket/x"}}, Needs::kTargetOnly, "BACKUP_TARGET",
                "Bad_Bucket");
  ExpectInvalid({{"BACKUP_TARGET", "s3://backups/../x"}}, Needs::kTargetOnly, "BACKUP_TARGET");
  ExpectInvalid({{"BACKUP_TARGET", "s3://backups"}, {"BACKUP_S3_SECRET_KEY", "s"}},
                Needs::kTargetOnly, "BACKUP_S3_ACCESS_KEY");
  ExpectInvalid({{"BACKUP_TARGET", "s3://backups"}, {"BACKUP_S3_ACCESS_KEY", "a"}},
                Needs::kTargetOnly, "BACKUP_S3_SECRET_KEY");
  ExpectInvalid({{"BACKUP_TARGET", "s3://backups"},
                 {"BACKUP_S3_ENDPOINT", "http://host/path"},
                 {"BACKUP_S3_ACCESS_KEY", "a"},
                 {"BACKUP_S3_SECRET_KEY", "s"}},
                Needs::kTargetOnly, "BACKUP_S3_ENDPOINT");
}

TEST(BackupConfigTest, KeysSpanningLinesAreRefused) {
  ExpectInvalid({{"BACKUP_TARGET", "s3://backups"},
                 {"BACKUP_S3_ACCESS_KEY", "a"},
                 {"BACKUP_S3_SECRET_KEY", "s\nhost_base = evil.example"}},
                Needs::kTargetOnly, "BACKUP_S3_SECRET_KEY", "one line");
}

TEST(BackupConfigTest, RestoringFromADumpFileNeedsOnlyPostgres) {
  const absl::StatusOr<BackupConfig> config = Read(
      {{"BACKUP_PG_HOST", "127.0.0.1"}, {"BACKUP_PG_USER", "backup"}}, Needs::kRestoreFromDump);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->local_directory.empty());
  EXPECT_FALSE(config->s3.has_value());
  ExpectInvalid({{"BACKUP_PG_USER", "backup"}}, Needs::kRestoreFromDump, "BACKUP_PG_HOST");
}

TEST(BackupConfigTest, SecretsAreNeverEchoed) {
  const absl::StatusOr<BackupConfig> config =
      Read({{"BACKUP_TARGET", "s3://backups"},
            {"BACKUP_S3_ACCESS_KEY", "a"},
            {"BACKUP_S3_SECRET_KEY", "hunter2-secret"},
            {"BACKUP_S3_SECRET_KEY_FILE", TempFile("other", "x")}});
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("BACKUP_S3_SECRET_KEY"));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("hunter2")));
}

TEST(BackupConfigTest, BackingUpNeedsValidRecipientsAndPostgres) {
  const absl::StatusOr<BackupConfig> config = Read(BackUpEnv(), Needs::kBackUp);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->age_recipients, ElementsAre(kRecipient1));
  EXPECT_EQ(config->postgres.host, "127.0.0.1");
  EXPECT_EQ(config->postgres.port, 5432);
  EXPECT_EQ(config->postgres.user, "backup");
  EXPECT_EQ(config->postgres.ssl_mode, "prefer");
  EXPECT_EQ(config->postgres.bin_dir, "/usr/lib/postgresql/15/bin");
  EXPECT_TRUE(config->age_identity_file.empty()) << "backing up never needs the private key";

  Env env = BackUpEnv();
  env.erase("BACKUP_AGE_RECIPIENTS");
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_AGE_RECIPIENTS", "required");
  env["BACKUP_AGE_RECIPIENTS"] = std::string(kRecipient1).substr(0, 61) + "q";
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_AGE_RECIPIENTS", "not an age public key");
  env = BackUpEnv();
  env.erase("BACKUP_PG_HOST");
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_PG_HOST");
  env = BackUpEnv();
  env.erase("BACKUP_PG_USER");
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_PG_USER");
  env = BackUpEnv();
  env["BACKUP_PG_PORT"] = "70000";
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_PG_PORT");
  env = BackUpEnv();
  env["BACKUP_PG_SSL_MODE"] = "sometimes";
  ExpectInvalid(env, Needs::kBackUp, "BACKUP_PG_SSL_MODE", "sometimes");
}

TEST(BackupConfigTest, RecipientsFromAFileWithCommentsOrAList) {
  Env env = BackUpEnv();
  env.erase("BACKUP_AGE_RECIPIENTS");
  env["BACKUP_AGE_RECIPIENTS_FILE"] = TempFile(
      "recipients", absl::StrCat("# ops team\n", kRecipient1, "\n\n# escrow\n", kRecipient2, "\n"));
  absl::StatusOr<BackupConfig> config = Read(env, Needs::kBackUp);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->age_recipients, ElementsAre(kRecipient1, kRecipient2));

  env = BackUpEnv();
  env["BACKUP_AGE_RECIPIENTS"] = absl::StrCat(kRecipient1, ", ", kRecipient2);
  config = Read(env, Needs::kBackUp);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->age_recipients, ElementsAre(kRecipient1, kRecipient2));
}

TEST(BackupConfigTest, RestoringNeedsAReadableIdentityFile) {
  Env env = BackUpEnv();
  env.erase("BACKUP_AGE_RECIPIENTS");
  ExpectInvalid(env, Needs::kRestore, "BACKUP_AGE_IDENTITY_FILE", "required");
  env["BACKUP_AGE_IDENTITY_FILE"] = "/nonexistent/key.txt";
  ExpectInvalid(env, Needs::kRestore, "BACKUP_AGE_IDENTITY_FILE", "/nonexistent/key.txt");
  env["BACKUP_AGE_IDENTITY_FILE"] = TempFile("identity", "AGE-SECRET-KEY-1...\n");
  const absl::StatusOr<BackupConfig> config = Read(env, Needs::kRestore);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->age_identity_file, env["BACKUP_AGE_IDENTITY_FILE"]);
  EXPECT_TRUE(config->age_recipients.empty()) << "restoring needs no recipients";
}

TEST(BackupConfigTest, RetentionDatabasesAndStaging) {
  const absl::StatusOr<BackupConfig> config = Read({{"BACKUP_TARGET", "/b"},
                                                    {"BACKUP_RETENTION_DAYS", "7"},
                                                    {"BACKUP_DATABASES", "quest_db, social_db"},
                                                    {"BACKUP_STAGING_DIR", "/var/tmp/staging"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->retention, absl::Hours(24 * 7));
  EXPECT_THAT(config->databases, ElementsAre("quest_db", "social_db"));
  EXPECT_EQ(config->staging_dir, "/var/tmp/staging");

  ExpectInvalid({{"BACKUP_TARGET", "/b"}, {"BACKUP_RETENTION_DAYS", "0"}}, Needs::kTargetOnly,
                "BACKUP_RETENTION_DAYS");
  ExpectInvalid({{"BACKUP_TARGET", "/b"}, {"BACKUP_RETENTION_DAYS", "a month"}}, Needs::kTargetOnly,
                "BACKUP_RETENTION_DAYS");
  ExpectInvalid({{"BACKUP_TARGET", "/b"}, {"BACKUP_DATABASES", "quest_db,Quest-DB"}},
                Needs::kTargetOnly, "BACKUP_DATABASES", "Quest-DB");
  ExpectInvalid({{"BACKUP_TARGET", "/b"}, {"BACKUP_DATABASES", "quest_db,quest_db"}},
                Needs::kTargetOnly, "BACKUP_DATABASES", "twice");
  ExpectInvalid({{"BACKUP_TARGET", "/b"}, {"BACKUP_STAGING_DIR", "staging"}}, Needs::kTargetOnly,
                "BACKUP_STAGING_DIR");
}

}  // namespace
}  // namespace qs::backup
