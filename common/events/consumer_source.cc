#include "common/events/consumer_source.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/events/consumer_apply.h"
#include "common/events/consumer_rules.h"
#include "common/events/dead_letter_store.h"
#include "common/grpc/call_log.h"
#include "spdlog/spdlog.h"

namespace qs::events {
namespace {

// How long one fetch waits for messages: also the period of the retry poll
// and how long Stop() may wait for the loop.
constexpr int64_t kFetchWaitMs = 500;
// num_pending / ack_pending are sampled this often, not per status call.
constexpr absl::Duration kSampleInterval = absl::Seconds(2);
// The longest a status call waits for the broker's consumer info.
constexpr absl::Duration kCallerSampleTimeout = absl::Milliseconds(200);
// Pause after a failed set-up, doubling up to the maximum.
constexpr absl::Duration kSetUpRetryMin = absl::Milliseconds(200);
constexpr absl::Duration kSetUpRetryMax = absl::Seconds(5);
// Pause after a fetch that failed for another reason than "no messages".
constexpr absl::Duration kFetchErrorPause = absl::Milliseconds(200);
constexpr int kRetriesPerPoll = 20;

constexpr jsErrCode kNoError = static_cast<jsErrCode>(0);

}  // namespace

SourceConsumer::SourceConsumer(const std::string& service, std::string source,
                               const EventStreamSettings& settings, db::Database& database,
                               const EventHandlers& handlers, NatsConnection& nats)
    : source_(std::move(source)),
      settings_(settings),
      database_(database),
      handlers_(handlers),
      nats_(nats),
      consumer_{EventStreamNames(settings.name_space).Stream(source_),
                EventStreamNames(settings.name_space).StreamSubjects(source_),
                EventStreamNames(settings.name_space).Durable(service)} {}

SourceConsumer::~SourceConsumer() { Stop(); }

void SourceConsumer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void SourceConsumer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SourceConsumer::SleepUnlessStopped(absl::Duration duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, absl::ToChronoMilliseconds(duration), [this] { return stop_; });
  return !stop_;
}

void SourceConsumer::Run() {
  absl::Duration setup_pause = kSetUpRetryMin;
  while (SleepUnlessStopped(absl::ZeroDuration())) {
    if (subscription_ == nullptr) {
      absl::Status set_up = SetUp();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        setup_error_ = set_up.ok() ? "" : std::string(set_up.message());
        if (!set_up.ok()) last_error_ = setup_error_;
      }
      if (!set_up.ok()) {
        SleepUnlessStopped(setup_pause);
        setup_pause = std::min(2 * setup_pause, kSetUpRetryMax);
        continue;
      }
      setup_pause = kSetUpRetryMin;
      spdlog::info("events: consumer {} on stream {} is set up", consumer_.durable,
                   consumer_.stream);
    }
    const bool subscribed = FetchAndApply();
    RetryRequestedDeadLetters();
    if (!subscribed || absl::Now() >= next_sample_) {
      if (!Sample()) DropSubscription();
    }
  }
  DropSubscription();
}

absl::Status SourceConsumer::SetUp() {
  absl::Status ensured = EnsureDurableConsumer(nats_, consumer_, settings_);
  if (!ensured.ok()) return ensured;
  jsSubOptions options;
  jsSubOptions_Init(&options);
  // Bound to the durable set up above: the subscription creates nothing.
  options.Stream = consumer_.stream.c_str();
  options.Consumer = consumer_.durable.c_str();
  jsErrCode error = kNoError;
  natsStatus s = js_PullSubscribe(&subscription_, nats_.jetstream(), consumer_.subjects.c_str(),
                                  consumer_.durable.c_str(), nullptr, &options, &error);
  if (s != NATS_OK) {
    subscription_ = nullptr;
    return StatusFromNats(s, "pull subscribe " + consumer_.durable + " on " + consumer_.stream,
                          error);
  }
  next_sample_ = absl::InfinitePast();
  return absl::OkStatus();
}

void SourceConsumer::DropSubscription() {
  if (subscription_ == nullptr) return;
  // Destroy, never Unsubscribe: that would delete the durable consumer.
  natsSubscription_Destroy(subscription_);
  subscription_ = nullptr;
}

