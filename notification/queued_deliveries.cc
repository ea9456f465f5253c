#include "notification/queued_deliveries.h"

#include "common/db/row_mapping.h"

namespace qs::notification {

void FinishQueuedAsInvalidToken(db::WriteTx& tx, const std::vector<std::string>& push_token_ids,
                                const std::string& reason, const std::string& other_than_user) {
  // nullif: '' never reaches the uuid cast.
  tx.Query(
      "UPDATE deliveries SET state = 'invalid_token', last_error = $2, "
      "finished_at = clock_timestamp(), updated_at = clock_timestamp() "
      "WHERE push_token_id = ANY($1::uuid[]) AND state = 'queued' "
      "AND ($3 = '' OR user_id <> nullif($3, '')::uuid)",
      db::ArrayLiteral(push_token_ids), reason, other_than_user);
}

}  // namespace qs::notification
