// Bounded throughput per provider, so one burst of notifications cannot trip
// FCM's quota: a token bucket (sends per second, with a burst of one second's
// worth), a cap on concurrent sends, and a provider-wide "back off until" set
// when the provider answers ThrottleProvider (429 / QUOTA_EXCEEDED).
//
//   ProviderThrottle throttle({.sends_per_second = 500, .max_concurrency = 16});
//   std::optional<ProviderThrottle::Permit> permit = throttle.Acquire(absl::Seconds(1));
//   if (!permit) return;  // still throttled: leave the delivery queued
//   PushResult result = provider.Send(message);     // the permit is held while sending
//   if (auto* t = std::get_if<ThrottleProvider>(&result.action))
//     throttle.BackOffUntil(absl::Now() + t->retry_after);
//
// Thread-safe. One instance per provider, shared by all of its workers.
#ifndef QS_NOTIFICATION_DELIVERY_PROVIDER_THROTTLE_H_
#define QS_NOTIFICATION_DELIVERY_PROVIDER_THROTTLE_H_

#include <functional>
#include <optional>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qs::notification::delivery {

struct ProviderThrottleSettings {
  double sends_per_second = 500;
  int max_concurrency = 16;
};

class ProviderThrottle {
 public:
  using Clock = std::function<absl::Time()>;

  // `clock` is injectable for tests of TryAcquire. Acquire measures its
  // deadline on it but sleeps in real time: give Acquire a real clock.
  explicit ProviderThrottle(
      ProviderThrottleSettings settings, Clock clock = [] { return absl::Now(); });

  // One send's right to go: releases its concurrency slot when destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class ProviderThrottle;
    explicit Permit(ProviderThrottle* owner) : owner_(owner) {}
    ProviderThrottle* owner_;
  };

  // Why TryAcquire gave no permit, and for how long at least.
  struct Wait {
    enum class Reason { kBackOff, kRate, kConcurrency };
    Reason reason;
    // For kConcurrency: until a permit is released (InfiniteDuration).
    absl::Duration at_least;
  };

  // A permit now, or why not. Never blocks.
  std::variant<Permit, Wait> TryAcquire();

  // Blocks until a permit is available or `max_wait` passes (nullopt).
  std::optional<Permit> Acquire(absl::Duration max_wait);

  // No permits before `until` (the later of this and any earlier back-off).
  void BackOffUntil(absl::Time until);

  absl::Time backoff_until() const;
  int in_flight() const;

 private:
  std::variant<Permit, Wait> TryAcquireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Release();
  void Refill(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const ProviderThrottleSettings settings_;
  const double capacity_;
  const Clock clock_;
  mutable absl::Mutex mutex_;
  absl::CondVar released_;
  double tokens_ ABSL_GUARDED_BY(mutex_);
  absl::Time last_refill_ ABSL_GUARDED_BY(mutex_);
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Time backoff_until_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_PROVIDER_THROTTLE_H_
