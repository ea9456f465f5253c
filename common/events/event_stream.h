// A service's part of the event bus, run by common/service for every
// service: the outbox relay (relay.h), the consumers of the events it has
// handlers for (consumer.h), and what both report to ops.v1.Diagnostics.
//
//   EventStream stream("social", settings, database, db_config);
//   stream.handlers().On<...>(...);   // in add_services, before Start()
//   stream.Start();  ...  stream.Stop();
//
// With EVENTS_ENABLED=false nothing starts: events stay in the outbox.
#ifndef QS_COMMON_EVENTS_EVENT_STREAM_H_
#define QS_COMMON_EVENTS_EVENT_STREAM_H_

#include <memory>
#include <string>
#include <vector>

#include "common/config/db_config.h"
#include "common/db/database.h"
#include "common/events/event_handlers.h"
#include "common/events/event_stream_settings.h"
#include "common/ops/degradations.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::events {

class OutboxRelay;
class EventConsumers;

class EventStream {
 public:
  EventStream(std::string service, EventStreamSettings settings, db::Database& database,
              const config::DbConfig& db_config);
  ~EventStream();

  // Registration of the service's handlers; only before Start().
  EventHandlers& handlers() { return handlers_; }

  void Start();
  void Stop();

  // "relay" and "events:<source>" entries while they cannot do their work.
  std::vector<ops::Degradation> Degradations() const;

  ::ops::v1::EventStreamStatus Status() const;

  const EventStreamSettings& settings() const { return settings_; }

 private:
  const std::string service_;
  const EventStreamSettings settings_;
  db::Database& database_;
  const std::string listen_conninfo_;
  EventHandlers handlers_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<EventConsumers> consumers_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_EVENT_STREAM_H_
