#include "tests/support/private_cluster.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

std::string ShellQuoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Stops whatever a state directory still runs and deletes it, with the
// cluster directory its `pg` link points to (deploy/infra.sh pg_root).
void Destroy(const std::string& script, const std::string& state_dir, int primary_port,
             int replica_port) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(state_dir, error)) return;
  const std::string stop =
      absl::StrCat("cd / && PG_PRIMARY_PORT=", primary_port, " PG_REPLICA_PORT=", replica_port, " ",
                   ShellQuoted(script), " stop --state ", ShellQuoted(state_dir), " >>",
                   ShellQuoted(state_dir + "/infra.log"), " 2>&1");
  if (std::system(stop.c_str()) != 0) {
    std::fprintf(stderr, "warning: %s stop failed (see %s/infra.log)\n", script.c_str(),
                 state_dir.c_str());
  }
  const fs::path pg = fs::path(state_dir) / "pg";
  if (fs::is_symlink(pg, error)) fs::remove_all(fs::read_symlink(pg, error), error);
  fs::remove_all(state_dir, error);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivateCluster>> PrivateCluster::Start() {
  absl::StatusOr<std::unique_ptr<PrivateCluster>> started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int primary_port = FreeLoopbackPort();
    int replica_port = FreeLoopbackPort();
    while (replica_port == primary_port) replica_port = FreeLoopbackPort();
    started = Start(primary_port, replica_port);
    if (started.ok() || !absl::StrContains(started.status().message(), "already in use")) break;
  }
  return started;
}

absl::StatusOr<std::unique_ptr<PrivateCluster>> PrivateCluster::Start(int primary_port,
                                                                      int replica_port) {
  const char* script = std::getenv("QS_INFRA_SCRIPT");
  if (script == nullptr || *script == '\0') {
    return absl::FailedPreconditionError(
        "QS_INFRA_SCRIPT is not set: run the test with ./tests/run_all.sh (or pass "
        "--test_env=QS_INFRA_SCRIPT=<repo>/deploy/infra.sh)");
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string state_dir = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                             "/private-cluster-", primary_port);
  // A run that died left its cluster behind: start from nothing.
  Destroy(script, state_dir, primary_port, replica_port);
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);
  if (error) return absl::InternalError(absl::StrCat(state_dir, ": ", error.message()));
  std::unique_ptr<PrivateCluster> cluster(
      new PrivateCluster(script, state_dir, primary_port, replica_port));
  absl::Status up = cluster->Run("up-postgres");
  if (up.ok()) up = cluster->LoadSecrets();
  // The destructor cleans up what a failed start left (a node may be up).
  if (!up.ok()) return up;
  return cluster;
}

PrivateCluster::~PrivateCluster() { Destroy(script_, state_dir_, primary_port_, replica_port_); }

absl::Status PrivateCluster::Run(const std::string& command, bool crash) const {
  // From /: postgres, whom infra.sh runs the servers as, may not enter the
  // test's working directory.
  const std::string line = absl::StrCat(
      "cd / && STATE_DIR=", ShellQuoted(state_dir_), " PG_PRIMARY_PORT=", primary_port_,
      " PG_REPLICA_PORT=", replica_port_, " STOP_MODE=", crash ? "immediate" : "fast", " ",
      ShellQuoted(script_), " ", command, " --state ", ShellQuoted(state_dir_), " >>",
      ShellQuoted(state_dir_ + "/infra.log"), " 2>&1");
  const int code = std::system(line.c_str());
  if (code == 0) return absl::OkStatus();
  std::ifstream log(state_dir_ + "/infra.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  if (text.size() > 2000) text = text.substr(text.size() - 2000);
  return absl::InternalError(
      absl::StrCat("deploy/infra.sh ", command, " failed (", code, "): ", text));
}

absl::Status PrivateCluster::LoadSecrets() {
  std::ifstream file(state_dir_ + "/secrets.env");
  if (!file) return absl::InternalError(state_dir_ + "/secrets.env: cannot read");
  std::string line;
  while (std::getline(file, line)) {
    std::pair<std::string, std::string> entry = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (!entry.first.empty()) secrets_[entry.first] = entry.second;
  }
  if (secrets_.count("PG_ADMIN_PASSWORD") == 0) {
    return absl::InternalError(state_dir_ + "/secrets.env: no PG_ADMIN_PASSWORD");
  }
  return absl::OkStatus();
}

std::string PrivateCluster::Secret(const std::string& service, const std::string& suffix) const {
  std::string name = service + suffix;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto found = secrets_.find(name);
  return found == secrets_.end() ? "" : found->second;
}

std::string PrivateCluster::service_password(const std::string& service) const {
  return Secret(service, "_DB_PASSWORD");
}

std::string PrivateCluster::owner_password(const std::string& service) const {
  return Secret(service, "_OWNER_PASSWORD");
}

std::string PrivateCluster::AdminConnectionString(Node node, const std::string& database) const {
  config::DbConfig admin;
  admin.name = database;
  admin.user = "postgres";
  admin.password = admin_password();
  admin.connect_timeout = absl::Seconds(5);
  return admin.ConnectionString("127.0.0.1", port(node), "test-admin");
}

absl::StatusOr<std::string> PrivateCluster::AdminSql(Node node, const std::string& sql,
                                                     const std::string& database) const {
  try {
    pqxx::connection admin(AdminConnectionString(node, database));
    pqxx::nontransaction tx(admin);
    pqxx::result rows = tx.exec(sql);
    if (rows.empty() || rows.columns() == 0 || rows[0][0].is_null()) return std::string();
    return rows[0][0].as<std::string>();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("admin SQL on port ", port(node), ": ", e.what()));
  }
}

config::DbConfig PrivateCluster::ServiceDbConfig(const std::string& service) const {
  config::DbConfig db;
  db.host = "127.0.0.1";
  db.port = primary_port_;
  db.read_host = "127.0.0.1";
  db.read_port = replica_port_;
  db.name = service + "_db";
  db.user = service + "_svc";
  db.password = service_password(service);
  db.min_connections = 1;
  db.max_connections = 5;
  db.idle_timeout = absl::Seconds(30);
  db.connect_timeout = absl::Seconds(5);
  return db;
}

absl::Status PrivateCluster::Migrate(const std::string& service,
                                     const std::vector<std::string>& directories) const {
  absl::StatusOr<std::vector<migrate::Migration>> migrations =
      migrate::LoadMigrationDirectories(directories);
  if (!migrations.ok()) return migrations.status();
  config::DbConfig db = ServiceDbConfig(service);
  if (const std::string owner = owner_password(service); !owner.empty()) {
    db.user = service + "_owner";
    db.password = owner;
  }
  return migrate::Migrator(db.ConnectionString(db.host, db.port, "private-cluster-migrate"),
                           *migrations)
      .Run()
      .status();
}

absl::StatusOr<int> PrivateCluster::CountBackends(Node node,
                                                  const std::string& application_name) const {
  try {
    pqxx::connection admin(AdminConnectionString(node, "postgres"));
    pqxx::nontransaction tx(admin);
    return tx
        .exec_params1("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                      application_name)[0]
        .as<int>();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("pg_stat_activity on port ", port(node), ": ", e.what()));
  }
}

}  // namespace qs::testing
