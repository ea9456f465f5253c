#include "tests/support/test_infra.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "pqxx/pqxx"

namespace qs::testing {
namespace {

std::string Require(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr,
                 "FATAL: %s is not set. These tests need the real PostgreSQL "
                 "primary + replica and NATS started by tests/run_all.sh "
                 "(which passes them with --test_env). Run: ./tests/run_all.sh\n",
                 name);
    std::exit(1);
  }
  return value;
}

int RequirePort(const char* name) {
  int port = 0;
  if (!absl::SimpleAtoi(Require(name), &port)) {
    std::fprintf(stderr, "FATAL: %s is not a port number\n", name);
    std::exit(1);
  }
  return port;
}

TestInfra Load() {
  TestInfra infra;
  infra.host = Require("PG_HOST");
  infra.primary_port = RequirePort("PG_PRIMARY_PORT");
  infra.replica_port = RequirePort("PG_REPLICA_PORT");
  infra.admin_user = Require("PG_ADMIN_USER");
  infra.admin_password = Require("PG_ADMIN_PASSWORD");
  infra.quest_password = Require("QUEST_DB_PASSWORD");
  infra.notification_password = Require("NOTIFICATION_DB_PASSWORD");
  infra.social_password = Require("SOCIAL_DB_PASSWORD");
  infra.nats_url = Require("NATS_URL");
  infra.restart_primary_command = Require("PG_RESTART_PRIMARY_COMMAND");
  return infra;
}

}  // namespace

const TestInfra& TestInfra::Get() {
  static const TestInfra* infra = new TestInfra(Load());
  return *infra;
}

std::string TestInfra::PasswordOf(const std::string& service) const {
  if (service == "quest") return quest_password;
  if (service == "notification") return notification_password;
  if (service == "social") return social_password;
  std::fprintf(stderr, "FATAL: unknown service %s\n", service.c_str());
  std::exit(1);
}

config::DbConfig TestInfra::ServiceDbConfig(const std::string& service) const {
  config::DbConfig db;
  db.host = host;
  db.port = primary_port;
  db.read_host = host;
  db.read_port = replica_port;
  db.name = service + "_db";
  db.user = service + "_svc";
  db.password = PasswordOf(service);
  db.min_connections = 1;
  db.max_connections = 5;
  db.idle_timeout = absl::Seconds(30);
  db.connect_timeout = absl::Seconds(5);
  return db;
}

std::string TestInfra::AdminConnectionString(int port, const std::string& database) const {
  config::DbConfig admin;
  admin.name = database;
  admin.user = admin_user;
  admin.password = admin_password;
  admin.connect_timeout = absl::Seconds(5);
  return admin.ConnectionString(host, port, "test-admin");
}

ScratchDatabase::ScratchDatabase(const std::string& service)
    : service_(service), name_(service + "_scratch_" + UniqueSuffix()) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "postgres"));
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name_) + " OWNER " + tx.quote_name(service + "_svc"));
}

ScratchDatabase::~ScratchDatabase() {
  try {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: could not drop %s: %s\n", name_.c_str(), e.what());
  }
}

config::DbConfig ScratchDatabase::Config() const {
  config::DbConfig db = TestInfra::Get().ServiceDbConfig(service_);
  db.name = name_;
  return db;
}

std::string ScratchDatabase::Conninfo() const {
  config::DbConfig db = Config();
  return db.ConnectionString(db.host, db.port, "scratch-test");
}

std::string ScratchDatabase::Url() const {
  config::DbConfig db = Config();
  return absl::StrCat("postgres://", db.user, ":", db.password, "@", db.host, ":", db.port, "/",
                      db.name);
}

absl::Status ScratchDatabase::Migrate(const std::vector<std::string>& directories) const {
  absl::StatusOr<std::vector<migrate::Migration>> migrations =
      migrate::LoadMigrationDirectories(directories);
  if (!migrations.ok()) return migrations.status();
  return migrate::Migrator(Conninfo(), *migrations).Run().status();
}

int CountBackends(const std::string& application_name) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "postgres"));
  pqxx::nontransaction tx(admin);
  return tx
      .exec_params1("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                    application_name)[0]
      .as<int>();
}

std::string UniqueSuffix() {
  static absl::BitGen random;
  return absl::StrCat(absl::Uniform<uint32_t>(random));
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

}  // namespace qs::testing