bool SourceConsumer::FetchAndApply() {
  natsMsgList list{};
  jsErrCode error = kNoError;
  natsStatus s =
      natsSubscription_Fetch(&list, subscription_, settings_.consumer_batch, kFetchWaitMs, &error);
  if (s == NATS_OK || s == NATS_TIMEOUT) ClearLastError();
  if (s == NATS_TIMEOUT) return true;  // nothing to do
  if (s != NATS_OK) {
    SetError(StatusFromNats(s, "fetch from " + consumer_.stream, error).ToString(), false);
    natsMsgList_Destroy(&list);
    SleepUnlessStopped(kFetchErrorPause);
    // Sample at once: a missing durable is set up again.
    return false;
  }
  HandleBatch(list.Msgs, list.Count);
  natsMsgList_Destroy(&list);
  return true;
}

void SourceConsumer::HandleBatch(natsMsg** messages, int count) {
  std::vector<natsMsg*> decoded;
  std::vector<int64_t> deliveries;
  std::vector<::events::v1::EventEnvelope> envelopes;
  for (int i = 0; i < count; ++i) {
    natsMsg* message = messages[i];
    int64_t delivered = 1;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, message) == NATS_OK) {
      delivered = static_cast<int64_t>(meta->NumDelivered);
      jsMsgMetaData_Destroy(meta);
    }
    const absl::string_view data(natsMsg_GetData(message),
                                 static_cast<size_t>(natsMsg_GetDataLength(message)));
    absl::StatusOr<::events::v1::EventEnvelope> envelope = DecodeEnvelope(data, source_);
    if (!envelope.ok()) {
      // The relay's Nats-Msg-Id is the event id: keep it when usable.
      const char* message_id = nullptr;
      std::string event_id;
      if (natsMsgHeader_Get(message, "Nats-Msg-Id", &message_id) == NATS_OK &&
          api::IsUuid(message_id)) {
        event_id = message_id;
      }
      Park(message, event_id, "", envelope.status().ToString(), delivered);
      continue;
    }
    decoded.push_back(message);
    deliveries.push_back(delivered);
    envelopes.push_back(*std::move(envelope));
  }
  if (envelopes.empty()) return;
  std::vector<ApplyAttempt> attempts = ApplyEvents(database_, handlers_, source_, envelopes);
  for (size_t i = 0; i < attempts.size(); ++i) {
    Settle(decoded[i], envelopes[i], attempts[i], deliveries[i]);
  }
}

void SourceConsumer::Settle(natsMsg* message, const ::events::v1::EventEnvelope& envelope,
                            const ApplyAttempt& attempt, int64_t deliveries) {
  if (attempt.result.ok()) {
    if (*attempt.result == ApplyOutcome::kDuplicate) duplicates_.fetch_add(1);
    if (*attempt.result == ApplyOutcome::kApplied) {
      applied_.fetch_add(1);
      // With the writing call's trace id: one flow is followed across
      // services by grepping it.
      const absl::string_view trace = grpc_util::TraceIdOf(envelope.trace_parent());
      spdlog::info("events: applied {} {} from {}{}{}", envelope.type(), envelope.id(), source_,
                   trace.empty() ? "" : " trace=", std::string(trace));
    }
    // After the commit: a lost ack only means a redelivery, found recorded.
    natsMsg_Ack(message, nullptr);
    ClearLastError();
    ClearDatabaseError();
    return;
  }
  const absl::Status& failure = attempt.result.status();
  SetError(absl::StrCat("event ", envelope.id(), " (", envelope.type(), "): ", failure.ToString()),
           !attempt.handler_failed);
  switch (
      OnApplyFailure(failure.code(), attempt.handler_failed, deliveries, settings_.max_deliver)) {
    case FailureAction::kPark:
      Park(message, envelope.id(), envelope.type(),
           deliveries >= settings_.max_deliver
               ? absl::StrCat("failed ", deliveries, " deliveries: ", failure.ToString())
               : failure.ToString(),
           deliveries);
      return;
    case FailureAction::kRedeliver:
      Nak(message, deliveries);
      return;
  }
}

void SourceConsumer::Park(natsMsg* message, const std::string& event_id, const std::string& type,
                          const std::string& reason, int64_t deliveries) {
  NewDeadLetter letter;
  letter.event_id = event_id;
  letter.source = source_;
  letter.type = type;
  letter.subject = natsMsg_GetSubject(message);
  letter.envelope.assign(natsMsg_GetData(message),
                         static_cast<size_t>(natsMsg_GetDataLength(message)));
  letter.reason = reason;
  letter.deliveries = deliveries;
  absl::StatusOr<std::string> parked = database_.Write(
      [&](db::WriteTx& tx) -> absl::StatusOr<std::string> { return ParkDeadLetter(tx, letter); });
  if (!parked.ok()) {
    SetError(absl::StrCat("park event ", event_id, ": ", parked.status().ToString()), true);
    Nak(message, deliveries);
    return;
  }
  ClearDatabaseError();
  spdlog::warn("events: {} parked event {} of {} as dead letter {}: {}", consumer_.durable,
               event_id.empty() ? "(no id)" : event_id, source_, *parked, reason);
  // Term: JetStream never delivers it again; the dead letter is its copy.
  natsMsg_Term(message, nullptr);
}

