#include "deploy/backup/backup_config.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"
#include "deploy/backup/age_cipher.h"
#include "deploy/backup/identifier.h"

namespace qs::backup {
namespace {

using config::EnvLookup;

absl::Status Invalid(absl::string_view variable, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(variable, ": ", why));
}

// S3's bucket naming rules (lowercase letters, digits, '.', '-', 3..63).
bool IsBucketName(absl::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// "http://host:port" / "https://host" / "host:port" (https).
absl::Status ReadEndpoint(const EnvLookup& env, S3Settings& s3) {
  std::string endpoint = config::ReadString(env, "BACKUP_S3_ENDPOINT", "");
  if (endpoint.empty()) {
    s3.endpoint = absl::StrCat("s3.", s3.region, ".amazonaws.com");
    return absl::OkStatus();
  }
  absl::string_view rest = endpoint;
  if (absl::ConsumePrefix(&rest, "http://")) {
    s3.use_https = false;
  } else {
    absl::ConsumePrefix(&rest, "https://");
  }
  rest = absl::StripSuffix(rest, "/");
  if (rest.empty() || absl::StrContains(rest, "/") || absl::StrContains(rest, " ")) {
    return Invalid("BACKUP_S3_ENDPOINT",
                   absl::StrCat("expected http(s)://host[:port], got \"", endpoint, "\""));
  }
  s3.endpoint = std::string(rest);
  return absl::OkStatus();
}

absl::Status ReadS3(const EnvLookup& env, absl::string_view location, BackupConfig& config) {
  S3Settings s3;
  const size_t slash = location.find('/');
  s3.bucket = std::string(location.substr(0, slash));
  if (slash != absl::string_view::npos) {
    s3.prefix = std::string(absl::StripSuffix(location.substr(slash + 1), "/"));
  }
  if (!IsBucketName(s3.bucket)) {
    return Invalid(
        "BACKUP_TARGET",
        absl::StrCat("\"", s3.bucket, "\" is not an S3 bucket name (3..63 of a-z 0-9 . -)"));
  }
  if (absl::StartsWith(s3.prefix, "/") || absl::StrContains(s3.prefix, "//") ||
      absl::StrContains(s3.prefix, "..") || absl::StrContains(s3.prefix, " ")) {
    return Invalid("BACKUP_TARGET", absl::StrCat("bad prefix \"", s3.prefix, "\""));
  }
  s3.region = config::ReadString(env, "BACKUP_S3_REGION", "us-east-1");
  QS_RETURN_IF_ERROR(ReadEndpoint(env, s3));
  QS_ASSIGN_OR_RETURN(s3.access_key, config::ReadSecret(env, "BACKUP_S3_ACCESS_KEY"));
  QS_ASSIGN_OR_RETURN(s3.secret_key, config::ReadSecret(env, "BACKUP_S3_SECRET_KEY"));
  if (s3.access_key.empty()) return Invalid("BACKUP_S3_ACCESS_KEY", "required for an s3:// target");
  if (s3.secret_key.empty()) return Invalid("BACKUP_S3_SECRET_KEY", "required for an s3:// target");
  // The keys go into s3cmd's configuration file, one setting a line.
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string&>("BACKUP_S3_ACCESS_KEY", s3.access_key),
        {"BACKUP_S3_SECRET_KEY", s3.secret_key}}) {
    if (value.find_first_of("\r\n") != std::string::npos) {
      return Invalid(name, "must be one line");
    }
  }
  config.s3 = std::move(s3);
  return absl::OkStatus();
}

absl::Status ReadTarget(const EnvLookup& env, BackupConfig& config) {
  const std::string target = config::ReadString(env, "BACKUP_TARGET", "");
  if (target.empty()) {
    return Invalid("BACKUP_TARGET", "required: s3://bucket/prefix or a directory (/srv/backups)");
  }
  absl::string_view rest = target;
  if (absl::ConsumePrefix(&rest, "s3://")) return ReadS3(env, rest, config);
  absl::ConsumePrefix(&rest, "file://");
  if (!absl::StartsWith(rest, "/")) {
    return Invalid(
        "BACKUP_TARGET",
        absl::StrCat("expected s3://bucket/prefix or an absolute directory, got \"", target, "\""));
  }
  std::string directory(rest);
  while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
  config.local_directory = std::move(directory);
  return absl::OkStatus();
}

absl::Status ReadRecipients(const EnvLookup& env, BackupConfig& config) {
  QS_ASSIGN_OR_RETURN(std::string text, config::ReadSecret(env, "BACKUP_AGE_RECIPIENTS"));
  // A recipients file (age -R's format) may carry "# comment" lines.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "#")) continue;
    for (absl::string_view recipient :
         absl::StrSplit(line, absl::ByAnyChar(", \t\r"), absl::SkipWhitespace())) {
      config.age_recipients.emplace_back(recipient);
    }
  }
  if (config.age_recipients.empty()) {
    return Invalid("BACKUP_AGE_RECIPIENTS", "required to back up: public age keys (age1...)");
  }
  absl::Status checked = CheckRecipients(config.age_recipients);
  if (!checked.ok()) return Invalid("BACKUP_AGE_RECIPIENTS", checked.message());
  return absl::OkStatus();
}

