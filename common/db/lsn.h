// PostgreSQL's text form of a WAL position (pg_lsn): two hexadecimal numbers
// of at most 8 digits, the high and low 32 bits, separated by a slash, as
// pg_current_wal_insert_lsn() and pg_last_wal_replay_lsn() print them
// ("16/B374D848"). The services send it as the `x-db-lsn` trailer and read
// it back from `x-min-lsn` request metadata, so a caller can treat it as an
// opaque token.
//
//   absl::StatusOr<uint64_t> lsn = db::ParseLsn("16/B374D848");  // 0x16B374D848
//   std::string text = db::FormatLsn(*lsn);                      // "16/B374D848"
//
// Positions compare as numbers: a replica whose replay LSN is >= a commit's
// LSN has replayed that commit.
#ifndef QS_COMMON_DB_LSN_H_
#define QS_COMMON_DB_LSN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::db {

// Strict: exactly `hex/hex`, 1..8 hex digits each (either case), nothing
// around it. Anything else is INVALID_ARGUMENT whose message starts with
// "x-min-lsn:" (the only place input of this form comes from).
absl::StatusOr<uint64_t> ParseLsn(absl::string_view text);

// Upper-case hex without leading zeros, as PostgreSQL prints it ("0/0" for 0).
std::string FormatLsn(uint64_t lsn);

}  // namespace qs::db

#endif  // QS_COMMON_DB_LSN_H_
