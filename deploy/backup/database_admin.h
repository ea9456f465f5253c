// Database-level operations of verify and restore, run as the backup role
// in the maintenance database `postgres`: create an empty database for a
// restore, drop one, give one an owner and ACL, read them.
#ifndef QS_DEPLOY_BACKUP_DATABASE_ADMIN_H_
#define QS_DEPLOY_BACKUP_DATABASE_ADMIN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

// Where the database-level statements run: never one of the databases they
// create, rename or drop.
inline constexpr char kMaintenanceDatabase[] = "postgres";

struct OwnerAndAcl {
  std::string owner;
  std::string acl;  // pg_database.datacl as text, "" for NULL
};

absl::StatusOr<bool> DatabaseExists(const PostgresSettings& settings, const std::string& name);

// CREATE DATABASE from template0 (the dump brings everything else);
// ALREADY_EXISTS naming it when the name is taken, so a restore never
// writes into a database it did not create.
absl::Status CreateEmptyDatabase(const PostgresSettings& settings, const std::string& name);

// DROP DATABASE IF EXISTS ... WITH (FORCE).
absl::Status DropDatabase(const PostgresSettings& settings, const std::string& name);

// The owner and ACL of `name`; NOT_FOUND when there is no such database.
absl::StatusOr<OwnerAndAcl> ReadOwnerAndAcl(const PostgresSettings& settings,
                                            const std::string& name);

// Makes `owner` own `name` and sets its ACL to `acl` (database_acl.h), in
// one transaction.
absl::Status GiveOwnerAndAcl(const PostgresSettings& settings, const std::string& name,
                             const OwnerAndAcl& owner_and_acl);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DATABASE_ADMIN_H_
