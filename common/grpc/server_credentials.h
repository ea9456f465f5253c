// gRPC server credentials from the TLS settings of ServerConfig.
//
// plaintext: insecure (local runs only, chosen explicitly);
// tls:       server certificate, clients not asked for one;
// mtls:      server certificate, and every client must present a
//            certificate signed by GRPC_TLS_CLIENT_CA_FILE.
#ifndef QS_COMMON_GRPC_SERVER_CREDENTIALS_H_
#define QS_COMMON_GRPC_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/config/server_config.h"
#include "grpcpp/security/server_credentials.h"

namespace qs::grpc_util {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::TlsConfig& tls);

// Reads a whole file (PEM); NotFound naming the path when unreadable.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_SERVER_CREDENTIALS_H_