absl::Status ReadIdentity(const EnvLookup& env, BackupConfig& config) {
  config.age_identity_file = config::ReadString(env, "BACKUP_AGE_IDENTITY_FILE", "");
  if (config.age_identity_file.empty()) {
    return Invalid("BACKUP_AGE_IDENTITY_FILE",
                   "required to verify or restore: the private age key file");
  }
  if (access(config.age_identity_file.c_str(), R_OK) != 0) {
    return Invalid("BACKUP_AGE_IDENTITY_FILE",
                   absl::StrCat("cannot read ", config.age_identity_file, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ReadDatabases(const EnvLookup& env, BackupConfig& config) {
  const std::string text = config::ReadString(env, "BACKUP_DATABASES", "");
  if (text.empty()) return absl::OkStatus();  // the default three
  config.databases.clear();
  std::set<std::string> seen;
  for (absl::string_view name :
       absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipWhitespace())) {
    if (!IsPlainIdentifier(name)) {
      return Invalid("BACKUP_DATABASES",
                     absl::StrCat("\"", name, "\" is not a database name (a-z 0-9 _)"));
    }
    if (!seen.emplace(name).second) {
      return Invalid("BACKUP_DATABASES", absl::StrCat("\"", name, "\" given twice"));
    }
    config.databases.emplace_back(name);
  }
  return absl::OkStatus();
}

absl::Status ReadPostgres(const EnvLookup& env, PostgresSettings& postgres) {
  postgres.host = config::ReadString(env, "BACKUP_PG_HOST", "");
  if (postgres.host.empty()) return Invalid("BACKUP_PG_HOST", "required: the PostgreSQL primary");
  QS_ASSIGN_OR_RETURN(const int64_t port, config::ReadInt(env, "BACKUP_PG_PORT", 5432, 1, 65535));
  postgres.port = static_cast<int>(port);
  postgres.user = config::ReadString(env, "BACKUP_PG_USER", "");
  if (postgres.user.empty()) {
    return Invalid("BACKUP_PG_USER",
                   "required: the role to connect as (run: one with read access such as "
                   "qs_backup; verify and restore: an administrator)");
  }
  QS_ASSIGN_OR_RETURN(postgres.password, config::ReadSecret(env, "BACKUP_PG_PASSWORD"));
  postgres.ssl_mode = config::ReadString(env, "BACKUP_PG_SSL_MODE", "prefer");
  static const std::set<std::string> kModes = {"disable", "allow",     "prefer",
                                               "require", "verify-ca", "verify-full"};
  if (kModes.count(postgres.ssl_mode) == 0) {
    return Invalid("BACKUP_PG_SSL_MODE",
                   absl::StrCat("\"", postgres.ssl_mode,
                                "\" is not one of disable, allow, prefer, require, verify-ca, "
                                "verify-full"));
  }
  postgres.bin_dir = config::ReadString(env, "BACKUP_PG_BIN_DIR", "/usr/lib/postgresql/15/bin");
  postgres.read_host = config::ReadString(env, "BACKUP_PG_READ_HOST", "");
  QS_ASSIGN_OR_RETURN(const int64_t read_port,
                      config::ReadInt(env, "BACKUP_PG_READ_PORT", port, 1, 65535));
  postgres.read_port = static_cast<int>(read_port);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupConfig> ReadBackupConfig(const EnvLookup& env, Needs needs) {
  BackupConfig config;
  if (needs != Needs::kRestoreFromDump) QS_RETURN_IF_ERROR(ReadTarget(env, config));
  QS_ASSIGN_OR_RETURN(const int64_t days,
                      config::ReadInt(env, "BACKUP_RETENTION_DAYS", 30, 1, 36500));
  config.retention = absl::Hours(24 * days);
  QS_ASSIGN_OR_RETURN(const int64_t jobs, config::ReadInt(env, "BACKUP_RESTORE_JOBS", 2, 1, 64));
  config.restore_jobs = static_cast<int>(jobs);
  QS_RETURN_IF_ERROR(ReadDatabases(env, config));
  config.staging_dir =
      config::ReadString(env, "BACKUP_STAGING_DIR", config::ReadString(env, "TMPDIR", "/tmp"));
  if (!absl::StartsWith(config.staging_dir, "/")) {
    return Invalid("BACKUP_STAGING_DIR", "must be an absolute directory");
  }
  switch (needs) {
    case Needs::kTargetOnly:
      break;
    case Needs::kBackUp:
      QS_RETURN_IF_ERROR(ReadRecipients(env, config));
      QS_RETURN_IF_ERROR(ReadPostgres(env, config.postgres));
      break;
    case Needs::kRestore:
      QS_RETURN_IF_ERROR(ReadIdentity(env, config));
      QS_RETURN_IF_ERROR(ReadPostgres(env, config.postgres));
      break;
    case Needs::kRestoreFromDump:
      QS_RETURN_IF_ERROR(ReadPostgres(env, config.postgres));
      break;
  }
  return config;
}

}  // namespace qs::backup
