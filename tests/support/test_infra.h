// Where the real servers of the test suite are, read from the environment
// that tests/run_all.sh passes with --test_env.
//
//   const TestInfra& infra = TestInfra::Get();   // exits 1 when not set up
//   pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "quest_db"));
//
// A test that needs a server FAILS when the server is missing: Get() prints
// what is missing and how to start it, and ends the process with exit code 1.
#ifndef QS_TESTS_SUPPORT_TEST_INFRA_H_
#define QS_TESTS_SUPPORT_TEST_INFRA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/config/db_config.h"

namespace qs::testing {

struct TestInfra {
  std::string host;
  int primary_port = 0;
  int replica_port = 0;
  std::string admin_user;
  std::string admin_password;
  std::string quest_password;
  std::string notification_password;
  std::string social_password;
  // Passwords of the owner roles `<service>_owner` (DDL, migrations).
  std::string quest_owner_password;
  std::string notification_owner_password;
  std::string social_owner_password;
  std::string nats_url;
  // Restarts the primary and waits until it accepts connections.
  std::string restart_primary_command;

  static const TestInfra& Get();

  // Password of the service (runtime) role `<service>_svc`.
  std::string PasswordOf(const std::string& service) const;
  // Password of the owner role `<service>_owner`.
  std::string OwnerPasswordOf(const std::string& service) const;

  // DbConfig of a service (quest, notification, social) against the real
  // primary (writes) and replica (reads), with test-friendly pool sizes, as
  // its runtime role (rows only, no DDL); migration_user is the owner, as
  // the services are configured.
  config::DbConfig ServiceDbConfig(const std::string& service) const;
  // The same as the owner role `<service>_owner`: for tests that create,
  // alter or truncate tables of their own.
  config::DbConfig OwnerDbConfig(const std::string& service) const;

  std::string AdminConnectionString(int port, const std::string& database) const;
};

// A database of its own for one test, created by the admin role on the
// primary, owned by `<service>_owner` with `<service>_svc` granted what
// deploy/service_roles.sql grants in the service databases, dropped (WITH
// FORCE) on destruction.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& service);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The service (runtime) role on this database (reads on the replica,
  // writes on the primary, like TestInfra::ServiceDbConfig).
  config::DbConfig Config() const;
  // libpq connection string of the owner role on the primary (DDL, setup).
  std::string Conninfo() const;
  // postgres://... URL of the owner role on the primary.
  std::string Url() const;
  // Applies the migrations of `directories` (runfiles paths, e.g.
  // {"migrations/common", "migrations/notification"}), in version order,
  // as the owner role.
  absl::Status Migrate(const std::vector<std::string>& directories) const;

 private:
  std::string service_;
  std::string name_;
};

// Number of backends in pg_stat_activity with this application_name.
int CountBackends(const std::string& application_name);

// Runs deploy/service_roles.sql in `database` on the primary as the admin
// role: `<service>_owner` owns it, `<service>_svc` may read and write rows.
void GrantServiceRoles(const std::string& service, const std::string& database);

// A random suffix for names that must not collide between test processes
// (in Bazel's sandbox every test process may have the same pid).
std::string UniqueSuffix();

// A TCP port on 127.0.0.1 that was free a moment ago, picked at random
// below the kernel's ephemeral port range, so that no process's outgoing
// connection can take it meanwhile.
int FreeLoopbackPort();

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_TEST_INFRA_H_
