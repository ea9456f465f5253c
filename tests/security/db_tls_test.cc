// Database TLS (common/config/db_tls.h) against a real PostgreSQL with
// ssl=on and certificates the test makes: the connection strings every
// connection of a service is built from (DbConfig::ConnectionString), the
// router's pools (db::Database) and the real quest binary.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/config/db_config.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/security/test_certificates.h"
#include "tests/support/private_cluster.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

// From the range of ports this part of the suite owns (57600-57699).
constexpr int kPrimaryPort = 15540;
constexpr int kReplicaPort = 15541;

std::string TestDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

class DbTlsTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> cluster =
        PrivateCluster::Start(kPrimaryPort, kReplicaPort);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    absl::StatusOr<TestCertificates> certs = TestCertificates::Make(TestDir() + "/certs");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = std::make_unique<TestCertificates>(*certs);

    // The server's key and certificate go into its data directory, which
    // only postgres may read (PostgreSQL refuses a key others can read).
    absl::StatusOr<std::string> data = Admin("SHOW data_directory");
    ASSERT_TRUE(data.ok()) << data.status();
    namespace fs = std::filesystem;
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{certs_->server_cert, "qs_test_server.crt"},
          {certs_->server_key, "qs_test_server.key"}}) {
      const fs::path target = fs::path(*data) / to;
      fs::copy_file(from, target, fs::copy_options::overwrite_existing);
      ASSERT_EQ(std::system(absl::StrCat("chown postgres:postgres ", target.string()).c_str()), 0);
      ASSERT_EQ(chmod(target.c_str(), 0600), 0);
    }
    for (const char* sql : {"ALTER SYSTEM SET ssl_cert_file = 'qs_test_server.crt'",
                            "ALTER SYSTEM SET ssl_key_file = 'qs_test_server.key'",
                            "ALTER SYSTEM SET ssl = on", "SELECT pg_reload_conf()"}) {
      ASSERT_TRUE(Admin(sql).ok()) << sql;
    }
    ASSERT_TRUE(Eventually([] { return Admin("SHOW ssl").value_or("") == "on"; }));
  }
  static void TearDownTestSuite() {
    certs_.reset();
    cluster_.reset();
  }

  static absl::StatusOr<std::string> Admin(const std::string& sql,
                                           const std::string& database = "postgres") {
    return cluster_->AdminSql(PrivateCluster::Node::kPrimary, sql, database);
  }

  // The DB_* environment of quest against the TLS primary (both nodes: the
  // replica has no certificate), plus `extra`.
  static std::map<std::string, std::string> Env(std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> env = {
        {"DB_HOST", "127.0.0.1"},
        {"DB_PORT", std::to_string(kPrimaryPort)},
        {"DB_READ_HOST", "127.0.0.1"},
        {"DB_READ_PORT", std::to_string(kPrimaryPort)},
        {"DB_NAME", "quest_db"},
        {"DB_USER", "quest_svc"},
        {"DB_PASSWORD", cluster_->service_password("quest")},
        {"DB_MIGRATION_USER", "quest_owner"},
        {"DB_MIGRATION_PASSWORD", cluster_->owner_password("quest")},
        {"DB_CONNECT_TIMEOUT_MS", "3000"},
        {"DB_MIN_CONNECTIONS", "1"},
        {"DB_MAX_CONNECTIONS", "2"},
        {"DB_ASYNC_READ_CONNECTIONS", "1"},
    };
    for (auto& [key, value] : extra) env[key] = value;
    return env;
  }

  static config::DbConfig Config(std::map<std::string, std::string> extra) {
    absl::StatusOr<config::DbConfig> config = config::LoadDbConfig(config::MapEnv(Env(extra)));
    EXPECT_TRUE(config.ok()) << config.status();
    return config.value_or(config::DbConfig());
  }

  // Whether the session of `conninfo` is encrypted, by the server's account.
  static bool ConnectsEncrypted(const std::string& conninfo) {
    pqxx::connection connection(conninfo);
    return pqxx::nontransaction(connection)
        .exec("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0][0]
        .as<bool>();
  }

  // The message libpq refuses `conninfo` with ("" when it connects).
  static std::string RefusalOf(const std::string& conninfo) {
    try {
      pqxx::connection connection(conninfo);
      return "";
    } catch (const pqxx::broken_connection& e) {
      return e.what();
    }
  }

  inline static std::unique_ptr<PrivateCluster> cluster_;
  inline static std::unique_ptr<TestCertificates> certs_;
};

TEST_F(DbTlsTest, VerifyFullWithTheRightCaConnectsEncrypted) {
  config::DbConfig config =
      Config({{"DB_SSL_MODE", "verify-full"}, {"DB_SSL_ROOT_CERT", certs_->ca_cert}});
  // The certificate names both.
  EXPECT_TRUE(ConnectsEncrypted(config.ConnectionString("127.0.0.1", kPrimaryPort, "tls-test")));
  EXPECT_TRUE(ConnectsEncrypted(config.ConnectionString("localhost", kPrimaryPort, "tls-test")));
}

