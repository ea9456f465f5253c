// Many unary calls in flight at once from one thread, over a
// grpc::CompletionQueue instead of a thread per call: how a test puts
// hundreds or thousands of calls on a server at the same moment.
//
//   ::quest::v1::GetPuzzleRequest request;
//   request.set_puzzle_id(id);
//   std::vector<CallResult> results = CallAllAtOnce(
//       channels, "/quest.v1.PuzzleService/GetPuzzle",
//       std::vector<std::string>(1000, request.SerializeAsString()),
//       {{"x-user-id", user}}, absl::Seconds(30));
//   for (const CallResult& result : results) EXPECT_TRUE(result.status.ok());
//
// Requests and responses are serialized messages (a generic stub), so one
// helper serves every method, and a test may send bytes that are no message.
#ifndef QS_TESTS_SUPPORT_ASYNC_CALLS_H_
#define QS_TESTS_SUPPORT_ASYNC_CALLS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace qs::testing {

// The outcome of one call of CallAllAtOnce.
struct CallResult {
  grpc::Status status;
  // From the call's start to its answer, as the client saw it.
  absl::Duration latency;
  // The serialized response message (empty unless the status is OK).
  std::string response;
};

// Starts one call of `method` ("/pkg.Service/Method") per entry of
// `requests`, the i-th on channels[i % channels.size()], each with
// `metadata` and a deadline `timeout` after its start, all before waiting
// for any answer; returns when every call has ended, results[i] for
// requests[i].
std::vector<CallResult> CallAllAtOnce(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& method,
    const std::vector<std::string>& requests,
    const std::vector<std::pair<std::string, std::string>>& metadata, absl::Duration timeout);

// `count` identical calls of `method` with `request`, acting as `user`
// (x-user-id), all at once on `channel`: CallAllAtOnce for the usual case.
std::vector<CallResult> CallsAs(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& user, const std::string& method,
                                const google::protobuf::Message& request, int count,
                                absl::Duration timeout = absl::Seconds(30));

// `count` channels to `address` that do not share a connection (each its own
// subchannel pool), so calls spread over `count` HTTP/2 connections.
std::vector<std::shared_ptr<grpc::Channel>> SeparateChannels(const std::string& address, int count);

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_ASYNC_CALLS_H_
