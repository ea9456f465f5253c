#include "common/events/nats_connection.h"

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace qs::events {
namespace {

// Reconnect attempts are spaced by this (plus libnats' jitter): short, so a
// broker that comes back is used within a fraction of a second.
constexpr int64_t kReconnectWaitMs = 250;
// One TCP connect attempt; the retries above cover longer outages.
constexpr int64_t kConnectTimeoutMs = 2000;

// Runs the callback under the lock, so SetOnConnected (e.g. to nullptr
// before its target goes) returns only once a running one has finished.
void OnConnectionUp(natsConnection*, void* closure) {
  auto* callbacks = static_cast<NatsConnection::Callbacks*>(closure);
  std::lock_guard<std::mutex> lock(callbacks->mutex);
  if (callbacks->on_connected) callbacks->on_connected();
}

// libnats' last callback of a connection (its callbacks run in order on one
// thread, and natsConnection_Close does not wait for queued ones): releases
// the Callbacks the others use.
void OnConnectionClosed(natsConnection*, void* closure) {
  delete static_cast<std::shared_ptr<NatsConnection::Callbacks>*>(closure);
}

// A natsOptions that is destroyed on every path.
struct OptionsDeleter {
  void operator()(natsOptions* options) const { natsOptions_Destroy(options); }
};

}  // namespace

absl::Status StatusFromNats(natsStatus status, const std::string& what, jsErrCode js_error) {
  if (status == NATS_OK) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", natsStatus_GetText(status));
  if (js_error != 0)
    absl::StrAppend(&message, " (JetStream error ", static_cast<int>(js_error), ")");
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && last == status &&
      std::strstr(message.c_str(), detail) == nullptr) {
    absl::StrAppend(&message, ": ", detail);
  }
  switch (status) {
    case NATS_TIMEOUT:
      return absl::DeadlineExceededError(message);
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_NOT_YET_CONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_SYS_ERROR:
    case NATS_NO_RESPONDERS:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_SLOW_CONSUMER:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<NatsConnection>> NatsConnection::Connect(const std::string& url,
                                                                        const std::string& name) {
  natsOptions* raw_options = nullptr;
  natsStatus s = natsOptions_Create(&raw_options);
  if (s != NATS_OK) return StatusFromNats(s, "NATS options");
  std::unique_ptr<natsOptions, OptionsDeleter> options(raw_options);
  auto callbacks = std::make_shared<Callbacks>();
  // libnats' reference, released by OnConnectionClosed (before the connect,
  // by this function).
  auto libnats_reference = std::make_unique<std::shared_ptr<Callbacks>>(callbacks);
  // Infinite reconnects and retry-on-failed-connect: the service starts and
  // keeps serving while NATS is down; the outbox holds the events meanwhile.
  // NATS_URL may name several servers, comma-separated (a cluster):
  // natsOptions_SetURL takes exactly one URL, natsOptions_SetServers a list.
  std::vector<std::string> urls = absl::StrSplit(url, ',', absl::SkipWhitespace());
  std::vector<const char*> servers;
  for (std::string& server : urls) {
    absl::StripAsciiWhitespace(&server);  // "nats://a:1, nats://b:2"
    servers.push_back(server.c_str());
  }
  s = natsOptions_SetServers(options.get(), servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(options.get(), name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(options.get(), kConnectTimeoutMs);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options.get(), kReconnectWaitMs);
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(options.get(), true, OnConnectionUp, callbacks.get());
  }
  if (s == NATS_OK)
    s = natsOptions_SetReconnectedCB(options.get(), OnConnectionUp, callbacks.get());
  if (s == NATS_OK) {
    s = natsOptions_SetClosedCB(options.get(), OnConnectionClosed, libnats_reference.get());
  }
  if (s != NATS_OK) return StatusFromNats(s, "NATS options for " + url);

  natsConnection* connection = nullptr;
  s = natsConnection_Connect(&connection, options.get());
  // From here the closed callback deletes it. (Should a failed connect not
  // run that callback, the reference leaks: better than a double free.)
  libnats_reference.release();
  // NATS_NOT_YET_CONNECTED: the connection exists and keeps trying.
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return StatusFromNats(s, "connect to NATS at " + url);
  }
  jsCtx* jetstream = nullptr;
  s = natsConnection_JetStream(&jetstream, connection, nullptr);
  if (s != NATS_OK) {
    absl::Status status = StatusFromNats(s, "JetStream context");
    natsConnection_Destroy(connection);
    return status;
  }
  return std::unique_ptr<NatsConnection>(
      new NatsConnection(connection, jetstream, std::move(callbacks)));
}

NatsConnection::~NatsConnection() {
  jsCtx_Destroy(jetstream_);
  // Callbacks still queued in libnats may run after this; they use the
  // Callbacks libnats holds a reference to (OnConnectionClosed).
  natsConnection_Close(connection_);
  natsConnection_Destroy(connection_);
}

bool NatsConnection::IsConnected() const {
  return natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

void NatsConnection::SetOnConnected(std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(callbacks_->mutex);
  callbacks_->on_connected = std::move(callback);
}

absl::Status NatsConnection::EnsureStream(const std::string& stream, const std::string& subjects,
                                          const EventStreamSettings& settings) {
  return SetUpStream(stream, subjects, settings, /*update_existing=*/true);
}

absl::Status NatsConnection::EnsureStreamExists(const std::string& stream,
                                                const std::string& subjects,
                                                const EventStreamSettings& settings) {
  return SetUpStream(stream, subjects, settings, /*update_existing=*/false);
}

absl::Status NatsConnection::SetUpStream(const std::string& stream, const std::string& subjects,
                                         const EventStreamSettings& settings,
                                         bool update_existing) {
  // Fail fast: a request while reconnecting would wait for its timeout.
  if (!IsConnected()) return absl::UnavailableError("NATS not connected: set up stream " + stream);
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subject_list[] = {subjects.c_str()};
  config.Name = stream.c_str();
  config.Subjects = subject_list;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;
  config.Duplicates = absl::ToInt64Nanoseconds(settings.duplicate_window);
  config.MaxAge = absl::ToInt64Nanoseconds(settings.outbox_retention);
  config.Replicas = settings.stream_replicas;

  // Add is idempotent for an identical config (N instances may race here);
  // an existing stream with another config answers "name already in use",
  // and is then updated to this one, or left as it is.
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&info, jetstream_, &config, nullptr, &js_error);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return absl::OkStatus();
  }
  if (js_error != JSStreamNameExistErr) {
    return StatusFromNats(s, "create stream " + stream, js_error);
  }
  if (!update_existing) return absl::OkStatus();
  js_error = static_cast<jsErrCode>(0);
  s = js_UpdateStream(&info, jetstream_, &config, nullptr, &js_error);
  if (s != NATS_OK) return StatusFromNats(s, "update stream " + stream, js_error);
  jsStreamInfo_Destroy(info);
  return absl::OkStatus();
}

}  // namespace qs::events
