// One connection to NATS JetStream, shared by a service's relay and
// consumers (libnats 3.4: the C client; thread-safe).
//
//   absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
//       NatsConnection::Connect(settings.nats_url, "quest-relay");
//   QS_RETURN_IF_ERROR((*nats)->EnsureStream(names.Stream("quest"),
//                                            names.StreamSubjects("quest"), settings));
//   jsCtx* js = (*nats)->jetstream();   // for publish / pull subscribe
//
// Connect succeeds while the server is down (libnats' retry-on-failed-
// connect): the client reconnects in the background, forever, and
// IsConnected() says whether it is connected now. Calls made while it is
// not fail fast with UNAVAILABLE.
#ifndef QS_COMMON_EVENTS_NATS_CONNECTION_H_
#define QS_COMMON_EVENTS_NATS_CONNECTION_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/events/event_stream_settings.h"
#include "nats/nats.h"

namespace qs::events {

class NatsConnection {
 public:
  // `name` shows in the server's connection list (connz).
  static absl::StatusOr<std::unique_ptr<NatsConnection>> Connect(const std::string& url,
                                                                 const std::string& name);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  bool IsConnected() const;

  // Creates the stream, or updates it when its subjects, duplicate window or
  // max age differ from `settings` (idempotent; safe from N instances at
  // once). File storage, limits retention with max age = the outbox
  // retention (the outbox stays the source of truth, see replay).
  // Only the stream's owner (the source service's relay and replay) calls
  // this: other settings of a consumer's service must not overwrite it.
  absl::Status EnsureStream(const std::string& stream, const std::string& subjects,
                            const EventStreamSettings& settings);

  // Creates the stream as EnsureStream does when it is missing, and leaves
  // an existing one as it is (for consumers: the owner's settings win).
  absl::Status EnsureStreamExists(const std::string& stream, const std::string& subjects,
                                  const EventStreamSettings& settings);

  // Runs `callback` on a libnats thread each time the connection comes up
  // (the first connect in the background, and every reconnect), so a loop
  // that backs off while NATS is down resumes at once. One callback; a later
  // call replaces it, and returns only once a running old one has finished:
  // after SetOnConnected(nullptr) the old callback never runs again. It must
  // be quick and must call neither libnats nor SetOnConnected.
  void SetOnConnected(std::function<void()> callback);

  natsConnection* connection() { return connection_; }
  jsCtx* jetstream() { return jetstream_; }

  // Shared with libnats' callbacks, which hold a reference until the
  // connection's closed callback (they may run after the destructor).
  struct Callbacks {
    std::mutex mutex;
    std::function<void()> on_connected;
  };

 private:
  NatsConnection(natsConnection* connection, jsCtx* jetstream, std::shared_ptr<Callbacks> callbacks)
      : connection_(connection), jetstream_(jetstream), callbacks_(std::move(callbacks)) {}

  absl::Status SetUpStream(const std::string& stream, const std::string& subjects,
                           const EventStreamSettings& settings, bool update_existing);

  natsConnection* connection_;
  jsCtx* jetstream_;
  std::shared_ptr<Callbacks> callbacks_;
};

// A libnats status (and JetStream error code, 0 if none) as absl::Status:
// connection trouble and timeouts UNAVAILABLE/DEADLINE_EXCEEDED, the rest
// INTERNAL, each with `what` and nats_GetLastError's text.
absl::Status StatusFromNats(natsStatus status, const std::string& what,
                            jsErrCode js_error = static_cast<jsErrCode>(0));

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_NATS_CONNECTION_H_
