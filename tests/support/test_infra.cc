#include "tests/support/test_infra.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "pqxx/pqxx"

namespace qs::testing {
namespace {

// True when nothing holds `port` on 127.0.0.1 right now.
bool BindsOnLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return bound;
}

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
  infra.quest_owner_password = Require("QUEST_OWNER_PASSWORD");
  infra.notification_owner_password = Require("NOTIFICATION_OWNER_PASSWORD");
  infra.social_owner_password = Require("SOCIAL_OWNER_PASSWORD");
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

std::string TestInfra::OwnerPasswordOf(const std::string& service) const {
  if (service == "quest") return quest_owner_password;
  if (service == "notification") return notification_owner_password;
  if (service == "social") return social_owner_password;
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
  db.migration_user = service + "_owner";
  db.migration_password = OwnerPasswordOf(service);
  db.min_connections = 1;
  db.max_connections = 5;
  db.idle_timeout = absl::Seconds(30);
  db.connect_timeout = absl::Seconds(5);
  return db;
}

config::DbConfig TestInfra::OwnerDbConfig(const std::string& service) const {
  config::DbConfig db = ServiceDbConfig(service);
  db.user = db.migration_user;
  db.password = db.migration_password;
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
  tx.exec("CREATE DATABASE " + tx.quote_name(name_) + " OWNER " +
          tx.quote_name(service + "_owner"));
  GrantServiceRoles(service, name_);
  // A server started on it next treats a read node without the database
  // (or without its grants) as down and reads on the primary: wait until
  // the replica has replayed all of it, as the tests expect both nodes.
  const std::string created = tx.exec1("SELECT pg_current_wal_lsn()::text")[0].c_str();
  pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
  for (int attempt = 0; attempt < 3000; ++attempt) {
    pqxx::nontransaction check(replica);
    if (check.exec_params1("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", created)[0]
            .as<bool>()) {
      return;
    }
    usleep(10'000);
  }
  std::fprintf(stderr, "warning: the replica has not replayed %s after 30 s\n", name_.c_str());
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
  return Config().MigrationConnectionString("scratch-test");
}

std::string ScratchDatabase::Url() const {
  config::DbConfig db = TestInfra::Get().OwnerDbConfig(service_);
  db.name = name_;
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

void GrantServiceRoles(const std::string& service, const std::string& database) {
  constexpr char kPath[] = "deploy/service_roles.sql";  // a runfile
  std::ifstream file(kPath);
  std::stringstream text;
  text << file.rdbuf();
  if (!file || text.str().empty()) {
    std::fprintf(stderr, "FATAL: cannot read %s (a data dependency of test_infra)\n", kPath);
    std::exit(1);
  }
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, database));
  pqxx::nontransaction tx(admin);
  // The file is written for psql: its meta-commands go, its variables
  // become quoted names.
  std::string sql;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    if (!absl::StartsWith(line, "\\")) absl::StrAppend(&sql, line, "\n");
  }
  sql = absl::StrReplaceAll(sql, {{":\"database\"", tx.quote_name(database)},
                                  {":\"owner\"", tx.quote_name(service + "_owner")},
                                  {":\"runtime\"", tx.quote_name(service + "_svc")}});
  tx.exec(sql);
}

std::string UniqueSuffix() {
  static absl::BitGen random;
  return absl::StrCat(absl::Uniform<uint32_t>(random));
}

int FreeLoopbackPort() {
  // Below the kernel's ephemeral range (ip_local_port_range): a port in it
  // can be taken at any moment as the local end of some process's outgoing
  // connection, and then held for as long as that connection lives (a
  // pooled connection to the shared servers held a private cluster's fixed
  // port through every retry of its start).
  static constexpr int kLowest = 20000;
  int ephemeral_low = 32768;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  if (range >> ephemeral_low) ephemeral_low = std::max(ephemeral_low, kLowest + 1000);
  // The fixed ports of tests/run_all.sh's shared servers and of the tests
  // that restart a private cluster's nodes lie below kLowest (15xxx).
  const int highest = std::min(ephemeral_low, 32768);
  static absl::BitGen random;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = absl::Uniform(random, kLowest, highest);
    if (BindsOnLoopback(port)) return port;
  }
  return absl::Uniform(random, kLowest, highest);
}

}  // namespace qs::testing
