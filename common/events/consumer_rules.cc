#include "common/events/consumer_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"

namespace qs::events {

absl::StatusOr<::events::v1::EventEnvelope> DecodeEnvelope(absl::string_view data,
                                                           absl::string_view source) {
  ::events::v1::EventEnvelope envelope;
  if (!envelope.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return absl::InvalidArgumentError("envelope: not a valid events.v1.EventEnvelope");
  }
  if (!api::IsUuid(envelope.id())) {
    return absl::InvalidArgumentError("envelope.id: must be a UUID");
  }
  if (envelope.type().empty()) return absl::InvalidArgumentError("envelope.type: is empty");
  if (envelope.source() != source) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope.source: \"", envelope.source(), "\" on the stream of ", source));
  }
  return envelope;
}

FailureAction OnApplyFailure(absl::StatusCode code, bool handler_failed, int64_t deliveries,
                             int max_deliver) {
  if (!handler_failed) return FailureAction::kRedeliver;
  if (code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kFailedPrecondition) {
    return FailureAction::kPark;
  }
  return deliveries >= max_deliver ? FailureAction::kPark : FailureAction::kRedeliver;
}

absl::Duration RedeliveryDelay(int64_t deliveries, absl::Duration ack_wait) {
  const absl::Duration schedule = deliveries <= 1   ? absl::Seconds(1)
                                  : deliveries == 2 ? absl::Seconds(5)
                                                    : absl::Seconds(30);
  return std::min(schedule, ack_wait);
}

}  // namespace qs::events
