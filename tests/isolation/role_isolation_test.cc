// Database-per-Service and least privilege at the database itself, for both
// roles of every service (deploy/infra.sh, deploy/service_roles.sql):
// - the owner `<service>_owner` and the runtime role `<service>_svc` each
//   connect to their own database and are refused by the other two (all
//   cross pairs), on the primary and on the replica alike;
// - the runtime role reads and writes the rows of the owner's tables, also
//   of tables created after the grants (default privileges), and may not
//   CREATE, ALTER, DROP or TRUNCATE (SQLSTATE 42501); the owner may.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

const char* kServices[] = {"quest", "notification", "social"};

enum class Role { kRuntime, kOwner };

std::string RoleName(const std::string& service, Role role) {
  return service + (role == Role::kOwner ? "_owner" : "_svc");
}

config::DbConfig ConfigOf(const std::string& service, Role role) {
  const TestInfra& infra = TestInfra::Get();
  return role == Role::kOwner ? infra.OwnerDbConfig(service) : infra.ServiceDbConfig(service);
}

std::string ConnectionAs(const std::string& role_service, Role role,
                         const std::string& database_service, int port) {
  config::DbConfig db = ConfigOf(role_service, role);
  db.name = database_service + "_db";
  return db.ConnectionString(db.host, port, "isolation-test");
}

class RoleIsolationTest
    : public ::testing::TestWithParam<std::tuple<std::string, Role, std::string, bool>> {};

TEST_P(RoleIsolationTest, RoleReachesOnlyItsOwnDatabase) {
  const auto& [role_service, role, database_service, on_replica] = GetParam();
  const TestInfra& infra = TestInfra::Get();
  int port = on_replica ? infra.replica_port : infra.primary_port;
  std::string conninfo = ConnectionAs(role_service, role, database_service, port);
  if (role_service == database_service) {
    pqxx::connection connection(conninfo);
    pqxx::nontransaction tx(connection);
    EXPECT_EQ(tx.exec("SELECT current_database()")[0][0].as<std::string>(),
              database_service + "_db");
    EXPECT_EQ(tx.exec("SELECT current_user")[0][0].as<std::string>(), RoleName(role_service, role));
    return;
  }
  try {
    pqxx::connection connection(conninfo);
    FAIL() << RoleName(role_service, role) << " connected to " << database_service << "_db";
  } catch (const pqxx::broken_connection& e) {
    EXPECT_NE(std::string(e.what()).find("permission denied for database"), std::string::npos)
        << e.what();
  }
}

std::vector<std::tuple<std::string, Role, std::string, bool>> AllPairs() {
  std::vector<std::tuple<std::string, Role, std::string, bool>> pairs;
  for (const char* role_service : kServices) {
    for (Role role : {Role::kRuntime, Role::kOwner}) {
      for (const char* database : kServices) {
        for (bool replica : {false, true})
          pairs.emplace_back(role_service, role, database, replica);
      }
    }
  }
  return pairs;
}

INSTANTIATE_TEST_SUITE_P(AllRolesAndDatabases, RoleIsolationTest, ::testing::ValuesIn(AllPairs()),
                         [](const auto& info) {
                           return RoleName(std::get<0>(info.param), std::get<1>(info.param)) +
                                  "_to_" + std::get<2>(info.param) + "_db_on_" +
                                  (std::get<3>(info.param) ? "replica" : "primary");
                         });

constexpr char kSucceeded[] = "succeeded";
constexpr char kInsufficientPrivilege[] = "42501";

// The SQLSTATE `sql` fails with as `connection`'s role, or kSucceeded.
std::string SqlStateOf(pqxx::connection& connection, const std::string& sql) {
  try {
    pqxx::nontransaction(connection).exec(sql);
    return kSucceeded;
  } catch (const pqxx::insufficient_privilege& e) {
    // libpqxx 6.4 throws this class for SQLSTATE 42501 and only this one,
    // but leaves its sqlstate() empty (result.cxx passes no code to it).
    return kInsufficientPrivilege;
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate() + " " + e.what();
  }
}

class LeastPrivilegeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    table_ = "privilege_probe_" + UniqueSuffix();
    owner_ = std::make_unique<pqxx::connection>(Conninfo(Role::kOwner));
    runtime_ = std::make_unique<pqxx::connection>(Conninfo(Role::kRuntime));
    ASSERT_EQ(pqxx::nontransaction(*runtime_).exec("SELECT current_user")[0][0].as<std::string>(),
              RoleName(GetParam(), Role::kRuntime));
  }
  void TearDown() override {
    if (owner_ != nullptr) SqlStateOf(*owner_, "DROP TABLE IF EXISTS " + table_);
  }
  std::string Conninfo(Role role) const {
    const TestInfra& infra = TestInfra::Get();
    return ConnectionAs(GetParam(), role, GetParam(), infra.primary_port);
  }

  std::string table_;
  std::unique_ptr<pqxx::connection> owner_;
  std::unique_ptr<pqxx::connection> runtime_;
};

TEST_P(LeastPrivilegeTest, TheRuntimeRoleUsesRowsOfTheOwnersTablesOnly) {
  // Created after deploy/infra.sh granted: the default privileges cover it,
  // its identity sequence included.
  ASSERT_EQ(SqlStateOf(*owner_, "CREATE TABLE " + table_ +
                                    " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                                    " note text)"),
            kSucceeded);
  EXPECT_EQ(SqlStateOf(*runtime_, "INSERT INTO " + table_ + " (note) VALUES ('a'), ('b')"),
            kSucceeded);
  EXPECT_EQ(SqlStateOf(*runtime_, "UPDATE " + table_ + " SET note = 'c' WHERE note = 'a'"),
            kSucceeded);
  EXPECT_EQ(SqlStateOf(*runtime_, "SELECT * FROM " + table_ + " FOR UPDATE"), kSucceeded);
  EXPECT_EQ(SqlStateOf(*runtime_, "DELETE FROM " + table_ + " WHERE note = 'b'"), kSucceeded);
  EXPECT_EQ(SqlStateOf(*runtime_, "SELECT pg_advisory_lock(42), pg_advisory_unlock(42)"),
            kSucceeded);

  for (const std::string& ddl : std::vector<std::string>{
           "CREATE TABLE " + table_ + "_runtime (id int)", "CREATE TEMP TABLE scratch (id int)",
           "CREATE INDEX ON " + table_ + " (note)", "ALTER TABLE " + table_ + " ADD COLUMN x int",
           "TRUNCATE " + table_, "DROP TABLE " + table_, "CREATE SCHEMA runtime_schema"}) {
    EXPECT_EQ(SqlStateOf(*runtime_, ddl), kInsufficientPrivilege)
        << RoleName(GetParam(), Role::kRuntime) << ": " << ddl;
  }
  // Nothing of it happened.
  pqxx::nontransaction check(*owner_);
  EXPECT_EQ(check.exec("SELECT count(*) FROM " + table_)[0][0].as<int>(), 1);
  EXPECT_EQ(check
                .exec("SELECT count(*) FROM information_schema.columns WHERE table_name = " +
                      check.quote(table_))[0][0]
                .as<int>(),
            2);
}

TEST_P(LeastPrivilegeTest, TheOwnerChangesTheSchema) {
  for (const std::string& ddl : std::vector<std::string>{
           "CREATE TABLE " + table_ + " (id int)", "CREATE INDEX ON " + table_ + " (id)",
           "ALTER TABLE " + table_ + " ADD COLUMN note text", "TRUNCATE " + table_,
           "DROP TABLE " + table_}) {
    EXPECT_EQ(SqlStateOf(*owner_, ddl), kSucceeded)
        << RoleName(GetParam(), Role::kOwner) << ": " << ddl;
  }
}

TEST_P(LeastPrivilegeTest, TheOwnerOwnsTheDatabaseAndItsMigratedTables) {
  pqxx::nontransaction tx(*owner_);
  EXPECT_EQ(tx.exec("SELECT pg_get_userbyid(datdba) FROM pg_database"
                    " WHERE datname = current_database()")[0][0]
                .as<std::string>(),
            RoleName(GetParam(), Role::kOwner));
  // No table in the database belongs to the runtime role.
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM pg_tables WHERE tableowner = $1",
                            RoleName(GetParam(), Role::kRuntime))[0]
                .as<int>(),
            0);
}

INSTANTIATE_TEST_SUITE_P(EveryService, LeastPrivilegeTest,
                         ::testing::Values("quest", "notification", "social"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace qs::testing
