#include "tests/support/call_expectations.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/time.h"

namespace qs::testing {

::testing::AssertionResult HasStatus(const grpc::Status& status, grpc::StatusCode code,
                                     absl::string_view message_prefix) {
  if (status.error_code() == code && absl::StartsWith(status.error_message(), message_prefix)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "status " << status.error_code() << " \"" << status.error_message() << "\", expected "
         << code << " starting with \"" << message_prefix << "\"";
}

void ExpectEachAnswer(const std::shared_ptr<grpc::Channel>& channel,
                      const std::vector<CallCase>& cases) {
  for (const CallCase& c : cases) {
    std::vector<std::pair<std::string, std::string>> metadata;
    if (!c.user.empty()) metadata.emplace_back("x-user-id", c.user);
    const CallResult result =
        CallAllAtOnce({channel}, c.method, {c.request}, metadata, absl::Seconds(10))[0];
    EXPECT_TRUE(HasStatus(result.status, c.code, c.message_prefix))
        << c.method << " (expecting " << c.message_prefix << ")";
  }
}

::testing::AssertionResult AllEndedAtTheirDeadline(const std::vector<CallResult>& calls,
                                                   absl::Duration bound) {
  for (size_t i = 0; i < calls.size(); ++i) {
    const CallResult& call = calls[i];
    if (call.status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      return ::testing::AssertionFailure()
             << "call " << i << " ended " << call.status.error_code() << " \""
             << call.status.error_message() << "\", not DEADLINE_EXCEEDED";
    }
    if (call.latency >= bound) {
      return ::testing::AssertionFailure()
             << "call " << i << " ended after " << call.latency << ", not within " << bound;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace qs::testing
