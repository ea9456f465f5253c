// The migrations built into the running binary. Each service binary links
// exactly one definition, generated from migrations/<service>/*.sql by
// //migrations:<service>_embedded (bazel/embed.bzl), so a deployed binary
// always carries the schema history it expects.
#ifndef QS_COMMON_MIGRATE_EMBEDDED_MIGRATIONS_H_
#define QS_COMMON_MIGRATE_EMBEDDED_MIGRATIONS_H_

#include <vector>

#include "common/migrate/migration_set.h"

namespace qs::migrate {

const std::vector<MigrationFile>& EmbeddedMigrations();

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_EMBEDDED_MIGRATIONS_H_
