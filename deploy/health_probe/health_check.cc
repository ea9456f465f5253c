#include "deploy/health_probe/health_check.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace qs::probe {
namespace {

using Clock = std::chrono::system_clock;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::shared_ptr<grpc::ChannelCredentials> Credentials(const TlsOptions& tls) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.ca_certs;  // Empty: gRPC's default roots.
  ssl.pem_cert_chain = tls.client_cert;
  ssl.pem_private_key = tls.client_key;
  return grpc::SslCredentials(ssl);
}

// gRPC's error texts may span lines; the probe's contract is one line.
std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r", " "}, {"\n", " "}});
}

enum class Connection { kReady, kFailed, kTimedOut };

// Waits for the channel's first connection attempt to end. TRANSIENT_FAILURE
// ends the wait at once: the channel would only back off and retry, and a
// probe answers about now, not about the next attempt.
Connection Connect(grpc::Channel& channel, Clock::time_point deadline) {
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return Connection::kFailed;
    }
    if (!channel.WaitForStateChange(state, deadline)) return Connection::kTimedOut;
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return Connection::kReady;
}

grpc::Status Check(grpc::Channel& channel, const std::string& service, Clock::time_point deadline,
                   HealthCheckResponse& response) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(deadline);
  // Fail fast: a channel that is not connected fails the call with the
  // connection's last error instead of waiting for a reconnect.
  context.set_wait_for_ready(false);
  HealthCheckRequest request;
  request.set_service(service);
  return stub->Check(&context, request, &response);
}

std::string Describe(const ProbeOptions& options) {
  return options.service.empty()
             ? absl::StrCat("at \"", options.address, "\"")
             : absl::StrCat("\"", options.service, "\" at \"", options.address, "\"");
}

}  // namespace

ProbeOutcome CheckHealth(const ProbeOptions& options) {
  const Clock::time_point deadline = Clock::now() + absl::ToChronoMilliseconds(options.timeout);
  grpc::ChannelArguments arguments;
  if (!options.tls.server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.tls.server_name);
  }
  // One attempt: a retried Check would hide the answer the probe is for.
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.address, Credentials(options.tls), arguments);

  HealthCheckResponse response;
  switch (Connect(*channel, deadline)) {
    case Connection::kTimedOut:
      return {ProbeExit::kConnectionFailed,
              absl::StrCat("timeout: failed to connect to service ", Describe(options), " within ",
                           absl::FormatDuration(options.timeout))};
    case Connection::kFailed: {
      // The channel keeps the reason to itself; a fail-fast call reports it
      // ("connect: Connection refused", "Handshake failed", ...).
      grpc::Status reason = Check(*channel, options.service, deadline, response);
      return {ProbeExit::kConnectionFailed,
              absl::StrCat("error: failed to connect to service ", Describe(options), ": ",
                           OneLine(reason.error_message()))};
    }
    case Connection::kReady:
      break;
  }

  grpc::Status status = Check(*channel, options.service, deadline, response);
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      return {ProbeExit::kRpcFailed,
              absl::StrCat("error: this server does not implement the grpc health protocol "
                           "(grpc.health.v1.Health): ",
                           OneLine(status.error_message()))};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return {ProbeExit::kRpcFailed, absl::StrCat("timeout: health rpc did not complete within ",
                                                  absl::FormatDuration(options.timeout))};
    default:
      // NOT_FOUND here is the health service's answer for an unknown name.
      return {
          ProbeExit::kRpcFailed,
          absl::StrCat("error: health rpc failed: code = ",
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                       " desc = ", OneLine(status.error_message()))};
  }
  const std::string& serving = HealthCheckResponse::ServingStatus_Name(response.status());
  if (response.status() != HealthCheckResponse::SERVING) {
    return {ProbeExit::kNotServing,
            absl::StrCat("service unhealthy (responded with \"", serving, "\")")};
  }
  return {ProbeExit::kServing, absl::StrCat("status: ", serving)};
}

}  // namespace qs::probe
