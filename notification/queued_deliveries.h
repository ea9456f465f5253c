// The one statement that finishes a token's QUEUED deliveries as
// invalid_token: used when the API unregisters, prunes or moves a token
// (token_store) and when the worker learns it is dead (delivery_store). A
// SENDING delivery is left alone: the worker holding it records its own
// outcome, and the claim finishes it if its token is gone or moved.
#ifndef QS_NOTIFICATION_QUEUED_DELIVERIES_H_
#define QS_NOTIFICATION_QUEUED_DELIVERIES_H_

#include <string>
#include <vector>

#include "common/db/transaction.h"

namespace qs::notification {

// The QUEUED deliveries of the push_tokens rows `push_token_ids` →
// invalid_token with last_error `reason`. `other_than_user` non-empty: only
// the deliveries of other users (the token moved to that user).
void FinishQueuedAsInvalidToken(db::WriteTx& tx, const std::vector<std::string>& push_token_ids,
                                const std::string& reason, const std::string& other_than_user = "");

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_QUEUED_DELIVERIES_H_
