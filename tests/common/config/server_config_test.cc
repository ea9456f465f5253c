// Every server variable's default and every class of bad value.
#include "common/config/server_config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace qs::config {
namespace {

constexpr char kKey[] = "0123456789abcdef0123";

std::string WriteTempFile(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << "pem";
  return path;
}

absl::StatusOr<ServerConfig> LoadWith(std::map<std::string, std::string> values) {
  if (!values.count("PAGE_TOKEN_KEY")) values["PAGE_TOKEN_KEY"] = kKey;
  return LoadServerConfig(MapEnv(values), 50051);
}

void ExpectRejected(std::map<std::string, std::string> values, const std::string& variable) {
  absl::StatusOr<ServerConfig> config = LoadWith(values);
  ASSERT_FALSE(config.ok()) << variable;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().rfind(variable + ":", 0), 0u) << config.status();
}

TEST(ServerConfigTest, DefaultsAreTlsOnTheServicePort) {
  std::string cert = WriteTempFile("cert.pem");
  std::string key = WriteTempFile("key.pem");
  absl::StatusOr<ServerConfig> config =
      LoadWith({{"GRPC_TLS_CERT_FILE", cert}, {"GRPC_TLS_KEY_FILE", key}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address, "127.0.0.1:50051");
  EXPECT_EQ(config->tls.mode, TlsMode::kTls);
  EXPECT_EQ(config->tls.cert_file, cert);
  EXPECT_EQ(config->drain_timeout, absl::Seconds(10));
  EXPECT_EQ(config->max_threads, 8);
  EXPECT_EQ(config->shutdown_grace, absl::ZeroDuration());
  EXPECT_EQ(config->worker_threads, 0);  // RunService: the write pool's size.
  EXPECT_EQ(config->max_queued_calls, 2048);
  EXPECT_EQ(config->serving_threads,
            std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  EXPECT_EQ(config->log_level, "info");
}

TEST(ServerConfigTest, PlaintextOnlyWhenChosen) {
  ExpectRejected({}, "GRPC_TLS_CERT_FILE");  // tls by default needs a cert.
  absl::StatusOr<ServerConfig> config =
      LoadWith({{"GRPC_TLS_MODE", "plaintext"}, {"GRPC_LISTEN_ADDRESS", "[::]:6000"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tls.mode, TlsMode::kPlaintext);
  EXPECT_EQ(config->listen_address, "[::]:6000");
}

TEST(ServerConfigTest, MutualTlsNeedsAClientCa) {
  std::string cert = WriteTempFile("c.pem");
  std::map<std::string, std::string> values = {
      {"GRPC_TLS_MODE", "mtls"}, {"GRPC_TLS_CERT_FILE", cert}, {"GRPC_TLS_KEY_FILE", cert}};
  ExpectRejected(values, "GRPC_TLS_CLIENT_CA_FILE");
  values["GRPC_TLS_CLIENT_CA_FILE"] = "/nonexistent/ca.pem";
  ExpectRejected(values, "GRPC_TLS_CLIENT_CA_FILE");
  values["GRPC_TLS_CLIENT_CA_FILE"] = cert;
  absl::StatusOr<ServerConfig> config = LoadWith(values);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tls.mode, TlsMode::kMutualTls);
}

TEST(ServerConfigTest, RejectsBadValues) {
  std::map<std::string, std::string> plain = {{"GRPC_TLS_MODE", "plaintext"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto values = plain;
    values[k] = v;
    return values;
  };
  ExpectRejected(with("GRPC_TLS_MODE", "ssl"), "GRPC_TLS_MODE");
  ExpectRejected(with("GRPC_LISTEN_ADDRESS", "no-port"), "GRPC_LISTEN_ADDRESS");
  ExpectRejected(with("GRPC_LISTEN_ADDRESS", "host:99999"), "GRPC_LISTEN_ADDRESS");
  ExpectRejected(with("GRPC_LISTEN_ADDRESS", "bad host:1"), "GRPC_LISTEN_ADDRESS");
  ExpectRejected(with("GRPC_DRAIN_TIMEOUT_MS", "ten"), "GRPC_DRAIN_TIMEOUT_MS");
  ExpectRejected(with("GRPC_DRAIN_TIMEOUT_MS", "-5"), "GRPC_DRAIN_TIMEOUT_MS");
  ExpectRejected(with("LOG_LEVEL", "loud"), "LOG_LEVEL");
  ExpectRejected(with("GRPC_MAX_THREADS", "2"), "GRPC_MAX_THREADS");
  ExpectRejected(with("GRPC_SHUTDOWN_GRACE_MS", "-1"), "GRPC_SHUTDOWN_GRACE_MS");
  ExpectRejected(with("GRPC_SHUTDOWN_GRACE_MS", "soon"), "GRPC_SHUTDOWN_GRACE_MS");
  ExpectRejected(with("GRPC_WORKER_THREADS", "0"), "GRPC_WORKER_THREADS");
  ExpectRejected(with("GRPC_WORKER_THREADS", "2000"), "GRPC_WORKER_THREADS");
  ExpectRejected(with("GRPC_MAX_QUEUED_CALLS", "0"), "GRPC_MAX_QUEUED_CALLS");
  ExpectRejected(with("GRPC_MAX_QUEUED_CALLS", "many"), "GRPC_MAX_QUEUED_CALLS");
  ExpectRejected(with("GRPC_SERVING_THREADS", "0"), "GRPC_SERVING_THREADS");
  ExpectRejected(with("GRPC_SERVING_THREADS", "65"), "GRPC_SERVING_THREADS");
  ExpectRejected(with("PAGE_TOKEN_KEY", "short"), "PAGE_TOKEN_KEY");
}

TEST(ServerConfigTest, ServingCoreSettingsAreRead) {
  absl::StatusOr<ServerConfig> config = LoadWith({{"GRPC_TLS_MODE", "plaintext"},
                                                  {"GRPC_SHUTDOWN_GRACE_MS", "1500"},
                                                  {"GRPC_WORKER_THREADS", "3"},
                                                  {"GRPC_MAX_QUEUED_CALLS", "5"},
                                                  {"GRPC_SERVING_THREADS", "1"},
                                                  {"GRPC_MAX_THREADS", "4"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shutdown_grace, absl::Milliseconds(1500));
  EXPECT_EQ(config->worker_threads, 3);
  EXPECT_EQ(config->max_queued_calls, 5);
  EXPECT_EQ(config->serving_threads, 1);
  EXPECT_EQ(config->max_threads, 4);
}

TEST(ServerConfigTest, ReflectionIsOnUnlessTurnedOff) {
  absl::StatusOr<ServerConfig> unset = LoadWith({{"GRPC_TLS_MODE", "plaintext"}});
  ASSERT_TRUE(unset.ok());
  EXPECT_TRUE(unset->reflection);
  absl::StatusOr<ServerConfig> off =
      LoadWith({{"GRPC_TLS_MODE", "plaintext"}, {"GRPC_REFLECTION", "off"}});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->reflection);
  absl::StatusOr<ServerConfig> on =
      LoadWith({{"GRPC_TLS_MODE", "plaintext"}, {"GRPC_REFLECTION", "on"}});
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->reflection);
  for (const char* bad : {"true", "OFF", "0", "disabled"}) {
    ExpectRejected({{"GRPC_TLS_MODE", "plaintext"}, {"GRPC_REFLECTION", bad}}, "GRPC_REFLECTION");
  }
}

TEST(ServerConfigTest, PageTokenKeyComesFromAFileToo) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/page_token.key";
  std::ofstream(path, std::ios::trunc) << "key-from-a-file-0123456789\n";
  // "" counts as unset: LoadWith then adds no key of its own.
  absl::StatusOr<ServerConfig> config = LoadWith(
      {{"GRPC_TLS_MODE", "plaintext"}, {"PAGE_TOKEN_KEY", ""}, {"PAGE_TOKEN_KEY_FILE", path}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->page_token_key, "key-from-a-file-0123456789");
  ExpectRejected({{"GRPC_TLS_MODE", "plaintext"}, {"PAGE_TOKEN_KEY_FILE", path}},
                 "PAGE_TOKEN_KEY and PAGE_TOKEN_KEY_FILE");
  ExpectRejected({{"GRPC_TLS_MODE", "plaintext"},
                  {"PAGE_TOKEN_KEY", ""},
                  {"PAGE_TOKEN_KEY_FILE", "/nonexistent/key"}},
                 "PAGE_TOKEN_KEY_FILE");
}

TEST(ServerConfigTest, SecretValuesAreNeverEchoed) {
  absl::StatusOr<ServerConfig> config =
      LoadWith({{"GRPC_TLS_MODE", "plaintext"}, {"PAGE_TOKEN_KEY", "tooshort"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("tooshort"), std::string::npos);
  EXPECT_TRUE(IsSecretVariable("DB_PASSWORD"));
  EXPECT_TRUE(IsSecretVariable("PAGE_TOKEN_KEY"));
  EXPECT_FALSE(IsSecretVariable("DB_HOST"));
}

}  // namespace
}  // namespace qs::config
