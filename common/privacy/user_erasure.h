// What erasing a user means for one service, in the transactions that do
// it. Three ways in, all inside one db::WriteTx:
//
//   UserErasure erasure("social", social::EraseUser);
//   erasure.EraseAndAnnounce(tx, user_id);           // ops.v1.Privacy/EraseUser
//   erasure.OnUserErased(tx, envelope, erased);      // another service's UserErased
//   erasure.OnErasureConfirmed(tx, envelope, done);  // another's confirmation
//
// Each erasure of the user here deletes or anonymises the service's own
// rows (its EraseUserFn), then his rows in the common tables
// (common_tables_eraser.h), and records this service's confirmation
// (erasure_store.h); so the rows, the record and the event that tells the
// others commit together or not at all. Copyable and immutable: event
// handlers hold copies.
#ifndef QS_COMMON_PRIVACY_USER_ERASURE_H_
#define QS_COMMON_PRIVACY_USER_ERASURE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/db/transaction.h"
#include "proto/events/v1/events.pb.h"
#include "proto/ops/v1/privacy.pb.h"

namespace qs::privacy {

// A service's own eraser (quest/user_eraser.h, ...): deletes or anonymises
// the rows of `user_id` (a lower-case UUID) in the service's tables, inside
// `tx`, and returns how many rows it deleted or changed. Must be idempotent
// (a second run finds nothing and returns 0).
using EraseUserFn =
    std::function<absl::StatusOr<int64_t>(db::WriteTx& tx, const std::string& user_id)>;

// The services that hold user data, by name: GetErasureStatus is complete
// when each has confirmed, and each follows the others' erasure events.
const std::vector<std::string>& ServicesHoldingUserData();

class UserErasure {
 public:
  UserErasure(std::string service, EraseUserFn erase_service_rows);

  // EraseUser's transaction: erases here and appends UserErased (with this
  // service's confirmation) to the outbox. Returns the confirmation.
  absl::StatusOr<::ops::v1::ServiceErasure> EraseAndAnnounce(db::WriteTx& tx,
                                                             const std::string& user_id) const;

  // The handler of another service's UserErased: records that service's
  // confirmation, erases here and appends UserErasureConfirmed.
  // INVALID_ARGUMENT (the event is parked) when its user_id is not a UUID.
  absl::Status OnUserErased(db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                            const ::ops::v1::UserErased& erased) const;

  // The handler of another service's UserErasureConfirmed: records it.
  // INVALID_ARGUMENT when user_hash is not 32 bytes.
  absl::Status OnErasureConfirmed(db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                                  const ::ops::v1::UserErasureConfirmed& confirmed) const;

  const std::string& service() const { return service_; }

 private:
  // Erases here and records this service's confirmation.
  absl::StatusOr<::ops::v1::ServiceErasure> EraseHere(db::WriteTx& tx,
                                                      const std::string& user_id) const;

  std::string service_;
  EraseUserFn erase_service_rows_;
};

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_USER_ERASURE_H_
