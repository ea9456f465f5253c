// The SQL and parameters of a keyset-paginated listing's position: "after
// the last row of the previous page", true on the first page. Every listing
// passes the position as two parameters — the last row's id as text ("" on
// the first page) and its key — and compares (key column, id column) with
// them:
//
//   tx.Query(absl::StrCat("SELECT ... FROM guild_audit_log WHERE guild_id = $1 AND ",
//                         db::KeysetBeforeSql("created_at", "id"),
//                         " ORDER BY created_at DESC, id DESC LIMIT $4"),
//            guild_id, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit);
//
// KeysetBeforeSql("created_at", "id") is
//   ($2 = '' OR (created_at, id) < (<timestamptz of $3>, nullif($2, '')::uuid))
// nullif keeps '' from ever reaching the uuid cast; the `$2 = ''` arm lets a
// plan made for the call's values (Planning::kPerCall) drop the comparison
// on the first page.
#ifndef QS_COMMON_DB_KEYSET_SQL_H_
#define QS_COMMON_DB_KEYSET_SQL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/api/keyset_position.h"

namespace qs::db {

// `(id_param = '' OR (key_column, id_column) <comparison> (key_value,
// nullif(id_param, '')::uuid))`: the general form, for a key that is not a
// timestamp (key_value e.g. "$3::text COLLATE \"C\"").
std::string KeysetSql(absl::string_view key_column, absl::string_view id_column,
                      absl::string_view comparison, absl::string_view key_value,
                      absl::string_view id_param);

// Newest first (ORDER BY key DESC, id DESC): rows before the position, whose
// key is a timestamptz column and `key_param` its bigint microseconds.
std::string KeysetBeforeSql(absl::string_view key_column, absl::string_view id_column,
                            absl::string_view id_param = "$2", absl::string_view key_param = "$3");
// Oldest first (ORDER BY key, id): rows after the position.
std::string KeysetAfterSql(absl::string_view key_column, absl::string_view id_column,
                           absl::string_view id_param = "$2", absl::string_view key_param = "$3");

// The position's parameters: its id ("" on the first page), its key and its
// text (0 and "" on the first page).
std::string KeysetIdParam(const std::optional<api::KeysetPosition>& after);
int64_t KeysetKeyParam(const std::optional<api::KeysetPosition>& after);
std::string KeysetTextParam(const std::optional<api::KeysetPosition>& after);

}  // namespace qs::db

#endif  // QS_COMMON_DB_KEYSET_SQL_H_
