#include "common/config/server_config.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config/db_config.h"

namespace qs::config {
namespace {

absl::Status CheckListenAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 0 ||
      port > 65535 || !IsValidHost(address.substr(0, colon))) {
    return absl::InvalidArgumentError(
        absl::StrCat("GRPC_LISTEN_ADDRESS: expected host:port (e.g. 127.0.0.1:50051 or "
                     "[::]:50051), got \"",
                     address, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequireReadableFile(const EnvLookup& env, absl::string_view name,
                                                absl::string_view why) {
  std::string path = ReadString(env, name, "");
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": required ", why));
  }
  if (access(path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": cannot read file \"", path, "\""));
  }
  return path;
}

absl::StatusOr<TlsConfig> LoadTls(const EnvLookup& env) {
  TlsConfig tls;
  std::string mode = ReadString(env, "GRPC_TLS_MODE", "tls");
  if (mode == "plaintext") {
    tls.mode = TlsMode::kPlaintext;
    return tls;
  }
  if (mode == "tls") {
    tls.mode = TlsMode::kTls;
  } else if (mode == "mtls") {
    tls.mode = TlsMode::kMutualTls;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("GRPC_TLS_MODE: expected plaintext, tls or mtls, got \"", mode, "\""));
  }
  const char* why = "when GRPC_TLS_MODE is tls or mtls";
  absl::StatusOr<std::string> cert = RequireReadableFile(env, "GRPC_TLS_CERT_FILE", why);
  if (!cert.ok()) return cert.status();
  tls.cert_file = *cert;
  absl::StatusOr<std::string> key = RequireReadableFile(env, "GRPC_TLS_KEY_FILE", why);
  if (!key.ok()) return key.status();
  tls.key_file = *key;
  if (tls.mode == TlsMode::kMutualTls) {
    absl::StatusOr<std::string> ca =
        RequireReadableFile(env, "GRPC_TLS_CLIENT_CA_FILE", "when GRPC_TLS_MODE is mtls");
    if (!ca.ok()) return ca.status();
    tls.client_ca_file = *ca;
  }
  return tls;
}

}  // namespace

absl::string_view TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kPlaintext:
      return "plaintext";
    case TlsMode::kTls:
      return "tls";
    case TlsMode::kMutualTls:
      return "mtls";
  }
  return "unknown";
}

absl::StatusOr<ServerConfig> LoadServerConfig(const EnvLookup& env, int default_port) {
  ServerConfig config;
  config.listen_address =
      ReadString(env, "GRPC_LISTEN_ADDRESS", absl::StrCat("127.0.0.1:", default_port));
  if (absl::Status s = CheckListenAddress(config.listen_address); !s.ok()) {
    return s;
  }
  absl::StatusOr<TlsConfig> tls = LoadTls(env);
  if (!tls.ok()) return tls.status();
  config.tls = *tls;
  absl::StatusOr<absl::Duration> drain =
      ReadMillis(env, "GRPC_DRAIN_TIMEOUT_MS", 10000, 0, 600'000);
  if (!drain.ok()) return drain.status();
  config.drain_timeout = *drain;
  absl::StatusOr<absl::Duration> grace = ReadMillis(env, "GRPC_SHUTDOWN_GRACE_MS", 0, 0, 600'000);
  if (!grace.ok()) return grace.status();
  config.shutdown_grace = *grace;
  // 0: not set here; RunService gives it the write pool's size.
  absl::StatusOr<int64_t> workers = ReadInt(env, "GRPC_WORKER_THREADS", 0, 1, 1024);
  if (!workers.ok()) return workers.status();
  config.worker_threads = static_cast<int>(*workers);
  absl::StatusOr<int64_t> queued = ReadInt(env, "GRPC_MAX_QUEUED_CALLS", 2048, 1, 1'000'000);
  if (!queued.ok()) return queued.status();
  config.max_queued_calls = static_cast<int>(*queued);
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  absl::StatusOr<int64_t> serving =
      ReadInt(env, "GRPC_SERVING_THREADS", std::min(cores, 64), 1, 64);
  if (!serving.ok()) return serving.status();
  config.serving_threads = static_cast<int>(*serving);
  absl::StatusOr<int64_t> max_threads = ReadInt(env, "GRPC_MAX_THREADS", 8, 4, 10'000);
  if (!max_threads.ok()) return max_threads.status();
  config.max_threads = static_cast<int>(*max_threads);

  absl::StatusOr<std::string> page_token_key = ReadSecret(env, "PAGE_TOKEN_KEY");
  if (!page_token_key.ok()) return page_token_key.status();
  config.page_token_key = *std::move(page_token_key);
  if (config.page_token_key.size() < 16) {
    return absl::InvalidArgumentError(
        "PAGE_TOKEN_KEY: required, at least 16 bytes (e.g. openssl rand -hex 32)");
  }
  const std::string reflection = ReadString(env, "GRPC_REFLECTION", "on");
  if (reflection != "on" && reflection != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("GRPC_REFLECTION: expected on or off, got \"", reflection, "\""));
  }
  config.reflection = reflection == "on";
  absl::StatusOr<bool> migrate = ReadBool(env, "MIGRATE_ON_START", true);
  if (!migrate.ok()) return migrate.status();
  config.migrate_on_start = *migrate;
  config.log_level = ReadString(env, "LOG_LEVEL", "info");
  for (absl::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (config.log_level == level) return config;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "LOG_LEVEL: expected trace, debug, info, warn or error, got \"", config.log_level, "\""));
}

}  // namespace qs::config
