// All SQL of `user_erasures`: the confirmations that a service has erased a
// user, keyed by the user's hash (user_hash.h), never his id. Every service
// database holds its own confirmation and those it consumed from the
// others. libpqxx exceptions propagate to Database::Read/Write. Stateless.
#ifndef QS_COMMON_PRIVACY_ERASURE_STORE_H_
#define QS_COMMON_PRIVACY_ERASURE_STORE_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/db/transaction.h"
#include "proto/ops/v1/privacy.pb.h"

namespace qs::privacy {

class ErasureStore {
 public:
  // Records `erasure` (service, erased_at, rows_erased) for the user whose
  // hash is `user_hash`. A (user, service) pair already recorded keeps the
  // later of the two erasures, so a confirmation that arrives late or twice
  // changes nothing.
  static void Record(db::WriteTx& tx, const std::string& user_hash,
                     const ::ops::v1::ServiceErasure& erasure);

  // The user's confirmations, by service name.
  static std::vector<::ops::v1::ServiceErasure> List(db::ReadTx& tx, const std::string& user_hash);

  // Whether any service has erased `user_id`: a consumer about to create
  // rows for a user (an inbox entry for an event published before his
  // erasure) can refuse to bring him back.
  static bool IsErased(db::WriteTx& tx, const std::string& user_id);

  // Which of `user_ids` any service has erased, in lower case: one round
  // trip for all the ids an event names.
  static std::set<std::string> ErasedAmong(db::WriteTx& tx,
                                           const std::vector<std::string>& user_ids);

  // The database clock (clock_timestamp()) in microseconds: the time an
  // erasure is recorded at.
  static int64_t NowMicros(db::WriteTx& tx);
};

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_ERASURE_STORE_H_
