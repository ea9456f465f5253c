#include "common/events/event_stream_settings.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/status_macros.h"

namespace qs::events {
namespace {

bool IsValidNamespace(absl::string_view name_space) {
  if (name_space.size() > 32) return false;
  for (char c : name_space) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<EventStreamSettings> LoadEventStreamSettings(const config::EnvLookup& env) {
  EventStreamSettings settings;
  settings.nats_url = config::ReadString(env, "NATS_URL", settings.nats_url);
  for (absl::string_view url : absl::StrSplit(settings.nats_url, ',')) {
    url = absl::StripAsciiWhitespace(url);  // as NatsConnection::Connect reads the list
    if (!absl::StartsWith(url, "nats://") && !absl::StartsWith(url, "tls://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "NATS_URL: expected nats://host:port (comma-separated for several), got \"", url, "\""));
    }
  }
  QS_ASSIGN_OR_RETURN(settings.enabled, config::ReadBool(env, "EVENTS_ENABLED", true));
  settings.name_space = config::ReadString(env, "EVENTS_NAMESPACE", "");
  if (!IsValidNamespace(settings.name_space)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EVENTS_NAMESPACE: expected 0..32 of [a-z0-9_], got \"", settings.name_space, "\""));
  }
  QS_ASSIGN_OR_RETURN(int64_t batch,
                      config::ReadInt(env, "EVENTS_RELAY_BATCH_SIZE", 256, 1, 10'000));
  settings.relay_batch_size = static_cast<int>(batch);
  QS_ASSIGN_OR_RETURN(settings.relay_poll_interval,
                      config::ReadMillis(env, "EVENTS_RELAY_POLL_MS", 1000, 10, 3'600'000));
  QS_ASSIGN_OR_RETURN(settings.relay_retry_max,
                      config::ReadMillis(env, "EVENTS_RELAY_RETRY_MAX_MS", 30'000, 10, 600'000));
  QS_ASSIGN_OR_RETURN(settings.publish_timeout,
                      config::ReadMillis(env, "EVENTS_PUBLISH_TIMEOUT_MS", 5000, 100, 60'000));
  QS_ASSIGN_OR_RETURN(
      settings.duplicate_window,
      config::ReadMillis(env, "EVENTS_DUPLICATE_WINDOW_MS", 120'000, 1000, 86'400'000));
  if (settings.duplicate_window <= settings.relay_retry_max + settings.publish_timeout) {
    return absl::InvalidArgumentError(
        absl::StrCat("EVENTS_DUPLICATE_WINDOW_MS: must exceed EVENTS_RELAY_RETRY_MAX_MS + "
                     "EVENTS_PUBLISH_TIMEOUT_MS (",
                     absl::ToInt64Milliseconds(settings.relay_retry_max + settings.publish_timeout),
                     " ms), or a late re-publish is not de-duplicated by the stream"));
  }
  QS_ASSIGN_OR_RETURN(double retention_hours,
                      config::ReadDecimal(env, "EVENTS_OUTBOX_RETENTION_HOURS", 168, 0.001, 8760));
  settings.outbox_retention = absl::Seconds(retention_hours * 3600);
  QS_ASSIGN_OR_RETURN(double processed_days,
                      config::ReadDecimal(env, "EVENTS_PROCESSED_RETENTION_DAYS", 30, 0.001, 3650));
  settings.processed_retention = absl::Seconds(processed_days * 86400);
  if (settings.processed_retention <= settings.outbox_retention) {
    return absl::InvalidArgumentError(
        "EVENTS_PROCESSED_RETENTION_DAYS: must exceed EVENTS_OUTBOX_RETENTION_HOURS (a replay "
        "of an event whose record was pruned would apply it again)");
  }
  QS_ASSIGN_OR_RETURN(int64_t max_deliver, config::ReadInt(env, "EVENTS_MAX_DELIVER", 5, 1, 100));
  settings.max_deliver = static_cast<int>(max_deliver);
  QS_ASSIGN_OR_RETURN(settings.ack_wait,
                      config::ReadMillis(env, "EVENTS_ACK_WAIT_MS", 30'000, 100, 3'600'000));
  QS_ASSIGN_OR_RETURN(int64_t replicas, config::ReadInt(env, "EVENTS_STREAM_REPLICAS", 1, 1, 5));
  settings.stream_replicas = static_cast<int>(replicas);
  QS_ASSIGN_OR_RETURN(int64_t consumer_batch,
                      config::ReadInt(env, "EVENTS_CONSUMER_BATCH", 100, 1, 10'000));
  settings.consumer_batch = static_cast<int>(consumer_batch);
  return settings;
}

std::string EventStreamNames::Stream(absl::string_view source_service) const {
  std::string stream = absl::AsciiStrToUpper(source_service);
  if (name_space_.empty()) return stream;
  return absl::StrCat(absl::AsciiStrToUpper(name_space_), "_", stream);
}

std::string EventStreamNames::StreamSubjects(absl::string_view source_service) const {
  if (name_space_.empty()) return absl::StrCat(source_service, ".>");
  return absl::StrCat(name_space_, ".", source_service, ".>");
}

std::string EventStreamNames::Subject(absl::string_view source_service,
                                      absl::string_view event_type) const {
  absl::string_view name = event_type;
  if (size_t dot = name.rfind('.'); dot != absl::string_view::npos) name.remove_prefix(dot + 1);
  if (name_space_.empty()) return absl::StrCat(source_service, ".", name);
  return absl::StrCat(name_space_, ".", source_service, ".", name);
}

std::string EventStreamNames::Durable(absl::string_view consuming_service) const {
  if (name_space_.empty()) return std::string(consuming_service);
  return absl::StrCat(name_space_, "_", consuming_service);
}

}  // namespace qs::events
