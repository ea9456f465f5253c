#include "tests/deploy/drill_writers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/grpc/call_log.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"

namespace qs::drill {

absl::StatusOr<DrillPuzzle> CreatePuzzle(const std::shared_ptr<grpc::Channel>& quest,
                                         CallTally& tally) {
  auto puzzles = ::quest::v1::PuzzleService::NewStub(quest);
  ::quest::v1::CreatePuzzleRequest request;
  request.set_title(absl::StrCat("Drill ", api::NewUuidV4()));
  request.set_kind(::quest::v1::PUZZLE_KIND_LOGIC);
  request.set_rating(1500);
  request.set_content("What has keys but opens no locks?");
  request.set_solution("piano");
  request.set_publish(true);
  const std::string author = api::NewUuidV4();
  ::quest::v1::Puzzle created;
  grpc::Status status = RetryWhileUnavailable(
      [&] { return puzzles->CreatePuzzle(ActingAs(author).get(), request, &created); }, tally);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("CreatePuzzle: ", grpc_util::StatusCodeName(status.error_code()), " ",
                     status.error_message()));
  }
  return DrillPuzzle{created.id(), request.solution()};
}

SteadyWriters::SteadyWriters(std::shared_ptr<grpc::Channel> social,
                             std::shared_ptr<grpc::Channel> quest, DrillPuzzle puzzle,
                             std::vector<std::string> recipients)
    : social_(std::move(social)),
      quest_(std::move(quest)),
      puzzle_(std::move(puzzle)),
      recipients_(std::move(recipients)) {}

SteadyWriters::~SteadyWriters() { Stop(); }

void SteadyWriters::Start(int social_writers, int quest_writers) {
  for (int i = 0; i < social_writers; ++i) threads_.emplace_back([this] { WriteFriendRequests(); });
  for (int i = 0; i < quest_writers; ++i) threads_.emplace_back([this] { WriteAttempts(); });
}

void SteadyWriters::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

std::vector<AcknowledgedFriendRequest> SteadyWriters::friend_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return friend_requests_;
}

std::vector<AcknowledgedAttempt> SteadyWriters::attempts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return attempts_;
}

std::vector<std::string> SteadyWriters::failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

absl::Duration SteadyWriters::longest_write() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return longest_write_;
}

void SteadyWriters::Took(absl::Duration duration) {
  std::lock_guard<std::mutex> lock(mutex_);
  longest_write_ = std::max(longest_write_, duration);
}

void SteadyWriters::Fail(const std::string& what, const grpc::Status& status) {
  ++failed_writes_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (failures_.size() < 20) {
    failures_.push_back(absl::StrCat(what, ": ", grpc_util::StatusCodeName(status.error_code()),
                                     " ", status.error_message()));
  }
}

void SteadyWriters::WriteFriendRequests() {
  auto friends = ::social::v1::FriendService::NewStub(social_);
  while (!stop_) {
    const absl::Time start = absl::Now();
    AcknowledgedFriendRequest sent{api::NewUuidV4(),
                                   recipients_[next_recipient_++ % recipients_.size()]};
    ::social::v1::SendFriendRequestRequest request;
    request.set_user_id(sent.recipient_id);
    request.set_request_id(api::NewUuidV4());
    grpc::Status status = RetryWhileUnavailable(
        [&] {
          ::social::v1::Friendship friendship;
          return friends->SendFriendRequest(ActingAs(sent.requester_id).get(), request,
                                            &friendship);
        },
        social_calls_);
    if (!status.ok()) {
      Fail("SendFriendRequest", status);
      continue;
    }
    Took(absl::Now() - start);
    std::lock_guard<std::mutex> lock(mutex_);
    friend_requests_.push_back(std::move(sent));
  }
}

void SteadyWriters::WriteAttempts() {
  auto attempts = ::quest::v1::AttemptService::NewStub(quest_);
  while (!stop_) {
    const absl::Time began = absl::Now();
    AcknowledgedAttempt written;
    written.user_id = api::NewUuidV4();
    ::quest::v1::StartAttemptRequest start;
    start.set_puzzle_id(puzzle_.puzzle_id);
    ::quest::v1::Attempt started;
    grpc::Status status = RetryWhileUnavailable(
        [&] { return attempts->StartAttempt(ActingAs(written.user_id).get(), start, &started); },
        quest_calls_, &written.start_retries);
    if (!status.ok()) {
      Fail("StartAttempt", status);
      continue;
    }
    written.attempt_id = started.id();
    ::quest::v1::SubmitAttemptRequest submit;
    submit.set_attempt_id(written.attempt_id);
    submit.set_answer(puzzle_.solution);
    submit.set_request_id(api::NewUuidV4());
    status = RetryWhileUnavailable(
        [&] {
          ::quest::v1::SubmitAttemptResponse submitted;
          return attempts->SubmitAttempt(ActingAs(written.user_id).get(), submit, &submitted);
        },
        quest_calls_);
    if (!status.ok()) {
      Fail("SubmitAttempt", status);
      continue;
    }
    Took(absl::Now() - began);
    std::lock_guard<std::mutex> lock(mutex_);
    attempts_.push_back(std::move(written));
  }
}

}  // namespace qs::drill
