#include "deploy/backup/database_admin.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "deploy/backup/database_acl.h"
#include "deploy/backup/postgres_connection.h"

namespace qs::backup {
absl::StatusOr<bool> DatabaseExists(const PostgresSettings& settings, const std::string& name) {
  bool exists = false;
  QS_RETURN_IF_ERROR(WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat("look up database ", name),
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        exists = !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
        return absl::OkStatus();
      }));
  return exists;
}

absl::Status CreateEmptyDatabase(const PostgresSettings& settings, const std::string& name) {
  QS_ASSIGN_OR_RETURN(bool exists, DatabaseExists(settings, name));
  if (exists) {
    return absl::AlreadyExistsError(
        absl::StrCat("database ", name, " already exists: restore only into a new database"));
  }
  return WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat("create database ", name),
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        tx.exec(absl::StrCat("CREATE DATABASE ", QuoteIdentifier(name), " TEMPLATE template0"));
        return absl::OkStatus();
      });
}

absl::Status DropDatabase(const PostgresSettings& settings, const std::string& name) {
  return WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat("drop database ", name),
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", QuoteIdentifier(name), " WITH (FORCE)"));
        return absl::OkStatus();
      });
}

absl::StatusOr<OwnerAndAcl> ReadOwnerAndAcl(const PostgresSettings& settings,
                                            const std::string& name) {
  OwnerAndAcl result;
  bool found = false;
  QS_RETURN_IF_ERROR(WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat("read owner of database ", name),
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        pqxx::result rows = tx.exec_params(
            "SELECT pg_get_userbyid(datdba), coalesce(datacl::text, '') FROM pg_database "
            "WHERE datname = $1",
            name);
        if (rows.empty()) return absl::OkStatus();
        found = true;
        result.owner = rows[0][0].as<std::string>();
        result.acl = rows[0][1].as<std::string>();
        return absl::OkStatus();
      }));
  if (!found) return absl::NotFoundError(absl::StrCat("database ", name, " does not exist"));
  return result;
}

absl::Status GiveOwnerAndAcl(const PostgresSettings& settings, const std::string& name,
                             const OwnerAndAcl& owner_and_acl) {
  QS_ASSIGN_OR_RETURN(std::vector<std::string> grants,
                      DatabaseAclStatements(name, owner_and_acl.owner, owner_and_acl.acl));
  return WithConnection(settings, kMaintenanceDatabase, absl::StrCat("grant database ", name),
                        [&](pqxx::connection& connection) {
                          pqxx::work tx(connection);
                          tx.exec(absl::StrCat("ALTER DATABASE ", QuoteIdentifier(name),
                                               " OWNER TO ", QuoteIdentifier(owner_and_acl.owner)));
                          for (const std::string& grant : grants) tx.exec(grant);
                          tx.commit();
                          return absl::OkStatus();
                        });
}

}  // namespace qs::backup
