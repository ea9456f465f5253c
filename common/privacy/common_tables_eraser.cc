#include "common/privacy/common_tables_eraser.h"

namespace qs::privacy {

int64_t EraseFromCommonTables(db::WriteTx& tx, const std::string& user_id) {
  int64_t rows = 0;
  // $1 is lower case; envelopes written by our services hold ids in lower
  // case, but a client-supplied id may have kept its case: both are matched.
  rows += tx.Query(
                "DELETE FROM outbox_events WHERE type <> 'ops.v1.UserErased' "
                "AND (aggregate_id = $1::uuid "
                "OR position(convert_to($1::text, 'UTF8') IN envelope) > 0 "
                "OR position(convert_to(upper($1::text), 'UTF8') IN envelope) > 0)",
                user_id)
              .affected_rows();
  rows += tx.Query(
                "DELETE FROM idempotency_keys WHERE position($1::text IN lower(scope)) > 0 "
                "OR position($1::text IN lower(request_id)) > 0 "
                "OR position(convert_to($1::text, 'UTF8') IN coalesce(response, ''::bytea)) > 0 "
                "OR position(convert_to(upper($1::text), 'UTF8') IN coalesce(response, ''::bytea)) "
                "> 0",
                user_id)
              .affected_rows();
  rows += tx.Query(
                "DELETE FROM dead_letter_events WHERE type IS DISTINCT FROM 'ops.v1.UserErased' "
                "AND (position(convert_to($1::text, 'UTF8') IN envelope) > 0 "
                "OR position(convert_to(upper($1::text), 'UTF8') IN envelope) > 0 "
                "OR position($1::text IN lower(reason || coalesce(last_retry_error, ''))) > 0)",
                user_id)
              .affected_rows();
  return rows;
}

}  // namespace qs::privacy
