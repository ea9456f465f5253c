// The steady stream of writes of the scale-out drill: a few threads writing
// to social and quest through round_robin channels while instances stop and
// start, each write retried while it gets UNAVAILABLE, and a record of every
// write that was acknowledged so that the test can find each one in its
// database afterwards.
//
//   SteadyWriters writers(social_channel, quest_channel, puzzle, recipients);
//   writers.Start(2, 2);
//   ... stop and start instances ...
//   writers.Stop();
//   for (const AcknowledgedFriendRequest& sent : writers.friend_requests()) ...
//
// Each friend request comes from a new user (so a requester's friend limit
// never binds) and goes to the next of `recipients` in turn: users the test
// prepared, e.g. with push tokens (drill_deliveries.h).
//
// Retries cannot double-apply a write:
// - SendFriendRequest carries a request_id: a retry replays the first
//   answer (social.v1 FriendService), so one request and one
//   FriendRequestSent event per acknowledged write.
// - SubmitAttempt carries a request_id likewise.
// - StartAttempt has no request id: a retry after an answer that was lost
//   could leave one more unsubmitted attempt. Each write uses a user of its
//   own and counts its StartAttempt retries, so the test can bound exactly
//   what such retries may leave (at most that many extra attempts).
#ifndef QS_TESTS_DEPLOY_DRILL_WRITERS_H_
#define QS_TESTS_DEPLOY_DRILL_WRITERS_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tests/deploy/drill_calls.h"

namespace qs::drill {

struct AcknowledgedFriendRequest {
  std::string requester_id;
  std::string recipient_id;
};

struct AcknowledgedAttempt {
  std::string user_id;
  std::string attempt_id;
  // How often StartAttempt was repeated after UNAVAILABLE for this write.
  int start_retries = 0;
};

// A published puzzle the quest writers attempt, and its solution.
struct DrillPuzzle {
  std::string puzzle_id;
  std::string solution;
};

// A published puzzle created through quest's API (CreatePuzzle, retried
// while UNAVAILABLE, answers in `tally`) for the quest writers to attempt.
absl::StatusOr<DrillPuzzle> CreatePuzzle(const std::shared_ptr<grpc::Channel>& quest,
                                         CallTally& tally);

class SteadyWriters {
 public:
  // `recipients` must not be empty.
  SteadyWriters(std::shared_ptr<grpc::Channel> social, std::shared_ptr<grpc::Channel> quest,
                DrillPuzzle puzzle, std::vector<std::string> recipients);
  ~SteadyWriters();  // Stop()

  // Starts `social_writers` + `quest_writers` threads, each writing one
  // write after the other until Stop().
  void Start(int social_writers, int quest_writers);
  void Stop();

  // Every answer of every call, per service.
  const CallTally& social_calls() const { return social_calls_; }
  const CallTally& quest_calls() const { return quest_calls_; }
  std::vector<AcknowledgedFriendRequest> friend_requests() const;
  std::vector<AcknowledgedAttempt> attempts() const;
  // Writes that ended with another code than OK (after retrying
  // UNAVAILABLE): "SendFriendRequest: DEADLINE_EXCEEDED ..." (at most 20 kept).
  std::vector<std::string> failures() const;
  int64_t failed_writes() const { return failed_writes_.load(); }
  // The longest a write took from its first call to its answer, retries
  // included: what a caller felt of the outage.
  absl::Duration longest_write() const;

 private:
  void WriteFriendRequests();
  void WriteAttempts();
  void Fail(const std::string& what, const grpc::Status& status);
  void Took(absl::Duration duration);

  std::shared_ptr<grpc::Channel> social_;
  std::shared_ptr<grpc::Channel> quest_;
  DrillPuzzle puzzle_;
  const std::vector<std::string> recipients_;
  std::atomic<size_t> next_recipient_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  CallTally social_calls_;
  CallTally quest_calls_;
  std::atomic<int64_t> failed_writes_{0};
  mutable std::mutex mutex_;
  std::vector<AcknowledgedFriendRequest> friend_requests_;
  std::vector<AcknowledgedAttempt> attempts_;
  std::vector<std::string> failures_;
  absl::Duration longest_write_ = absl::ZeroDuration();
};

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_WRITERS_H_
