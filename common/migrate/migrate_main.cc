// main() of each service's migrate command; bazel/service.bzl builds it once
// per service with QS_SERVICE_NAME set and that service's migrations linked.
#include "common/migrate/embedded_migrations.h"
#include "common/migrate/migrate_cli.h"

int main(int argc, char** argv) {
  return qs::migrate::MigrateMain(QS_SERVICE_NAME, qs::migrate::EmbeddedMigrations(), argc, argv);
}
