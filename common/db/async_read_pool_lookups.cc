// AsyncReadPool's coalesced lookups (loop thread): the keys waiting per
// CoalescedLookup, the batches they go out in, and each caller's answer.
#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"

namespace qs::db {

void AsyncReadPool::AddLookup(const CoalescedLookup& lookup, std::string key, absl::Time deadline,
                              LookupDone done) {
  const uint64_t id = next_id_++;
  LookupWaiter waiter{std::move(done), deadline};
  if (deadline != absl::InfiniteFuture()) {
    waiter.deadline_timer = loop_.RunAt(deadline, [this, id] {
      auto found = lookup_waiters_.find(id);
      if (found == lookup_waiters_.end()) return;
      found->second.deadline_timer = 0;
      ++counters_.deadline_exceeded;
      AnswerLookup(id, absl::DeadlineExceededError(
                           absl::StrCat("lookup on ", options_.name, ": deadline exceeded")));
    });
  }
  lookup_waiters_.emplace(id, std::move(waiter));
  auto [queue, created] = lookup_queues_.try_emplace(lookup.statement);
  if (created) queue->second.lookup = lookup;
  auto [waiters, first_for_key] = queue->second.waiters_by_key.try_emplace(key);
  if (first_for_key) queue->second.keys.push_back(std::move(key));
  waiters->second.push_back(id);
  SendBatches(queue->second);
}

void AsyncReadPool::SendBatches(LookupQueue& queue) {
  const size_t cap = static_cast<size_t>(std::max(1, options_.max_lookup_batch));
  // One batch out at a time gathers the keys that arrive meanwhile (no
  // timer); a full batch more may go at once, up to one per connection.
  while (!stopping_ && !queue.keys.empty() &&
         (queue.batches_out == 0 ||
          (queue.keys.size() >= cap && queue.batches_out < options_.connections))) {
    auto batch = std::make_shared<std::unordered_map<std::string, std::vector<uint64_t>>>();
    std::vector<std::string> keys;
    absl::Time deadline = absl::InfinitePast();
    while (!queue.keys.empty() && keys.size() < cap) {
      auto waiting = queue.waiters_by_key.extract(queue.keys.front());
      queue.keys.pop_front();
      std::vector<uint64_t> alive;
      for (uint64_t id : waiting.mapped()) {
        auto found = lookup_waiters_.find(id);
        if (found == lookup_waiters_.end()) continue;  // Past its deadline.
        alive.push_back(id);
        deadline = std::max(deadline, found->second.deadline);
      }
      if (alive.empty()) continue;
      keys.push_back(waiting.key());
      batch->emplace(std::move(waiting.key()), std::move(alive));
    }
    if (keys.empty()) return;
    ++queue.batches_out;
    ++counters_.lookup_batches;
    counters_.lookup_keys_sent += keys.size();
    Enqueue(PendingStatement{
        queue.lookup.statement,
        {ArrayLiteral(keys)},
        deadline,
        [this, queue = &queue, batch](absl::StatusOr<pqxx::result> rows) {
          --queue->batches_out;
          absl::StatusOr<std::unordered_map<std::string, pqxx::row>> by_key =
              rows.ok() ? RowsByKey(*rows, queue->lookup.key_column)
                        : absl::StatusOr<std::unordered_map<std::string, pqxx::row>>(rows.status());
          for (auto& [key, ids] : *batch) {
            std::optional<pqxx::row> row;
            if (by_key.ok()) {
              auto found = by_key->find(key);
              if (found != by_key->end()) row = found->second;
            }
            for (uint64_t id : ids) {
              if (by_key.ok()) {
                AnswerLookup(id, row);
              } else {
                AnswerLookup(id, by_key.status());
              }
            }
          }
          SendBatches(*queue);
        }});
  }
  Dispatch();
}

void AsyncReadPool::AnswerLookup(uint64_t waiter_id,
                                 absl::StatusOr<std::optional<pqxx::row>> answer) {
  auto found = lookup_waiters_.find(waiter_id);
  if (found == lookup_waiters_.end()) return;
  if (found->second.deadline_timer != 0) loop_.Cancel(found->second.deadline_timer);
  LookupDone done = std::move(found->second.done);
  lookup_waiters_.erase(found);
  done(std::move(answer));
}

}  // namespace qs::db
