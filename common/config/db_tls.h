// TLS of the connections to PostgreSQL, read from the environment.
//
//   absl::StatusOr<DbTls> tls = LoadDbTls(ProcessEnv());
//   for (const auto& [key, value] : tls->ConninfoParameters()) { ... }
//
// | variable          | default        | meaning                                |
// |-------------------|----------------|----------------------------------------|
// | DB_SSL_MODE       | (libpq's,      | disable, allow, prefer, require,       |
// |                   |  i.e. prefer)  | verify-ca or verify-full: libpq's      |
// |                   |                | sslmode for every connection           |
// | DB_SSL_ROOT_CERT  | (none)         | PEM file of the CA(s) that sign the    |
// |                   |                | server's certificate; required for     |
// |                   |                | verify-ca and verify-full              |
//
// Unset DB_SSL_MODE keeps what the services did before it existed: libpq's
// default `prefer` (encrypt when the server offers TLS, without checking
// whom it talks to; PGSSLMODE still applies). That default protects against
// nothing active, so production sets verify-full (the certificate chains to
// DB_SSL_ROOT_CERT and names the host connected to). With `require` and a
// root certificate libpq also checks the chain, like verify-ca.
#ifndef QS_COMMON_CONFIG_DB_TLS_H_
#define QS_COMMON_CONFIG_DB_TLS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/env.h"

namespace qs::config {

struct DbTls {
  // libpq's sslmode keyword, or empty for libpq's default.
  std::string ssl_mode;
  // Path of the root certificate file, or empty.
  std::string root_cert;

  // The libpq conninfo keywords and their (unquoted) values to add to a
  // connection string; empty when nothing is configured.
  std::vector<std::pair<std::string, std::string>> ConninfoParameters() const;
};

// Reads DB_SSL_MODE and DB_SSL_ROOT_CERT. Errors are InvalidArgument with one
// line that starts with the variable's name: an unknown mode, verify-ca or
// verify-full without a root certificate, a root certificate that cannot be
// read, or one given with a mode that never uses it (disable, allow, prefer).
absl::StatusOr<DbTls> LoadDbTls(const EnvLookup& env);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_DB_TLS_H_
