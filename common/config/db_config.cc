#include "common/config/db_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qs::config {
namespace {

// libpq conninfo values are quoted with single quotes; quotes and
// backslashes inside are escaped with a backslash.
std::string Quote(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

bool IsValidDnsLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsIpAddress(absl::string_view host) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

absl::Status RequireHost(absl::string_view name, const std::string& value) {
  if (IsValidHost(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": not a host name, IP address or socket directory: \"", value, "\""));
}

std::string TlsParameters(const DbTls& tls) {
  std::string out;
  for (const auto& [key, value] : tls.ConninfoParameters()) {
    absl::StrAppend(&out, " ", key, "=", Quote(value));
  }
  return out;
}

}  // namespace

bool IsValidHost(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '/') return true;  // Unix-socket directory.
  if (IsIpAddress(host)) return true;
  // A dotted all-numeric name that is not an IPv4 address is a typo.
  bool all_numeric = true;
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (!IsValidDnsLabel(label)) return false;
    for (char c : label) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        all_numeric = false;
      }
    }
  }
  return !all_numeric;
}

std::string DbConfig::ConnectionString(const std::string& target_host, int target_port,
                                       const std::string& application_name) const {
  // libpq's connect_timeout has whole seconds (minimum 2).
  int64_t timeout_s =
      std::max<int64_t>(2, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(connect_timeout))));
  return absl::StrCat("host=", Quote(target_host), " port=", target_port, " dbname=", Quote(name),
                      " user=", Quote(user), " password=", Quote(password),
                      " connect_timeout=", timeout_s, " application_name=", Quote(application_name),
                      // Detect a peer that vanished without closing.
                      " keepalives=1 keepalives_idle=30",
                      " keepalives_interval=10 keepalives_count=3", TlsParameters(tls));
}

std::string DbConfig::MigrationConnectionString(const std::string& application_name) const {
  if (migration_user.empty()) return ConnectionString(host, port, application_name);
  DbConfig owner = *this;
  owner.user = migration_user;
  owner.password = migration_password;
  return owner.ConnectionString(host, port, application_name);
}

std::string DbConfig::Describe() const {
  std::string out = absl::StrCat(user, "@", host, ":", port, "/", name, " (read ", user, "@",
                                 read_host, ":", read_port, ")");
  if (!migration_user.empty()) absl::StrAppend(&out, ", migrations as ", migration_user);
  if (!tls.ssl_mode.empty()) absl::StrAppend(&out, ", sslmode ", tls.ssl_mode);
  return out;
}

