#include "common/db/row_mapping.h"

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace qs::db {

std::string MicrosSql(absl::string_view column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

std::string MicrosOrZeroSql(absl::string_view column) {
  return absl::StrCat("coalesce(", MicrosSql(column), ", 0)");
}

std::string MillisSinceSql(absl::string_view column) {
  return absl::StrCat("(extract(epoch FROM clock_timestamp() - (", column, ")) * 1000)::bigint");
}

std::string TimestampSql(absl::string_view parameter) {
  return absl::StrCat("('epoch'::timestamptz + (", parameter, ") * interval '1 microsecond')");
}

void SetTimestamp(int64_t micros, google::protobuf::Timestamp* timestamp) {
  // Floor division: a time before 1970 keeps nanos in [0, 1e9).
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    seconds -= 1;
    rest += 1000000;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(rest * 1000));
}

int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

std::vector<std::string> ParseArrayLiteral(absl::string_view literal) {
  absl::ConsumePrefix(&literal, "{");
  absl::ConsumeSuffix(&literal, "}");
  return absl::StrSplit(literal, ',', absl::SkipEmpty());
}

}  // namespace qs::db
