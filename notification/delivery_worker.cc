#include "notification/delivery_worker.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "notification/delivery/token_redaction.h"
#include "spdlog/spdlog.h"

namespace qs::notification {
namespace {

// The actions by their names in the README's answer table.
using delivery::ActionName;
using delivery::Delivered;
using delivery::FailPermanently;
using delivery::InvalidateToken;
using delivery::Overloaded;
using delivery::PauseProvider;
using delivery::ProviderThrottle;
using delivery::PushProvider;
using delivery::PushProviders;
using delivery::PushResult;
using delivery::RefreshCredentialAndRetry;
using delivery::RetryLater;
using delivery::ShortToken;
using delivery::StopTokenForSender;
using delivery::ThrottleProvider;
using delivery::UniformRandomFromBitGen;

// What the deliveries row keeps of the answer ("503 UNAVAILABLE").
std::string ResponseOf(const PushResult& result) {
  return result.provider_code.empty() ? absl::StrCat(result.http_status)
                                      : absl::StrCat(result.http_status, " ", result.provider_code);
}

}  // namespace

DeliveryWorker::DeliveryWorker(db::Database& database, DeliveryWorkerSettings settings,
                               PushProviders providers)
    : database_(database),
      settings_(std::move(settings)),
      providers_(std::move(providers)),
      retry_(settings_.providers.retry, UniformRandomFromBitGen()),
      loop_(settings_.poll_interval, [this] { DeliverDue(); }) {}

void DeliveryWorker::DeliverDue() {
  while (!loop_.StopRequested()) {
    // Read before the claim: the lease the database writes ends later.
    const absl::Time lease_end = absl::Now() + settings_.lease;
    absl::StatusOr<ClaimedBatch> batch =
        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<ClaimedBatch> {
          return store_.Claim(tx, settings_.batch_size, settings_.lease, settings_.providers.retry);
        });
    if (!batch.ok()) {
      spdlog::warn("delivery claim failed: {}", batch.status().ToString());
      return;
    }
    const std::vector<ClaimedDelivery>& to_send = batch->to_send;
    std::atomic<size_t> next{0};
    auto drain = [&] {
      for (size_t i = next++; i < to_send.size(); i = next++) Deliver(to_send[i], lease_end);
    };
    const size_t helpers = std::min<size_t>(settings_.send_threads, to_send.size());
    std::vector<std::thread> threads;
    for (size_t t = 1; t < helpers; ++t) threads.emplace_back(drain);
    drain();  // this thread is one of the senders
    for (std::thread& thread : threads) thread.join();
    if (batch->rows < settings_.batch_size) return;
  }
}

void DeliveryWorker::Deliver(const ClaimedDelivery& claimed, absl::Time lease_end) {
  const absl::Time now = absl::Now();
  if (loop_.StopRequested()) {
    // Shutting down: back to the queue now rather than after the lease.
    GiveBack(claimed, now, "worker stopped before sending");
    return;
  }
  // The send might outlast the lease, and another instance could then claim
  // and send it too: back to the queue, due now, for the next claim.
  if (const absl::Duration left = lease_end - now; left < WorstCaseSend(settings_.providers)) {
    spdlog::debug("delivery {} given back unsent: {} left on its lease, a send may take {}",
                  claimed.lease.delivery_id, absl::FormatDuration(left),
                  absl::FormatDuration(WorstCaseSend(settings_.providers)));
    GiveBack(claimed, now, "lease too short for another send");
    return;
  }
  PushProvider& provider = providers_.For(claimed.message.platform);
  if (std::optional<Pause> pause = ActivePause(provider)) {
    GiveBack(claimed, pause->recheck_at, absl::StrCat("provider paused: ", pause->reason));
    return;
  }
  ProviderThrottle& throttle = providers_.ThrottleFor(claimed.message.platform);
  std::optional<ProviderThrottle::Permit> permit = throttle.Acquire(kMaxPermitWait);
  if (!permit) {
    GiveBack(claimed, std::max(throttle.backoff_until(), now + kMaxPermitWait),
             absl::StrCat(provider.Name(), " throttled"));
    return;
  }
  PushResult result = provider.Send(claimed.message);
  permit.reset();
  spdlog::debug("delivery {} to {} via {}: {} ({})", claimed.lease.delivery_id,
                ShortToken(claimed.message.token), std::string(provider.Name()),
                std::string(ActionName(result.action)), ResponseOf(result));
  Record(claimed, result);
}

