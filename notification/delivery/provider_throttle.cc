#include "notification/delivery/provider_throttle.h"

#include <algorithm>

namespace qs::notification::delivery {

ProviderThrottle::ProviderThrottle(ProviderThrottleSettings settings, Clock clock)
    : settings_(settings),
      // A burst of one second's worth, at least one send.
      capacity_(std::max(1.0, settings.sends_per_second)),
      clock_(std::move(clock)),
      tokens_(capacity_),
      last_refill_(clock_()) {}

ProviderThrottle::Permit& ProviderThrottle::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

ProviderThrottle::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release();
}

void ProviderThrottle::Refill(absl::Time now) {
  if (now <= last_refill_) return;
  tokens_ = std::min(
      capacity_, tokens_ + absl::ToDoubleSeconds(now - last_refill_) * settings_.sends_per_second);
  last_refill_ = now;
}

std::variant<ProviderThrottle::Permit, ProviderThrottle::Wait> ProviderThrottle::TryAcquireLocked(
    absl::Time now) {
  if (now < backoff_until_) return Wait{Wait::Reason::kBackOff, backoff_until_ - now};
  if (in_flight_ >= settings_.max_concurrency) {
    return Wait{Wait::Reason::kConcurrency, absl::InfiniteDuration()};
  }
  Refill(now);
  if (tokens_ < 1.0) {
    return Wait{Wait::Reason::kRate, absl::Seconds((1.0 - tokens_) / settings_.sends_per_second)};
  }
  tokens_ -= 1.0;
  ++in_flight_;
  return Permit(this);
}

std::variant<ProviderThrottle::Permit, ProviderThrottle::Wait> ProviderThrottle::TryAcquire() {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  return TryAcquireLocked(now);
}

std::optional<ProviderThrottle::Permit> ProviderThrottle::Acquire(absl::Duration max_wait) {
  const absl::Time deadline = clock_() + max_wait;
  absl::MutexLock lock(&mutex_);
  while (true) {
    const absl::Time now = clock_();
    std::variant<Permit, Wait> attempt = TryAcquireLocked(now);
    if (Permit* permit = std::get_if<Permit>(&attempt)) return std::move(*permit);
    if (now >= deadline) return std::nullopt;
    // Checked and waited under one lock, so a release cannot slip between.
    released_.WaitWithTimeout(&mutex_, std::min(std::get<Wait>(attempt).at_least, deadline - now));
  }
}

void ProviderThrottle::BackOffUntil(absl::Time until) {
  absl::MutexLock lock(&mutex_);
  backoff_until_ = std::max(backoff_until_, until);
}

absl::Time ProviderThrottle::backoff_until() const {
  absl::MutexLock lock(&mutex_);
  return backoff_until_;
}

int ProviderThrottle::in_flight() const {
  absl::MutexLock lock(&mutex_);
  return in_flight_;
}

void ProviderThrottle::Release() {
  absl::MutexLock lock(&mutex_);
  --in_flight_;
  released_.SignalAll();
}

}  // namespace qs::notification::delivery
