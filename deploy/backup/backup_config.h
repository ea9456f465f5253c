// Settings of the `backup` tool, from environment variables (the services'
// convention: common/config/env.h; secrets also from `<NAME>_FILE`).
//
//   BACKUP_TARGET            where backups go: "s3://bucket/prefix" or a
//                            local/NFS directory ("/srv/backups", "file:///srv/backups")
//   BACKUP_S3_ENDPOINT       S3-compatible endpoint, "https://s3.eu-west-1.amazonaws.com"
//                            or "http://127.0.0.1:4568" (s3:// targets only)
//   BACKUP_S3_REGION         default "us-east-1"
//   BACKUP_S3_ACCESS_KEY(_FILE), BACKUP_S3_SECRET_KEY(_FILE)
//   BACKUP_AGE_RECIPIENTS(_FILE)  public age recipients ("age1..."), separated by
//                            commas, spaces or newlines: enough to back up
//   BACKUP_AGE_IDENTITY_FILE the private age key: needed by verify and restore only
//   BACKUP_RETENTION_DAYS    default 30
//   BACKUP_DATABASES         default "quest_db,notification_db,social_db"
//   BACKUP_STAGING_DIR       local scratch space for one encrypted object at a
//                            time, s3cmd's generated config and the manifests
//                            the catalog reads: ALL the tool's scratch files go
//                            here (the CronJob's only writable directory);
//                            default $TMPDIR or /tmp
//   BACKUP_PG_HOST, BACKUP_PG_PORT (5432), BACKUP_PG_USER, BACKUP_PG_PASSWORD(_FILE),
//   BACKUP_PG_SSL_MODE (prefer)  the PostgreSQL primary and the role to use:
//                            `run` needs read access only (qs_backup,
//                            deploy/backup/backup_role.sql); `verify` and
//                            `restore` need a role that may create, rename and
//                            drop databases and terminate sessions (an
//                            administrator; docs/operations/backup-and-restore.md)
//   BACKUP_PG_BIN_DIR        default /usr/lib/postgresql/15/bin (pg_dump, pg_restore)
//   BACKUP_PG_READ_HOST, BACKUP_PG_READ_PORT (BACKUP_PG_PORT)  optional: the
//                            streaming replica the services read from; a restore
//                            ends the sessions there that still read the old
//                            database (same user and password as the primary)
//   BACKUP_RESTORE_JOBS      pg_restore --jobs and ANALYZE jobs; default 2
#ifndef QS_DEPLOY_BACKUP_BACKUP_CONFIG_H_
#define QS_DEPLOY_BACKUP_BACKUP_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::backup {

struct S3Settings {
  std::string bucket;
  std::string prefix;    // no leading or trailing '/'; may be empty
  std::string endpoint;  // host[:port]
  bool use_https = true;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
};

struct PostgresSettings {
  std::string host;
  int port = 5432;
  std::string user;
  std::string password;
  std::string ssl_mode = "prefer";
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  std::string read_host;  // "" when no replica is configured
  int read_port = 5432;
};

struct BackupConfig {
  // Exactly one of the two targets is set.
  std::string local_directory;
  std::optional<S3Settings> s3;
  std::vector<std::string> age_recipients;
  std::string age_identity_file;  // empty unless set
  absl::Duration retention = absl::Hours(24 * 30);
  std::vector<std::string> databases = {"quest_db", "notification_db", "social_db"};
  std::string staging_dir;
  PostgresSettings postgres;
  int restore_jobs = 2;
};

// What a command needs besides the target: `run` needs recipients and
// PostgreSQL, `verify`/`restore` the identity and PostgreSQL, `list`/`prune`
// only the target. A missing one is INVALID_ARGUMENT naming the variable.
// `restore --from-dump` needs PostgreSQL only (kRestoreFromDump): the dump
// is a local plain file, so neither a target nor an identity is read.
enum class Needs { kTargetOnly, kBackUp, kRestore, kRestoreFromDump };

absl::StatusOr<BackupConfig> ReadBackupConfig(const config::EnvLookup& env, Needs needs);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_BACKUP_CONFIG_H_
