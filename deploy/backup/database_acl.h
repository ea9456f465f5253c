// A database's ACL (pg_database.datacl as text, as the manifest keeps it)
// turned back into the statements that give a restored database the same
// grants: pg_dump without --create does not carry database-level
// privileges, and the live databases revoke CONNECT from PUBLIC
// (deploy/service_roles.sql), which a restored copy must do too.
//
//   DatabaseAclStatements("quest_db_restore_x", "quest_owner",
//       "{=Tc/quest_owner,quest_owner=CTc/quest_owner,quest_svc=c/quest_owner}")
//   -> REVOKE ALL ON DATABASE "quest_db_restore_x" FROM PUBLIC
//      REVOKE ALL ON DATABASE "quest_db_restore_x" FROM "quest_owner"
//      GRANT TEMPORARY, CONNECT ON DATABASE "quest_db_restore_x" TO PUBLIC
//      GRANT CREATE, TEMPORARY, CONNECT ON DATABASE ... TO "quest_owner"
//      GRANT CONNECT ON DATABASE ... TO "quest_svc"
//
// Pure: no I/O. The grantor of each item is not reproduced (the restoring
// superuser grants as the owner, which is who granted them here).
#ifndef QS_DEPLOY_BACKUP_DATABASE_ACL_H_
#define QS_DEPLOY_BACKUP_DATABASE_ACL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::backup {

// "" (NULL: the default privileges) gives no statements. FAILED_PRECONDITION
// naming the item for text that is not an aclitem[] of database
// privileges (C, T, c, each optionally followed by '*'), or a quoted role
// name (the services' roles never need one).
absl::StatusOr<std::vector<std::string>> DatabaseAclStatements(absl::string_view database,
                                                               absl::string_view owner,
                                                               absl::string_view acl);

// `name` as a double-quoted SQL identifier.
std::string QuoteIdentifier(absl::string_view name);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DATABASE_ACL_H_
