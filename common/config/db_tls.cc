#include "common/config/db_tls.h"

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::config {
namespace {

constexpr absl::string_view kModes[] = {"disable", "allow",     "prefer",
                                        "require", "verify-ca", "verify-full"};

}  // namespace

std::vector<std::pair<std::string, std::string>> DbTls::ConninfoParameters() const {
  std::vector<std::pair<std::string, std::string>> parameters;
  if (!ssl_mode.empty()) parameters.emplace_back("sslmode", ssl_mode);
  if (!root_cert.empty()) parameters.emplace_back("sslrootcert", root_cert);
  return parameters;
}

absl::StatusOr<DbTls> LoadDbTls(const EnvLookup& env) {
  DbTls tls;
  tls.ssl_mode = ReadString(env, "DB_SSL_MODE", "");
  bool known = tls.ssl_mode.empty();
  for (absl::string_view mode : kModes) known = known || tls.ssl_mode == mode;
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat("DB_SSL_MODE: expected disable, allow, prefer, require, verify-ca or "
                     "verify-full, got \"",
                     tls.ssl_mode, "\""));
  }
  const bool verifies = tls.ssl_mode == "verify-ca" || tls.ssl_mode == "verify-full";
  tls.root_cert = ReadString(env, "DB_SSL_ROOT_CERT", "");
  if (tls.root_cert.empty()) {
    if (verifies) {
      return absl::InvalidArgumentError(
          absl::StrCat("DB_SSL_ROOT_CERT: required with DB_SSL_MODE=", tls.ssl_mode,
                       " (the PEM file of the CA that signs the database server's certificate)"));
    }
    return tls;
  }
  if (!verifies && tls.ssl_mode != "require") {
    // libpq would ignore it: a setting that looks like protection but is not.
    return absl::InvalidArgumentError(
        "DB_SSL_ROOT_CERT: only used with DB_SSL_MODE require, verify-ca or verify-full");
  }
  if (access(tls.root_cert.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("DB_SSL_ROOT_CERT: cannot read file \"", tls.root_cert, "\""));
  }
  return tls;
}

}  // namespace qs::config
