// A PostgreSQL 15 primary + streaming replica that one test owns, for tests
// that stop, crash or pause a node (the suite's shared servers must never
// be touched that way).
//
//   absl::StatusOr<std::unique_ptr<PrivateCluster>> cluster =
//       PrivateCluster::Start();              // on two free loopback ports
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   config::DbConfig db = (*cluster)->ServiceDbConfig("quest");
//   ASSERT_TRUE((*cluster)->Migrate("quest", {"migrations/quest"}).ok());
//   ASSERT_TRUE((*cluster)->StopReplica().ok());      // pg_ctl -m fast
//   ...
//   (*cluster)->AdminSql(PrivateCluster::Node::kReplica, "SELECT pg_wal_replay_pause()");
//
// Started with `$QS_INFRA_SCRIPT up-postgres` (deploy/infra.sh; tests/run_all.sh
// passes QS_INFRA_SCRIPT) in a state directory under TEST_TMPDIR: the same
// roles, databases (quest_db, notification_db, social_db) and settings as
// the suite's servers, without NATS. The destructor stops both nodes and
// deletes the state directory, including the cluster directory infra.sh
// keeps under /var/lib/quest-ecosystem when postgres cannot enter
// TEST_TMPDIR. (Bazel also kills the postmasters if the test dies: they are
// the test's own children.) Not thread-safe: one thread drives it.
#ifndef QS_TESTS_SUPPORT_PRIVATE_CLUSTER_H_
#define QS_TESTS_SUPPORT_PRIVATE_CLUSTER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/db_config.h"

namespace qs::testing {

class PrivateCluster {
 public:
  enum class Node { kPrimary, kReplica };

  // Initialises and starts both nodes (about 2-3 s) on 127.0.0.1 at two
  // free ports below the ephemeral range (FreeLoopbackPort), picked afresh
  // when a test beside took one first, and waits until the replica streams.
  static absl::StatusOr<std::unique_ptr<PrivateCluster>> Start();
  // The same at the given ports.
  static absl::StatusOr<std::unique_ptr<PrivateCluster>> Start(int primary_port, int replica_port);
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  int primary_port() const { return primary_port_; }
  int replica_port() const { return replica_port_; }
  int port(Node node) const { return node == Node::kPrimary ? primary_port_ : replica_port_; }
  const std::string& admin_password() const { return secrets_.at("PG_ADMIN_PASSWORD"); }
  // Password of `<service>_svc` (quest, notification, social): the
  // runtime role the service connects as.
  std::string service_password(const std::string& service) const;
  // Password of `<service>_owner`, the role that owns the database and
  // runs migrations; "" where infra.sh has no owner roles.
  std::string owner_password(const std::string& service) const;

  // A node stop is a clean shutdown (-m fast) unless `crash`: -m immediate.
  absl::Status StopReplica(bool crash = false) { return Run("stop-replica", crash); }
  absl::Status StartReplica() { return Run("start-replica"); }
  absl::Status StopPrimary(bool crash = false) { return Run("stop-primary", crash); }
  // Starting the primary does not wait for the replica to stream again.
  absl::Status StartPrimary() { return Run("start-primary"); }

  // Runs `sql` as the admin role on `node` in `database`; the first column
  // of the first row as text ("" when there is none, or NULL).
  absl::StatusOr<std::string> AdminSql(Node node, const std::string& sql,
                                       const std::string& database = "postgres") const;

  // DbConfig of `service` against this cluster (writes on the primary,
  // reads on the replica), with the test pool sizes of
  // TestInfra::ServiceDbConfig.
  config::DbConfig ServiceDbConfig(const std::string& service) const;
  // Applies the migrations of `directories` (runfiles paths, e.g.
  // {"migrations/quest"}) to `<service>_db` as the owner role (the service
  // role where there is none).
  absl::Status Migrate(const std::string& service,
                       const std::vector<std::string>& directories) const;

  // Number of backends on `node` with this application_name.
  absl::StatusOr<int> CountBackends(Node node, const std::string& application_name) const;

  // deploy/infra.sh's state directory; infra.sh's output is in infra.log
  // there.
  const std::string& state_dir() const { return state_dir_; }

 private:
  PrivateCluster(std::string script, std::string state_dir, int primary_port, int replica_port)
      : script_(std::move(script)),
        state_dir_(std::move(state_dir)),
        primary_port_(primary_port),
        replica_port_(replica_port) {}

  // `$QS_INFRA_SCRIPT <command> --state <dir>` with this cluster's ports.
  absl::Status Run(const std::string& command, bool crash = false) const;
  absl::Status LoadSecrets();
  // secrets.env's <SERVICE><suffix>, "" when absent.
  std::string Secret(const std::string& service, const std::string& suffix) const;
  std::string AdminConnectionString(Node node, const std::string& database) const;

  std::string script_;
  std::string state_dir_;
  int primary_port_;
  int replica_port_;
  std::map<std::string, std::string> secrets_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_PRIVATE_CLUSTER_H_
