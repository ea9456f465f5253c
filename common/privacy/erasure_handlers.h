// Makes a service follow the others' erasures: for every other service in
// ServicesHoldingUserData, its UserErased (erase here, confirm) and its
// UserErasureConfirmed (record), run by the consumers inside their
// processed_events transaction (common/events/event_handlers.h), so each
// is applied once however often it is delivered.
//
//   RegisterErasureHandlers(context.events(), erasure);  // in add_services
#ifndef QS_COMMON_PRIVACY_ERASURE_HANDLERS_H_
#define QS_COMMON_PRIVACY_ERASURE_HANDLERS_H_

#include "common/events/event_handlers.h"
#include "common/privacy/user_erasure.h"

namespace qs::privacy {

// `erasure` is copied into the handlers.
void RegisterErasureHandlers(events::EventHandlers& handlers, const UserErasure& erasure);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_ERASURE_HANDLERS_H_
