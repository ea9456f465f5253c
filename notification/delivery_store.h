// All SQL of the push delivery worker (delivery_worker.h) over `deliveries`,
// with the push_tokens and notification_logs rows a send needs. The state
// machine is documented above the table in the migration
// (migrations/notification/20261201130000_create_notification_tables.up.sql).
//
//   DeliveryStore store;
//   ClaimedBatch batch = store.Claim(tx, 100, absl::Seconds(60), RetryPolicySettings{});
//   ... send batch.to_send[i].message ...
//   bool recorded = store.MarkSent(tx, batch.to_send[i].lease, "projects/p/messages/0:1",
//                                  "200", std::nullopt);
//
// A claim is a lease: the row is `sending` until lease_expires_at, after
// which any worker may claim it again (the first one died or hung). Every
// outcome is recorded only while the row still carries the caller's lease
// (its id and exact lease_expires_at); a worker whose lease was taken over
// records nothing and gets false back. Stateless and thread-safe; each call
// runs in the caller's transaction.
#ifndef QS_NOTIFICATION_DELIVERY_STORE_H_
#define QS_NOTIFICATION_DELIVERY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/transaction.h"
#include "notification/delivery/push_provider.h"
#include "notification/delivery/retry_policy.h"

namespace qs::notification {

// The claim of one delivery: its id and the exact lease written by the claim.
struct DeliveryLease {
  std::string delivery_id;
  // lease_expires_at in microseconds (PostgreSQL's resolution, so equality
  // in SQL is exact).
  int64_t lease_expires_micros = 0;
};

// A delivery claimed for sending.
struct ClaimedDelivery {
  DeliveryLease lease;
  std::string push_token_id;
  // message_id is the delivery id (apns-id / FCM data.delivery_id).
  delivery::PushMessage message;
  // Sends made before this claim, a send lost with an expired lease
  // included (its outcome is unknown, so it counts).
  int attempts = 0;
  // When the first claim happened: the age the retry give-up bound measures.
  absl::Time first_attempt_at;
};

// What one Claim did.
struct ClaimedBatch {
  // The rows now `sending` under this caller's lease.
  std::vector<ClaimedDelivery> to_send;
  // Rows the claim took in all, those finished without sending included: a
  // batch of `limit` rows means more may be due.
  int rows = 0;
};

class DeliveryStore {
 public:
  // Claims up to `limit` deliveries in one statement: due `queued` rows and
  // `sending` rows whose lease expired, skipping rows other workers hold
  // (FOR UPDATE SKIP LOCKED). Claimed rows whose notification expired become
  // `expired`, rows whose token was invalidated, deleted or now belongs to
  // another user `invalid_token`,
  // rows of a platform without a provider (web_push) `failed`, all without
  // sending; only the rest (state `sending`, lease now + `lease`) are
  // returned to send. Reclaiming a row whose lease expired counts the lost
  // send as an attempt; once that reaches `retry`'s bound (max_attempts, or
  // max_elapsed since first_attempt_at) the row becomes `failed` ("gave up
  // after N attempts: lease expired ...") instead of being sent again.
  ClaimedBatch Claim(db::WriteTx& tx, int limit, absl::Duration lease,
                     const delivery::RetryPolicySettings& retry) const;

  // The provider accepted the push: `sent` with its message id. When the
  // provider found the token's APNs environment wrong, the token's sandbox
  // flag is corrected in the same transaction.
  bool MarkSent(db::WriteTx& tx, const DeliveryLease& lease, const std::string& provider_message_id,
                const std::string& provider_response,
                std::optional<bool> corrected_apns_sandbox) const;

  // Back to `queued`, due again at `next_attempt_at`. `counts_as_attempt`:
  // a send was made (attempts + 1); false when the worker gave the row back
  // unsent (provider paused or backing off).
  bool Requeue(db::WriteTx& tx, const DeliveryLease& lease, absl::Time next_attempt_at,
               bool counts_as_attempt, const std::string& last_error,
               const std::string& provider_response) const;

  // `failed` (dead letter) with `reason`; the token is kept.
  // `counts_as_attempt`: the answer was about this delivery (attempts + 1);
  // false when a provider-wide problem outlasted the retry age bound.
  bool Fail(db::WriteTx& tx, const DeliveryLease& lease, const std::string& reason,
            const std::string& provider_response, bool counts_as_attempt) const;

  // The token is gone: the delivery → invalid_token, the push_tokens row
  // invalidated (invalidated_at, invalid_reason), and the token's other
  // queued deliveries → invalid_token. Nothing at all when the lease was
  // lost (the worker holding it records its own verdict).
  bool InvalidateToken(db::WriteTx& tx, const DeliveryLease& lease,
                       const std::string& push_token_id, const std::string& reason,
                       const std::string& provider_response) const;

  // The token belongs to another sender (FCM SENDER_ID_MISMATCH, APNs
  // DeviceTokenNotForTopic). This service sends with one FCM project and one
  // APNs topic, so "stop using the token with this sender" means never using
  // it again: the delivery → `failed` (it was not proven undeliverable), the
  // token invalidated with reason "sender mismatch: <reason>", its other
  // queued deliveries → invalid_token. The app registers a new token once
  // it runs with the right sender.
  bool StopTokenForSender(db::WriteTx& tx, const DeliveryLease& lease,
                          const std::string& push_token_id, const std::string& reason,
                          const std::string& provider_response) const;

 private:
  // Finishes the delivery as `state`, marks the token and finishes its
  // other queued deliveries as invalid_token.
  bool RetireToken(db::WriteTx& tx, const DeliveryLease& lease, const std::string& push_token_id,
                   const std::string& delivery_state, const std::string& delivery_error,
                   const std::string& token_reason, const std::string& provider_response) const;
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_DELIVERY_STORE_H_