absl::StatusOr<DbConfig> LoadDbConfig(const EnvLookup& env) {
  DbConfig config;
  config.host = ReadString(env, "DB_HOST", "127.0.0.1");
  if (absl::Status s = RequireHost("DB_HOST", config.host); !s.ok()) return s;
  config.read_host = ReadString(env, "DB_READ_HOST", config.host);
  if (absl::Status s = RequireHost("DB_READ_HOST", config.read_host); !s.ok()) {
    return s;
  }

  absl::StatusOr<int64_t> port = ReadInt(env, "DB_PORT", 5432, 1, 65535);
  if (!port.ok()) return port.status();
  config.port = static_cast<int>(*port);
  absl::StatusOr<int64_t> read_port = ReadInt(env, "DB_READ_PORT", config.port, 1, 65535);
  if (!read_port.ok()) return read_port.status();
  config.read_port = static_cast<int>(*read_port);

  config.name = ReadString(env, "DB_NAME", "");
  if (config.name.empty()) {
    return absl::InvalidArgumentError("DB_NAME: required (the service's database)");
  }
  config.user = ReadString(env, "DB_USER", "");
  if (config.user.empty()) {
    return absl::InvalidArgumentError("DB_USER: required (the service's role)");
  }
  absl::StatusOr<std::string> password = ReadSecret(env, "DB_PASSWORD");
  if (!password.ok()) return password.status();
  config.password = *std::move(password);
  config.migration_user = ReadString(env, "DB_MIGRATION_USER", "");
  // Without a migration role of its own, migrations run as DB_USER (a
  // single-role setup); a password for a role that is not set is a mistake.
  absl::StatusOr<std::string> migration_password = ReadSecret(env, "DB_MIGRATION_PASSWORD");
  if (!migration_password.ok()) return migration_password.status();
  if (config.migration_user.empty() && !migration_password->empty()) {
    return absl::InvalidArgumentError(
        "DB_MIGRATION_PASSWORD: set without DB_MIGRATION_USER (migrations run as DB_USER)");
  }
  config.migration_password = *std::move(migration_password);
  absl::StatusOr<DbTls> tls = LoadDbTls(env);
  if (!tls.ok()) return tls.status();
  config.tls = *std::move(tls);

  absl::StatusOr<int64_t> max = ReadInt(env, "DB_MAX_CONNECTIONS", 20, 1, 1000);
  if (!max.ok()) return max.status();
  config.max_connections = static_cast<int>(*max);
  absl::StatusOr<int64_t> min = ReadInt(env, "DB_MIN_CONNECTIONS", 5, 0, 1000);
  if (!min.ok()) return min.status();
  // An explicit min above max is an error; the default 5 shrinks to a
  // smaller explicit max.
  if (env("DB_MIN_CONNECTIONS").has_value() && *min > *max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DB_MIN_CONNECTIONS: must not exceed DB_MAX_CONNECTIONS (", *max, "), got ", *min));
  }
  config.min_connections = static_cast<int>(std::min(*min, *max));
  // Bounded like the minimum: explicit above DB_MAX_CONNECTIONS is an error,
  // the default 4 shrinks to a smaller max (the budget DB_MAX_CONNECTIONS
  // sets per pool holds for this path too).
  absl::StatusOr<int64_t> async_reads = ReadInt(env, "DB_ASYNC_READ_CONNECTIONS", 4, 1, 1000);
  if (!async_reads.ok()) return async_reads.status();
  if (env("DB_ASYNC_READ_CONNECTIONS").has_value() && *async_reads > *max) {
    return absl::InvalidArgumentError(
        absl::StrCat("DB_ASYNC_READ_CONNECTIONS: must not exceed DB_MAX_CONNECTIONS (", *max,
                     "), got ", *async_reads));
  }
  config.async_read_connections = static_cast<int>(std::min(*async_reads, *max));

  absl::StatusOr<absl::Duration> idle =
      ReadMillis(env, "DB_IDLE_TIMEOUT_MS", 30000, 100, 86'400'000);
  if (!idle.ok()) return idle.status();
  config.idle_timeout = *idle;
  absl::StatusOr<absl::Duration> connect =
      ReadMillis(env, "DB_CONNECT_TIMEOUT_MS", 20000, 100, 600'000);
  if (!connect.ok()) return connect.status();
  config.connect_timeout = *connect;

  const std::string fallback = ReadString(env, "DB_READ_FALLBACK", "primary");
  if (fallback == "primary") {
    config.read_fallback = ReadFallback::kPrimary;
  } else if (fallback == "fail") {
    config.read_fallback = ReadFallback::kFail;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("DB_READ_FALLBACK: must be primary or fail, got '", fallback, "'"));
  }
  absl::StatusOr<absl::Duration> max_lag =
      ReadMillis(env, "DB_READ_MAX_LAG_MS", 10000, 0, 3'600'000);
  if (!max_lag.ok()) return max_lag.status();
  config.read_max_lag = *max_lag;
  absl::StatusOr<absl::Duration> lsn_wait = ReadMillis(env, "DB_READ_LSN_WAIT_MS", 50, 0, 10'000);
  if (!lsn_wait.ok()) return lsn_wait.status();
  config.read_lsn_wait = *lsn_wait;
  return config;
}

}  // namespace qs::config
