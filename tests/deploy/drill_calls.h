// Calling the drill's containers from the host: channels to published ports
// (one instance, or several behind client-side round_robin), contexts that
// act as a user, and a tally of how calls ended.
//
//   auto quest = RoundRobinChannel({20451, 20452});   // quest-1 and quest-2
//   CallTally tally;
//   grpc::Status status = RetryWhileUnavailable([&] { return Create(quest); }, tally);
//   std::cout << tally.Describe();   // "812 calls: OK 800, UNAVAILABLE 12"
#ifndef QS_TESTS_DEPLOY_DRILL_CALLS_H_
#define QS_TESTS_DEPLOY_DRILL_CALLS_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace qs::drill {

// A plaintext channel to 127.0.0.1:<port> that reconnects quickly (a
// container restarts within seconds).
std::shared_ptr<grpc::Channel> ChannelToPort(int port);

// One channel over every port, `ipv4:127.0.0.1:P1,127.0.0.1:P2`, with the
// round_robin policy: calls alternate between the instances, and an
// instance that is down is skipped once its connection fails.
std::shared_ptr<grpc::Channel> RoundRobinChannel(const std::vector<int>& ports);

// A context acting as `user` (x-user-id, AUTH_MODE=header), with a deadline.
std::unique_ptr<grpc::ClientContext> ActingAs(const std::string& user,
                                              absl::Duration timeout = absl::Seconds(5));

// How calls ended, counted by status code; safe to share between threads.
class CallTally {
 public:
  void Record(grpc::StatusCode code);
  int64_t calls() const;
  int64_t count(grpc::StatusCode code) const;
  // Codes other than OK and UNAVAILABLE, e.g. "DEADLINE_EXCEEDED 2"; "" when none.
  std::string UnexpectedCodes() const;
  // "812 calls: OK 800, UNAVAILABLE 12".
  std::string Describe() const;

 private:
  mutable std::mutex mutex_;
  std::map<grpc::StatusCode, int64_t> counts_;
};

// Calls `call` again while it answers UNAVAILABLE (each answer recorded in
// `tally`), backing off 50 ms doubling to 1 s, for at most `give_up`.
// Returns the first answer that is not UNAVAILABLE, or the last one.
// Only for calls that are safe to repeat: idempotent by request id, or
// counted by the caller (`*retries` says how often it was repeated).
grpc::Status RetryWhileUnavailable(const std::function<grpc::Status()>& call, CallTally& tally,
                                   int* retries = nullptr,
                                   absl::Duration give_up = absl::Seconds(90));

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_CALLS_H_
