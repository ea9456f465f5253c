// What every store writes when it maps rows to protos and back: timestamps
// as microseconds, PostgreSQL array literals, and the SQL that goes with
// them. Pure functions, no connection.
//
//   const std::string kColumns = absl::StrCat(
//       "id::text, ", db::MicrosSql("created_at"), ", ", db::MicrosOrZeroSql("finished_at"));
//   db::SetTimestamp(row[1].as<int64_t>(), match.mutable_created_at());
//   db::SetTimestampIfSet(row[2].as<int64_t>(), match, &Match::mutable_finished_at);  // 0 = NULL
//   ... WHERE (created_at, id) < (db::TimestampSql("$2"), $3::uuid) ...
//   tx.Query("... = ANY($1::uuid[])", db::ArrayLiteral(ids));
//   for (std::string& id : db::ParseArrayLiteral(row[3].c_str())) ...
//
// Microseconds are PostgreSQL's own resolution, so a timestamp survives the
// round trip exactly (keyset positions depend on it).
#ifndef QS_COMMON_DB_ROW_MAPPING_H_
#define QS_COMMON_DB_ROW_MAPPING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace qs::db {

// `column` (a timestamptz expression) as bigint microseconds since the epoch;
// NULL stays NULL.
std::string MicrosSql(absl::string_view column);
// The same with NULL read as 0 (pair with SetTimestampIfSet).
std::string MicrosOrZeroSql(absl::string_view column);
// Whole milliseconds from `column` to now by the database clock
// (clock_timestamp(), not the transaction's start).
std::string MillisSinceSql(absl::string_view column);
// The timestamptz of a bigint-microseconds parameter, e.g. TimestampSql("$7").
std::string TimestampSql(absl::string_view parameter);

void SetTimestamp(int64_t micros, google::protobuf::Timestamp* timestamp);
// Sets the Timestamp field of `message` that `mutable_field` names, unless
// `micros` is 0 (a NULL column): then the field stays absent. It takes the
// accessor, not a Timestamp*, because calling mutable_x() alone would
// already make the field present (1970-01-01 for callers).
template <typename Message>
void SetTimestampIfSet(int64_t micros, Message& message,
                       google::protobuf::Timestamp* (Message::*mutable_field)()) {
  if (micros != 0) SetTimestamp(micros, (message.*mutable_field)());
}
int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp);

// "{a,b,c}" for a text[] / uuid[] parameter. Only for elements that need no
// quoting (UUIDs, validated codes such as puzzle themes [a-z0-9-]); anything
// else must be validated first.
template <typename Range>
std::string ArrayLiteral(const Range& elements) {
  return absl::StrCat("{", absl::StrJoin(elements, ","), "}");
}

// A boolean[] literal ("{t,f}"), for one parameter per column of a batch.
inline std::string BoolArrayLiteral(const std::vector<bool>& values) {
  std::vector<absl::string_view> codes;
  codes.reserve(values.size());
  for (bool value : values) codes.push_back(value ? "t" : "f");
  return ArrayLiteral(codes);
}

// The elements of a one-dimensional array as PostgreSQL prints it ("{a,b}"),
// under the same rule: elements that were never quoted.
std::vector<std::string> ParseArrayLiteral(absl::string_view literal);

}  // namespace qs::db

#endif  // QS_COMMON_DB_ROW_MAPPING_H_
