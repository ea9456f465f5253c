// The notification service's handlers of other services' events: each
// turns an event into sends (event_rules.h: who, which category, what text)
// and sends them as the system through the one send path (send_path.h), in
// the consumer's transaction, which also records the event as processed
// (common/events/event_handlers.h): a redelivered or replayed event sends
// nothing twice. A rule's INVALID_ARGUMENT (a malformed event) parks the
// event; a database error is retried by redelivery.
//
//   .add_services = [&](qs::service::ServiceContext& context) {
//     sender = std::make_unique<NotificationSender>(settings);
//     RegisterEventNoticeHandlers(context.events(), *sender, event_settings);
//   }
#ifndef QS_NOTIFICATION_EVENT_NOTICE_HANDLERS_H_
#define QS_NOTIFICATION_EVENT_NOTICE_HANDLERS_H_

#include "common/events/event_handlers.h"
#include "notification/event_settings.h"
#include "notification/send_path.h"

namespace qs::notification {

// Registers the handlers of social's FriendRequestSent, FriendRequestAccepted,
// ChatMessageSent (push only), GuildJoinRequested and GuildMemberJoined, and
// of quest's MatchFinished and PuzzleSolved. `sender` must outlive the
// consumers (RunService stops them before add_services' objects go).
void RegisterEventNoticeHandlers(events::EventHandlers& handlers, NotificationSender& sender,
                                 const EventNoticeSettings& settings);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_EVENT_NOTICE_HANDLERS_H_
