#include "common/db/statement_canceller.h"

#include <condition_variable>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace qs::db {
namespace {

struct FreeCancel {
  void operator()(PGcancel* cancel) const { PQfreeCancel(cancel); }
};
using CancelHandle = std::unique_ptr<PGcancel, FreeCancel>;

}  // namespace

struct StatementCanceller::State {
  struct Request {
    CancelHandle cancel;
    Done done;
  };

  explicit State(std::string name, size_t max_queued)
      : name(std::move(name)), max_queued(max_queued) {}

  void Run() {
    while (true) {
      Request request;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || !queued.empty(); });
        if (stopping) break;
        request = std::move(queued.front());
        queued.pop_front();
      }
      // libpq's documented size for the message.
      char error[256] = {0};
      absl::Status sent = absl::OkStatus();
      if (PQcancel(request.cancel.get(), error, sizeof(error)) != 1) {
        sent = absl::UnavailableError(absl::StrCat(
            name, ": cancel request not sent: ", absl::StripTrailingAsciiWhitespace(error)));
      }
      // `done` reaches the canceller's owner, which may be gone once Stop
      // has begun: checked and run under the lock Stop takes.
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) break;
      request.done(std::move(sent));
    }
    std::lock_guard<std::mutex> lock(mutex);
    finished = true;
    ended.notify_all();
  }

  const std::string name;
  const size_t max_queued;
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable ended;
  std::deque<Request> queued;  // Guarded by mutex, as are the two below.
  bool stopping = false;
  bool finished = false;
};

StatementCanceller::StatementCanceller(std::string name, size_t max_queued,
                                       absl::Duration stop_wait)
    : stop_wait_(stop_wait),
      state_(std::make_shared<State>(std::move(name), max_queued)),
      thread_([state = state_] { state->Run(); }) {}

StatementCanceller::~StatementCanceller() { Stop(); }

bool StatementCanceller::Cancel(PGcancel* cancel, Done done) {
  CancelHandle handle(cancel);
  if (handle == nullptr) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->stopping || state_->queued.size() >= state_->max_queued) return false;
  state_->queued.push_back(State::Request{std::move(handle), std::move(done)});
  state_->wake.notify_one();
  return true;
}

void StatementCanceller::Stop() {
  std::lock_guard<std::mutex> stopping(stop_mutex_);
  if (!thread_.joinable()) return;
  bool finished = false;
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->stopping = true;
    state_->queued.clear();
    state_->wake.notify_one();
    finished = state_->ended.wait_for(lock, absl::ToChronoNanoseconds(stop_wait_),
                                      [&] { return state_->finished; });
  }
  // A PQcancel still blocked (an unreachable host) finishes on its own: the
  // thread keeps the shared state alive and calls nothing of ours.
  if (finished) {
    thread_.join();
  } else {
    thread_.detach();
  }
}

}  // namespace qs::db
