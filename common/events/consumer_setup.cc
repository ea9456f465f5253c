#include "common/events/consumer_setup.h"

#include <algorithm>

#include "absl/time/time.h"

namespace qs::events {
namespace {

constexpr jsErrCode kNoError = static_cast<jsErrCode>(0);

void InitConfig(const DurableConsumer& consumer, const EventStreamSettings& settings,
                jsConsumerConfig& config) {
  jsConsumerConfig_Init(&config);
  config.Durable = consumer.durable.c_str();
  config.FilterSubject = consumer.subjects.c_str();
  config.DeliverPolicy = js_DeliverAll;
  config.AckPolicy = js_AckExplicit;
  config.AckWait = absl::ToInt64Nanoseconds(settings.ack_wait);
  config.MaxDeliver = -1;
  // Nakked messages waiting for their redelivery count as pending too: room
  // for them and two fetched batches, at least the server's default 1000.
  config.MaxAckPending = std::max<int64_t>(1000, 2 * static_cast<int64_t>(settings.consumer_batch));
}

}  // namespace

bool IsMissingStreamOrConsumer(jsErrCode error) {
  return error == JSStreamNotFoundErr || error == JSConsumerNotFoundErr;
}

absl::Status EnsureDurableConsumer(NatsConnection& nats, const DurableConsumer& consumer,
                                   const EventStreamSettings& settings) {
  absl::Status stream = nats.EnsureStreamExists(consumer.stream, consumer.subjects, settings);
  if (!stream.ok()) return stream;
  jsConsumerConfig config;
  InitConfig(consumer, settings, config);
  // Adding a durable with an identical config returns the existing one;
  // one with another config is refused, and then updated.
  jsConsumerInfo* info = nullptr;
  jsErrCode error = kNoError;
  natsStatus s =
      js_AddConsumer(&info, nats.jetstream(), consumer.stream.c_str(), &config, nullptr, &error);
  if (s == NATS_OK) {
    jsConsumerInfo_Destroy(info);
    return absl::OkStatus();
  }
  if (error != JSConsumerNameExistErr && error != JSConsumerExistingActiveErr) {
    return StatusFromNats(s, "create consumer " + consumer.durable + " on " + consumer.stream,
                          error);
  }
  error = kNoError;
  s = js_UpdateConsumer(&info, nats.jetstream(), consumer.stream.c_str(), &config, nullptr, &error);
  if (s != NATS_OK) {
    return StatusFromNats(s, "update consumer " + consumer.durable + " on " + consumer.stream,
                          error);
  }
  jsConsumerInfo_Destroy(info);
  return absl::OkStatus();
}

absl::StatusOr<ConsumerCounts> SampleConsumer(NatsConnection& nats, const DurableConsumer& consumer,
                                              absl::Duration timeout) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = absl::ToInt64Milliseconds(timeout);
  jsConsumerInfo* info = nullptr;
  jsErrCode error = kNoError;
  natsStatus s = js_GetConsumerInfo(&info, nats.jetstream(), consumer.stream.c_str(),
                                    consumer.durable.c_str(), &options, &error);
  if (s != NATS_OK) {
    const std::string what = "consumer info of " + consumer.durable + " on " + consumer.stream;
    if (s == NATS_NOT_FOUND || IsMissingStreamOrConsumer(error)) {
      return absl::NotFoundError(what + ": the stream or the consumer is gone");
    }
    return StatusFromNats(s, what, error);
  }
  ConsumerCounts counts;
  counts.pending = static_cast<int64_t>(info->NumPending);
  counts.ack_pending = info->NumAckPending;
  jsConsumerInfo_Destroy(info);
  return counts;
}

}  // namespace qs::events
