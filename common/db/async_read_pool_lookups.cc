// AsyncReadPool's coalesced lookups (loop thread): the keys waiting per
// CoalescedLookup, the batches they go out in, and each caller's answer.
#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_read_pool_answers.h"

namespace qs::db {
namespace {

// Below this many entries a lookup queue is never compacted.
constexpr size_t kLookupCompactionFloor = 64;

}  // namespace

void AsyncReadPool::AddLookup(const CoalescedLookup& lookup, const PreparedStatement& statement,
                              std::string key, absl::Time deadline, LookupDone done) {
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
  if (created) {
    queue->second.lookup = lookup;
    queue->second.statement = &statement;
  }
  auto [waiters, first_for_key] = queue->second.waiters_by_key.try_emplace(key);
  if (first_for_key) queue->second.keys.push_back(std::move(key));
  waiters->second.push_back(id);
  ++queue->second.waiter_entries;
  CompactLookupQueue(queue->second);
  SendBatches(queue->second);
}

void AsyncReadPool::CompactLookupQueue(LookupQueue& queue) {
  // Waiters answered by their deadlines stay in waiters_by_key until their
  // key goes out, and keys wait as long as a batch is out.
  if (queue.waiter_entries <= 2 * lookup_waiters_.size() + kLookupCompactionFloor) return;
  queue.waiter_entries = 0;
  for (auto entry = queue.waiters_by_key.begin(); entry != queue.waiters_by_key.end();) {
    std::vector<uint64_t>& ids = entry->second;
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [&](uint64_t id) { return lookup_waiters_.count(id) == 0; }),
              ids.end());
    queue.waiter_entries += ids.size();
    entry = ids.empty() ? queue.waiters_by_key.erase(entry) : std::next(entry);
  }
  queue.keys.erase(
      std::remove_if(queue.keys.begin(), queue.keys.end(),
                     [&](const std::string& key) { return queue.waiters_by_key.count(key) == 0; }),
      queue.keys.end());
}

void AsyncReadPool::SendBatches(LookupQueue& queue) {
  const size_t cap = static_cast<size_t>(std::max(1, options_.max_lookup_batch));
  // One batch out at a time gathers the keys that arrive meanwhile (no
  // timer); a full batch more may go at once, up to one per connection.
  while (!stopping_ && !queue.keys.empty() &&
         (queue.batches_out == 0 ||
          (queue.keys.size() >= cap && queue.batches_out < options_.connections))) {
    auto batch = std::make_shared<LookupBatch>();
    batch->queue = &queue;
    std::vector<std::string> keys;
    absl::Time deadline = absl::InfinitePast();
    while (!queue.keys.empty() && keys.size() < cap) {
      auto waiting = queue.waiters_by_key.extract(queue.keys.front());
      queue.keys.pop_front();
      queue.waiter_entries -= waiting.mapped().size();
      std::vector<uint64_t> alive;
      for (uint64_t id : waiting.mapped()) {
        auto found = lookup_waiters_.find(id);
        if (found == lookup_waiters_.end()) continue;  // Past its deadline.
        alive.push_back(id);
        found->second.batch = batch;
        deadline = std::max(deadline, found->second.deadline);
      }
      if (alive.empty()) continue;
      batch->unanswered += alive.size();
      keys.push_back(waiting.key());
      batch->waiters_by_key.emplace(std::move(waiting.key()), std::move(alive));
    }
    // Only answered waiters were left: nothing to send, and nothing left
    // behind (the loop took every key). Still dispatch what went before.
    if (keys.empty()) break;
    ++queue.batches_out;
    ++counters_.lookup_batches;
    counters_.lookup_keys_sent += keys.size();
    // However long its callers would wait, one stuck batch must not hold
    // the ones behind it for longer than lookup_timeout.
    deadline = std::min(deadline, absl::Now() + options_.lookup_timeout);
    batch->statement_id = Enqueue(PendingStatement{
        queue.statement,
        {ArrayLiteral(keys)},
        deadline,
        [this, batch](absl::StatusOr<pqxx::result> rows) { AnswerBatch(*batch, rows); },
        /*internal=*/true});
  }
  Dispatch();
}

void AsyncReadPool::AnswerBatch(LookupBatch& batch, const absl::StatusOr<pqxx::result>& rows) {
  if (!batch.released) {
    batch.released = true;
    --batch.queue->batches_out;
  }
  absl::StatusOr<std::unordered_map<std::string, pqxx::row>> by_key =
      rows.ok() ? RowsByKey(*rows, batch.queue->lookup.key_column)
                : absl::StatusOr<std::unordered_map<std::string, pqxx::row>>(rows.status());
  for (auto& [key, ids] : batch.waiters_by_key) {
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
  SendBatches(*batch.queue);
}

void AsyncReadPool::ReleaseBatch(LookupBatch& batch) {
  // Every caller of the batch is answered (deadlines) before it: the
  // lookups behind it go now rather than after its late answer.
  if (batch.released) return;
  batch.released = true;
  --batch.queue->batches_out;
  auto statement = statements_.find(batch.statement_id);
  if (statement != statements_.end() && !statement->second.on_wire) {
    // Not sent yet, and nobody left to answer: never sent. Its answer
    // (AnswerBatch) sends the next batches.
    Complete(batch.statement_id, absl::CancelledError("no lookup waits for the batch"));
    return;
  }
  SendBatches(*batch.queue);
}

void AsyncReadPool::AnswerLookup(uint64_t waiter_id,
                                 absl::StatusOr<std::optional<pqxx::row>> answer) {
  auto found = lookup_waiters_.find(waiter_id);
  if (found == lookup_waiters_.end()) return;
  if (found->second.deadline_timer != 0) loop_.Cancel(found->second.deadline_timer);
  LookupDone done = std::move(found->second.done);
  std::shared_ptr<LookupBatch> batch = std::move(found->second.batch);
  lookup_waiters_.erase(found);
  async_read_internal::InlineAnswers::Run(std::move(done), std::move(answer));
  if (batch != nullptr && --batch->unanswered == 0) ReleaseBatch(*batch);
}

}  // namespace qs::db
