// How AsyncReadPool runs a caller's `done` (internal to the pool): at once
// on this thread, unless an answer runs on this thread already (a `done`
// that calls the pool again, which answers a refusal at once); then right
// after that answer returns. A `done` that retries from inside itself thus
// never nests one call deeper per retry. The common case (no answer
// running) costs no allocation.
//
//   InlineAnswers::Run(std::move(done), std::move(result));
#ifndef QS_COMMON_DB_ASYNC_READ_POOL_ANSWERS_H_
#define QS_COMMON_DB_ASYNC_READ_POOL_ANSWERS_H_

#include <deque>
#include <functional>
#include <utility>

namespace qs::db::async_read_internal {

class InlineAnswers {
 public:
  template <typename Done, typename Value>
  static void Run(Done done, Value value) {
    State& state = ThisThread();
    if (state.answering) {
      state.queued.push_back(
          [done = std::move(done), value = std::move(value)]() mutable { done(std::move(value)); });
      return;
    }
    Answering answering(state);
    done(std::move(value));
  }

  // `task` answers by itself.
  static void Run(std::function<void()> task);

 private:
  struct State {
    std::deque<std::function<void()>> queued;
    bool answering = false;
  };
  // Marks this thread as answering; on leaving, runs what was queued
  // meanwhile, then clears the mark (also if an answer throws).
  class Answering {
   public:
    explicit Answering(State& state) : state_(state) { state_.answering = true; }
    ~Answering();
    Answering(const Answering&) = delete;
    Answering& operator=(const Answering&) = delete;

   private:
    State& state_;
  };

  static State& ThisThread();
};

}  // namespace qs::db::async_read_internal

#endif  // QS_COMMON_DB_ASYNC_READ_POOL_ANSWERS_H_