void SourceConsumer::Nak(natsMsg* message, int64_t deliveries) {
  natsMsg_NakWithDelay(
      message, absl::ToInt64Milliseconds(RedeliveryDelay(deliveries, settings_.ack_wait)), nullptr);
}

void SourceConsumer::RetryRequestedDeadLetters() {
  absl::StatusOr<std::vector<std::string>> requested =
      database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<std::vector<std::string>> {
        return RequestedDeadLetterRetries(tx, source_, kRetriesPerPoll);
      });
  if (!requested.ok()) {
    SetPollError(absl::StrCat("dead-letter retries: ", requested.status().ToString()));
    return;
  }
  ClearPollError();  // the database answers again
  for (const std::string& id : *requested) {
    absl::StatusOr<RetryOutcome> outcome = RetryDeadLetter(database_, handlers_, source_, id);
    if (!outcome.ok()) {
      SetPollError(absl::StrCat("retry dead letter ", id, ": ", outcome.status().ToString()));
      return;
    }
    if (*outcome == RetryOutcome::kApplied) applied_.fetch_add(1);
    if (*outcome != RetryOutcome::kSkipped) {
      spdlog::info("events: dead letter {} of {} retried: {}", id, source_,
                   *outcome == RetryOutcome::kApplied ? "applied" : "failed again");
    }
  }
}

bool SourceConsumer::Sample() {
  next_sample_ = absl::Now() + kSampleInterval;
  absl::StatusOr<ConsumerCounts> counts = SampleConsumer(nats_, consumer_);
  if (counts.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_ = *counts;
    sampled_at_ = absl::Now();
    return true;
  }
  SetError(counts.status().ToString(), false);
  if (absl::IsNotFound(counts.status())) {
    spdlog::warn("events: {} is gone from the broker; setting it up again", consumer_.durable);
    return false;
  }
  return true;
}

void SourceConsumer::SetError(const std::string& error, bool database) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = error;
  if (database) database_error_ = error;
}

void SourceConsumer::ClearLastError() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_.clear();
}

void SourceConsumer::ClearDatabaseError() {
  std::lock_guard<std::mutex> lock(mutex_);
  database_error_.clear();
}

void SourceConsumer::SetPollError(const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = error;
  poll_error_ = error;
}

void SourceConsumer::ClearPollError() {
  std::lock_guard<std::mutex> lock(mutex_);
  poll_error_.clear();
}

std::optional<std::string> SourceConsumer::Degraded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!setup_error_.empty()) {
    return absl::StrCat(source_, ": consumer set-up failing: ", setup_error_);
  }
  if (!database_error_.empty() || !poll_error_.empty()) {
    return absl::StrCat(
        source_, ": database failing: ", database_error_.empty() ? poll_error_ : database_error_);
  }
  return std::nullopt;
}

void SourceConsumer::FillStatus(::ops::v1::ConsumerStatus& status) const {
  status.set_source(source_);
  status.set_durable(consumer_.durable);
  status.set_applied(applied_.load());
  status.set_duplicates(duplicates_.load());
  // The loop samples every kSampleInterval between fetches; a loop held by
  // a slow handler or a database outage does not, and that is when the lag
  // matters, so then the caller samples: one request to the broker, only
  // while connected and for at most kCallerSampleTimeout (a status call
  // must answer at once, NATS down or not).
  // One caller tries per kSampleInterval, whatever the answer: a burst of
  // status calls against a broker that does not answer sends one request.
  bool sample = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const absl::Time now = absl::Now();
    if (now - sampled_at_ > 2 * kSampleInterval &&
        now - caller_sample_tried_at_ > kSampleInterval) {
      caller_sample_tried_at_ = now;
      sample = true;
    }
  }
  if (sample && nats_.IsConnected()) {
    absl::StatusOr<ConsumerCounts> counts = SampleConsumer(nats_, consumer_, kCallerSampleTimeout);
    if (counts.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      counts_ = *counts;
      sampled_at_ = absl::Now();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  status.set_pending(counts_.pending);
  status.set_ack_pending(counts_.ack_pending);
  status.set_last_error(last_error_);
}

}  // namespace qs::events
