#include "tests/support/async_calls.h"

#include <chrono>

#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/slice.h"

namespace qs::testing {
namespace {

// Everything one call needs until its answer arrives (gRPC writes into the
// response and status when the completion queue returns its tag).
struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Time started;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
};

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

std::vector<CallResult> CallAllAtOnce(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& method,
    const std::vector<std::string>& requests,
    const std::vector<std::pair<std::string, std::string>>& metadata, absl::Duration timeout) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (const auto& channel : channels)
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<PendingCall>> calls;
  calls.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    auto call = std::make_unique<PendingCall>();
    for (const auto& [key, value] : metadata) call->context.AddMetadata(key, value);
    call->started = absl::Now();
    call->context.set_deadline(absl::ToChronoTime(call->started + timeout));
    grpc::Slice slice(requests[i]);
    grpc::ByteBuffer request(&slice, 1);
    call->reader =
        stubs[i % stubs.size()]->PrepareUnaryCall(&call->context, method, request, &queue);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, reinterpret_cast<void*>(i));
    calls.push_back(std::move(call));
  }
  std::vector<CallResult> results(requests.size());
  void* tag = nullptr;
  bool ok = false;
  for (size_t answered = 0; answered < requests.size() && queue.Next(&tag, &ok); ++answered) {
    const size_t i = reinterpret_cast<size_t>(tag);
    PendingCall& call = *calls[i];
    results[i].latency = absl::Now() - call.started;
    results[i].status = call.status;
    if (call.status.ok()) results[i].response = Flatten(call.response);
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return results;
}

std::vector<std::shared_ptr<grpc::Channel>> SeparateChannels(const std::string& address,
                                                             int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
  }
  return channels;
}

std::vector<CallResult> CallsAs(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& user, const std::string& method,
                                const google::protobuf::Message& request, int count,
                                absl::Duration timeout) {
  return CallAllAtOnce({channel}, method,
                       std::vector<std::string>(count, request.SerializeAsString()),
                       {{"x-user-id", user}}, timeout);
}

}  // namespace qs::testing
