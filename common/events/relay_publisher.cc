#include "common/events/relay_publisher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace qs::events {

absl::StatusOr<std::unique_ptr<OutboxPublisher>> OutboxPublisher::Create(NatsConnection& nats,
                                                                         int max_pending) {
  std::unique_ptr<OutboxPublisher> publisher(new OutboxPublisher());
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = max_pending;
  options.PublishAsync.AckHandler = &OutboxPublisher::OnAck;
  options.PublishAsync.AckHandlerClosure = publisher.get();
  natsStatus s = natsConnection_JetStream(&publisher->jetstream_, nats.connection(), &options);
  if (s != NATS_OK) return StatusFromNats(s, "JetStream context for the relay");
  return publisher;
}

OutboxPublisher::~OutboxPublisher() {
  // Nothing is in flight here: Publish returns only once every message was
  // acked or taken back. (js_PublishAsyncGetPendingList crashes in libnats
  // 3.4 on a context that never published, so it is not called here.)
  if (jetstream_ != nullptr) jsCtx_Destroy(jetstream_);
}

void OutboxPublisher::OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error,
                            void* closure) {
  auto* self = static_cast<OutboxPublisher*>(closure);
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) {
    absl::Status outcome;
    if (ack == nullptr) {
      outcome = error != nullptr
                    ? StatusFromNats(error->Err,
                                     absl::StrCat("publish ", id, ": ",
                                                  error->ErrText != nullptr ? error->ErrText : ""),
                                     error->ErrCode)
                    : absl::InternalError(absl::StrCat("publish ", id, ": no ack"));
    }
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->outcomes_[id] = std::move(outcome);
  }
  natsMsg_Destroy(msg);
}

std::vector<absl::Status> OutboxPublisher::Publish(const std::vector<OutgoingMessage>& messages,
                                                   absl::Duration timeout) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outcomes_.clear();
  }
  std::vector<absl::Status> results(messages.size());
  std::vector<bool> sent(messages.size(), false);
  for (size_t i = 0; i < messages.size(); ++i) {
    const OutgoingMessage& message = messages[i];
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, message.subject.c_str(), nullptr, message.data.data(),
                                  static_cast<int>(message.data.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", message.id.c_str());
    if (s == NATS_OK) s = js_PublishMsgAsync(jetstream_, &msg, nullptr);
    // On success libnats owns the message and cleared `msg`.
    natsMsg_Destroy(msg);
    if (s != NATS_OK) {
      results[i] = StatusFromNats(s, "publish " + message.id);
    } else {
      sent[i] = true;
    }
  }

  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout));
  natsStatus complete = js_PublishAsyncComplete(jetstream_, &wait);
  absl::Status unacked = absl::OkStatus();
  if (complete != NATS_OK) {
    unacked = StatusFromNats(complete, "waiting for JetStream's publish acks");
    if (complete == NATS_TIMEOUT) {
      unacked = absl::DeadlineExceededError(
          absl::StrCat("no JetStream ack within ", absl::FormatDuration(timeout)));
    }
    // Take back what is still in flight: a late ack is discarded, and the
    // row is sent again by a later round (de-duplicated by its id).
    natsMsgList pending;
    const bool any_sent = std::find(sent.begin(), sent.end(), true) != sent.end();
    if (any_sent && js_PublishAsyncGetPendingList(&pending, jetstream_) == NATS_OK) {
      natsMsgList_Destroy(&pending);
    }
  }

  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!sent[i]) continue;
    auto it = outcomes_.find(messages[i].id);
    results[i] =
        it != outcomes_.end() ? it->second
        : unacked.ok()
            ? absl::InternalError("publish " + messages[i].id + ": completed without an ack")
            : unacked;
  }
  return results;
}

}  // namespace qs::events
