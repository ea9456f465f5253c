#include "common/db/keyset_sql.h"

#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"

namespace qs::db {

std::string KeysetSql(absl::string_view key_column, absl::string_view id_column,
                      absl::string_view comparison, absl::string_view key_value,
                      absl::string_view id_param) {
  return absl::StrCat("(", id_param, " = '' OR (", key_column, ", ", id_column, ") ", comparison,
                      " (", key_value, ", nullif(", id_param, ", '')::uuid))");
}

std::string KeysetBeforeSql(absl::string_view key_column, absl::string_view id_column,
                            absl::string_view id_param, absl::string_view key_param) {
  return KeysetSql(key_column, id_column, "<", TimestampSql(key_param), id_param);
}

std::string KeysetAfterSql(absl::string_view key_column, absl::string_view id_column,
                           absl::string_view id_param, absl::string_view key_param) {
  return KeysetSql(key_column, id_column, ">", TimestampSql(key_param), id_param);
}

std::string KeysetIdParam(const std::optional<api::KeysetPosition>& after) {
  return after ? after->id : std::string();
}

int64_t KeysetKeyParam(const std::optional<api::KeysetPosition>& after) {
  return after ? after->key : int64_t{0};
}

std::string KeysetTextParam(const std::optional<api::KeysetPosition>& after) {
  return after ? after->text : std::string();
}

}  // namespace qs::db
