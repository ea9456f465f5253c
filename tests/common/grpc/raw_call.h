// Sends a request message's bytes exactly as given, e.g. bytes no protobuf
// library would produce (a truncated field), to a unary method:
//
//   grpc::Status status = CallWithRawRequest(channel, *context,
//       "/ops.v1.Diagnostics/Probe", std::string("\x08", 1));
#ifndef QS_TESTS_COMMON_GRPC_RAW_CALL_H_
#define QS_TESTS_COMMON_GRPC_RAW_CALL_H_

#include <future>
#include <memory>
#include <string>
#include <utility>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace qs::testing {

// Blocks until the call ends; the response is dropped.
inline grpc::Status CallWithRawRequest(const std::shared_ptr<grpc::Channel>& channel,
                                       grpc::ClientContext& context, const std::string& method,
                                       const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

}  // namespace qs::testing

#endif  // QS_TESTS_COMMON_GRPC_RAW_CALL_H_
