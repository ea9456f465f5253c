// Database-per-Service at the database itself: each service's role can
// connect to its own database and is refused by the other two (all six
// cross pairs), on the primary and on the replica alike.
#include <string>
#include <tuple>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

const char* kServices[] = {"quest", "notification", "social"};

std::string ConnectionAs(const std::string& role_service, const std::string& database_service,
                         int port) {
  config::DbConfig db = TestInfra::Get().ServiceDbConfig(role_service);
  db.name = database_service + "_db";
  return db.ConnectionString(db.host, port, "isolation-test");
}

class RoleIsolationTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, bool>> {};

TEST_P(RoleIsolationTest, RoleReachesOnlyItsOwnDatabase) {
  const auto& [role_service, database_service, on_replica] = GetParam();
  const TestInfra& infra = TestInfra::Get();
  int port = on_replica ? infra.replica_port : infra.primary_port;
  std::string conninfo = ConnectionAs(role_service, database_service, port);
  if (role_service == database_service) {
    pqxx::connection connection(conninfo);
    pqxx::nontransaction tx(connection);
    EXPECT_EQ(tx.exec("SELECT current_database()")[0][0].as<std::string>(),
              database_service + "_db");
    return;
  }
  try {
    pqxx::connection connection(conninfo);
    FAIL() << role_service << "_svc connected to " << database_service << "_db";
  } catch (const pqxx::broken_connection& e) {
    EXPECT_NE(std::string(e.what()).find("permission denied for database"), std::string::npos)
        << e.what();
  }
}

std::vector<std::tuple<std::string, std::string, bool>> AllPairs() {
  std::vector<std::tuple<std::string, std::string, bool>> pairs;
  for (const char* role : kServices) {
    for (const char* database : kServices) {
      for (bool replica : {false, true}) pairs.emplace_back(role, database, replica);
    }
  }
  return pairs;
}

INSTANTIATE_TEST_SUITE_P(AllRolesAndDatabases, RoleIsolationTest, ::testing::ValuesIn(AllPairs()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_svc_to_" + std::get<1>(info.param) +
                                  "_db_on_" + (std::get<2>(info.param) ? "replica" : "primary");
                         });

}  // namespace
}  // namespace qs::testing