TEST_F(DbTlsTest, RequireWithoutARootCertificateConnectsEncrypted) {
  config::DbConfig required = Config({{"DB_SSL_MODE", "require"}});
  EXPECT_TRUE(ConnectsEncrypted(required.ConnectionString("127.0.0.1", kPrimaryPort, "tls-test")));
  // The setting decides: the same server, disable, is not encrypted.
  config::DbConfig disabled = Config({{"DB_SSL_MODE", "disable"}});
  EXPECT_FALSE(ConnectsEncrypted(disabled.ConnectionString("127.0.0.1", kPrimaryPort, "tls-test")));
}

TEST_F(DbTlsTest, AWrongCaIsRefusedAsUnavailableNamingTheCertificate) {
  config::DbConfig config =
      Config({{"DB_SSL_MODE", "verify-full"}, {"DB_SSL_ROOT_CERT", certs_->other_ca_cert}});
  const std::string refusal =
      RefusalOf(config.ConnectionString("127.0.0.1", kPrimaryPort, "tls-test"));
  EXPECT_NE(refusal.find("certificate verify failed"), std::string::npos) << refusal;
  // verify-ca checks the chain just the same.
  config::DbConfig ca_only =
      Config({{"DB_SSL_MODE", "verify-ca"}, {"DB_SSL_ROOT_CERT", certs_->other_ca_cert}});
  EXPECT_NE(RefusalOf(ca_only.ConnectionString("127.0.0.1", kPrimaryPort, "tls-test"))
                .find("certificate verify failed"),
            std::string::npos);

  // Through the router, as a service sees it.
  db::Database database(config, "tls-wrong-ca");
  absl::Status ping = database.Ping();
  EXPECT_EQ(ping.code(), absl::StatusCode::kUnavailable) << ping;
  EXPECT_NE(ping.message().find("certificate verify failed"), std::string::npos) << ping;
}

TEST_F(DbTlsTest, VerifyFullRefusesAHostNameTheCertificateDoesNotName) {
  config::DbConfig config =
      Config({{"DB_SSL_MODE", "verify-full"}, {"DB_SSL_ROOT_CERT", certs_->ca_cert}});
  // The same server under a name its certificate does not carry (hostaddr
  // spares the name a lookup; libpq checks the certificate against host).
  const std::string conninfo =
      config.ConnectionString("db.wrong-name.test", kPrimaryPort, "tls-test") +
      " hostaddr=127.0.0.1";
  const std::string refusal = RefusalOf(conninfo);
  EXPECT_NE(refusal.find("does not match host name"), std::string::npos) << refusal;
  // verify-ca does not check the name: the chain alone is good.
  config::DbConfig ca_only =
      Config({{"DB_SSL_MODE", "verify-ca"}, {"DB_SSL_ROOT_CERT", certs_->ca_cert}});
  EXPECT_TRUE(
      ConnectsEncrypted(ca_only.ConnectionString("db.wrong-name.test", kPrimaryPort, "tls-test") +
                        " hostaddr=127.0.0.1"));
}

TEST_F(DbTlsTest, TheServiceServesWithVerifyFullAndEveryConnectionIsEncrypted) {
  auto server = StartService("quest", Env({{"DB_HOST", "localhost"},
                                           {"DB_READ_HOST", "localhost"},
                                           {"DB_SSL_MODE", "verify-full"},
                                           {"DB_SSL_ROOT_CERT", certs_->ca_cert}}));
  auto puzzles = ::quest::v1::PuzzleService::NewStub(ChannelTo(*server));
  ::quest::v1::CreatePuzzleRequest create;
  create.set_title("Over TLS");
  create.set_kind(::quest::v1::PUZZLE_KIND_CHESS);
  create.set_rating(1500);
  create.set_content("position");
  create.set_solution("Qh7#");
  create.set_publish(true);
  ::quest::v1::Puzzle created;
  const std::string author = "5b0c1d6e-8f3a-4b2c-9d1e-2f3a4b5c6d7e";
  grpc::Status status = puzzles->CreatePuzzle(As(author).get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server->Log();
  ::quest::v1::GetPuzzleRequest get;
  get.set_puzzle_id(created.id());
  ::quest::v1::Puzzle read;
  status = puzzles->GetPuzzle(As(author).get(), get, &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.title(), "Over TLS");

  // Every session of the service (pools, async reads, the relay's LISTEN)
  // is encrypted; the migrations ran as the owner.
  absl::StatusOr<std::string> plain = Admin(
      "SELECT count(*) FILTER (WHERE NOT s.ssl) || '/' || count(*) FROM pg_stat_activity a"
      " JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'quest_svc'");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->substr(0, plain->find('/')), "0") << *plain << " unencrypted/all";
  EXPECT_NE(*plain, "0/0");
  EXPECT_EQ(Admin("SELECT tableowner FROM pg_tables WHERE tablename = 'puzzles'", "quest_db")
                .value_or(""),
            "quest_owner");
  EXPECT_NE(server->Log().find("sslmode verify-full"), std::string::npos);
}

}  // namespace
}  // namespace qs::testing
