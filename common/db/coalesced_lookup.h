// A point lookup by key that many concurrent callers can share: the keys
// waiting at one moment go out as one "... WHERE key = ANY($1)" statement
// (AsyncReadPool::Lookup), and each caller is handed its own row.
//
//   // Prepared on every connection (the Database's PreparedStatement list):
//   //   {"puzzle_by_ids", "SELECT id, title, ... FROM puzzles WHERE id = ANY($1::uuid[])"}
//   const CoalescedLookup kPuzzleById{"puzzle_by_ids", "id", LookupKeyForm::kUuid};
//
// This file is the pure part, without I/O: the canonical form of keys, the
// array parameter of a batch, and the matching of result rows to keys.
//
// Only declare a lookup where batching cannot change an answer: a
// single-table read by a unique key (primary key) whose statement returns at
// most one row per key and takes no other parameter.
#ifndef QS_COMMON_DB_COALESCED_LOOKUP_H_
#define QS_COMMON_DB_COALESCED_LOOKUP_H_

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/result"

namespace qs::db {

// How keys are compared and checked. A row's key is read back as PostgreSQL
// prints it; a caller's key is brought to the same form first. A key that
// the column's type would refuse is refused here (INVALID_ARGUMENT), before
// it could fail the whole batch, everyone else's keys with it.
enum class LookupKeyForm {
  // uuid: the caller passes 36 characters, 8-4-4-4-12 hex digits, any case;
  // it is matched lowercase (PostgreSQL's output form). Anything else is
  // refused with INVALID_ARGUMENT before it can fail the whole batch.
  kUuid,
  // A text key: matched byte for byte. It must be valid UTF-8 without NUL
  // bytes (PostgreSQL text holds neither). Only for text columns: any other
  // type (bigint, date, ...) could refuse a key and fail the batch.
  kExact,
  // A bigint (or int/smallint) key: an optional '-' and decimal digits
  // within int64, matched in PostgreSQL's output form ("042" as "42"). A
  // narrower column still refuses a key past its range: declare int
  // columns' lookups only with keys checked by the caller, or use bigint.
  kInt64,
};

struct CoalescedLookup {
  // A prepared statement taking one array parameter ($1) of keys.
  std::string statement;
  // The result column holding each row's key.
  std::string key_column;
  LookupKeyForm key_form = LookupKeyForm::kUuid;
};

// `key` in the form rows are matched by, or INVALID_ARGUMENT naming `key`.
absl::StatusOr<std::string> CanonicalLookupKey(LookupKeyForm form, absl::string_view key);

// The array literal {"k1","k2",...} binding `keys` to $1 (each quoted and
// escaped, so any text is safe).
std::string ArrayLiteral(const std::vector<std::string>& keys);

// The rows of a batch's result by their key column; INTERNAL when the column
// is missing or a key appears twice (the statement broke the contract above).
absl::StatusOr<std::unordered_map<std::string, pqxx::row>> RowsByKey(const pqxx::result& rows,
                                                                     const std::string& key_column);

}  // namespace qs::db

#endif  // QS_COMMON_DB_COALESCED_LOOKUP_H_
