// The list of services a server's reflection names: what `grpcurl list`
// shows (grpcurl cannot be installed here; BUILD-NOTES "Server pieces").
// gRPC 1.51 serves only grpc.reflection.v1alpha, so that is what is asked.
//
//   std::set<std::string> names;
//   grpc::Status listed = testing::ListServices(channel, &names);
//   ASSERT_TRUE(listed.ok()) << listed.error_message();
//   EXPECT_TRUE(names.count("quest.v1.PuzzleService"));
//
// A server with reflection off answers UNIMPLEMENTED, which is returned as
// it came: callers tell "off" from "down" by the code.
#ifndef QS_TESTS_SUPPORT_REFLECTION_H_
#define QS_TESTS_SUPPORT_REFLECTION_H_

#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace qs::testing {

// One list_services request on a ServerReflectionInfo stream. Adds the
// names answered to `names` and returns the status the stream ended with
// (OK, UNIMPLEMENTED when reflection is off, UNAVAILABLE when unreachable,
// DEADLINE_EXCEEDED after `timeout`).
grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                          std::set<std::string>* names, absl::Duration timeout = absl::Seconds(5));

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_REFLECTION_H_