void DeliveryWorker::Record(const ClaimedDelivery& claimed, const PushResult& result) {
  PushProvider& provider = providers_.For(claimed.message.platform);
  ProviderThrottle& throttle = providers_.ThrottleFor(claimed.message.platform);
  const DeliveryLease& lease = claimed.lease;
  const std::string response = ResponseOf(result);
  const absl::Time now = absl::Now();
  std::visit(Overloaded{
                 [&](const Delivered& delivered) {
                   SetResumed(provider);
                   RecordWith(claimed, "sent", [&](db::WriteTx& tx) {
                     return store_.MarkSent(tx, lease, delivered.provider_message_id, response,
                                            delivered.corrected_apns_sandbox);
                   });
                 },
                 [&](const InvalidateToken& invalidate) {
                   SetResumed(provider);
                   RecordWith(claimed, "invalid_token", [&](db::WriteTx& tx) {
                     return store_.InvalidateToken(tx, lease, claimed.push_token_id,
                                                   invalidate.reason, response);
                   });
                 },
                 [&](const FailPermanently& fail) {
                   SetResumed(provider);
                   RecordWith(claimed, "failed", [&](db::WriteTx& tx) {
                     return store_.Fail(tx, lease, fail.reason, response, true);
                   });
                 },
                 [&](const StopTokenForSender& stop) {
                   SetResumed(provider);
                   RecordWith(claimed, "failed (sender mismatch)", [&](db::WriteTx& tx) {
                     return store_.StopTokenForSender(tx, lease, claimed.push_token_id, stop.reason,
                                                      response);
                   });
                 },
                 [&](const ThrottleProvider& throttled) {
                   SetResumed(provider);
                   // The whole provider waits, this delivery with it. Not
                   // the delivery's attempt: only the age bound ends it.
                   throttle.BackOffUntil(now + throttled.retry_after);
                   if (!retry_.WithinAge(claimed.first_attempt_at, now + throttled.retry_after)) {
                     RecordWith(claimed, "failed (gave up)", [&](db::WriteTx& tx) {
                       return store_.Fail(tx, lease,
                                          absl::StrCat("gave up: provider throttled past the "
                                                       "retry age bound: ",
                                                       throttled.reason),
                                          response, false);
                     });
                     return;
                   }
                   RecordWith(claimed, "requeued (throttled)", [&](db::WriteTx& tx) {
                     return store_.Requeue(tx, lease, now + throttled.retry_after, false,
                                           throttled.reason, response);
                   });
                 },
                 [&](const RetryLater& retry) {
                   // A provider-wide failure (the OAuth token fetch) is not
                   // this delivery's attempt: back off as if it were the next
                   // one, bounded by age only.
                   const bool counts = !retry.provider_wide;
                   const int attempts = claimed.attempts + 1;
                   std::optional<absl::Duration> delay =
                       counts ? retry_.NextDelay(attempts, claimed.first_attempt_at, now,
                                                 retry.retry_after)
                              : retry_.NextDelayWithinAge(attempts, claimed.first_attempt_at, now,
                                                          retry.retry_after);
                   const std::string reason = retry.outcome_unknown
                                                  ? absl::StrCat(retry.reason, " (outcome unknown)")
                                                  : retry.reason;
                   if (!delay) {
                     const std::string why =
                         counts ? absl::StrCat("gave up after ", attempts, " attempts: ", reason)
                                : absl::StrCat("gave up past the retry age bound: ", reason);
                     RecordWith(claimed, "failed (gave up)", [&](db::WriteTx& tx) {
                       return store_.Fail(tx, lease, why, response, counts);
                     });
                     return;
                   }
                   RecordWith(claimed, "requeued (retry)", [&](db::WriteTx& tx) {
                     return store_.Requeue(tx, lease, now + *delay, counts, reason, response);
                   });
                 },
                 [&](const RefreshCredentialAndRetry& refresh) {
                   // Never returned by Send (push_provider.h); if it were, the
                   // delivery must not be lost: retry it soon without counting.
                   GiveBack(claimed, now + settings_.poll_interval, refresh.reason);
                 },
                 [&](const PauseProvider& pause) {
                   SetPaused(provider, pause.reason);
                   GiveBack(claimed, now + settings_.pause_recheck,
                            absl::StrCat("provider paused: ", pause.reason));
                 },
             },
             result.action);
}

void DeliveryWorker::GiveBack(const ClaimedDelivery& claimed, absl::Time when,
                              const std::string& why) {
  RecordWith(claimed, "given back", [&](db::WriteTx& tx) {
    return store_.Requeue(tx, claimed.lease, when, false, why, "");
  });
}

void DeliveryWorker::RecordWith(const ClaimedDelivery& claimed, const char* outcome,
                                const std::function<bool(db::WriteTx&)>& write) {
  absl::StatusOr<bool> recorded =
      database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<bool> { return write(tx); });
  if (!recorded.ok()) {
    // The row stays `sending`; it is claimed again when the lease expires.
    spdlog::warn("delivery {}: outcome {} not recorded: {}", claimed.lease.delivery_id, outcome,
                 recorded.status().ToString());
  } else if (!*recorded) {
    spdlog::warn("delivery {}: lease lost before recording {} (another worker took it over)",
                 claimed.lease.delivery_id, outcome);
  }
}

std::optional<DeliveryWorker::Pause> DeliveryWorker::ActivePause(const PushProvider& provider) {
  absl::MutexLock lock(&pause_mutex_);
  auto it = paused_.find(std::string(provider.Name()));
  if (it == paused_.end()) return std::nullopt;
  const absl::Time now = absl::Now();
  if (now < it->second.recheck_at) return it->second;
  // Due for a probe: this send goes; the others wait for its answer.
  it->second.recheck_at = now + settings_.pause_recheck;
  return std::nullopt;
}

void DeliveryWorker::SetPaused(const PushProvider& provider, const std::string& reason) {
  absl::MutexLock lock(&pause_mutex_);
  auto [it, inserted] = paused_.try_emplace(std::string(provider.Name()));
  it->second = {reason, absl::Now() + settings_.pause_recheck};
  if (inserted) spdlog::error("push provider {} paused: {}", std::string(provider.Name()), reason);
}

void DeliveryWorker::SetResumed(const PushProvider& provider) {
  absl::MutexLock lock(&pause_mutex_);
  if (paused_.erase(std::string(provider.Name())) > 0) {
    spdlog::warn("push provider {} resumed", std::string(provider.Name()));
  }
}

std::map<std::string, std::string> DeliveryWorker::PausedProviders() const {
  absl::MutexLock lock(&pause_mutex_);
  std::map<std::string, std::string> paused;
  for (const auto& [name, pause] : paused_) paused[name] = pause.reason;
  return paused;
}

}  // namespace qs::notification
