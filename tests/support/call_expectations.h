// What end-to-end tests expect of a call's answer, as gtest assertions that
// report at the caller's line:
//
//   EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
//   ExpectEachAnswer(channel(), {{kListFriends, bad.SerializeAsString(), user,
//                                 grpc::StatusCode::INVALID_ARGUMENT, "state"}});
//   EXPECT_TRUE(AllEndedAtTheirDeadline(CallsAs(channel(), user, kListFriends, list, 3,
//                                               absl::Milliseconds(400))));
#ifndef QS_TESTS_SUPPORT_CALL_EXPECTATIONS_H_
#define QS_TESTS_SUPPORT_CALL_EXPECTATIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "tests/support/async_calls.h"

namespace qs::testing {

// Success when `status` has `code` and its message starts with
// `message_prefix` (the field a precise error names; "" = any message).
::testing::AssertionResult HasStatus(const grpc::Status& status, grpc::StatusCode code,
                                     absl::string_view message_prefix);

// One call and the answer it must get.
struct CallCase {
  std::string method;   // "/pkg.Service/Method"
  std::string request;  // the serialized request (bytes that are no message are fine)
  std::string user;     // x-user-id; "" sends none
  grpc::StatusCode code;
  std::string message_prefix;
};

// Makes each call of `cases` alone (10 s deadline) and expects its answer.
void ExpectEachAnswer(const std::shared_ptr<grpc::Channel>& channel,
                      const std::vector<CallCase>& cases);

// Success when every call of `calls` ended DEADLINE_EXCEEDED, each within
// `bound` of its start (a deadline kept, not a call answered late).
::testing::AssertionResult AllEndedAtTheirDeadline(const std::vector<CallResult>& calls,
                                                   absl::Duration bound = absl::Seconds(2));

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_CALL_EXPECTATIONS_H_
