// Renders a parameterised statement ($1..$n) as plain SQL text with its
// values inlined as literals, for the few places where a statement must
// travel in one simple query with others (WriteTx's lazy BEGIN and deferred
// statements: transaction.h). The values must already be quoted literals
// (pqxx's quote(), quote_raw(), or NULL).
//
//   BindLiterals("SELECT $1 || '$2'", {"'a'", "'b'"})  ->  "SELECT 'a' || '$2'"
//
// Only placeholders in SQL itself are replaced: never inside '...' or E'...'
// strings, "..." identifiers, $tag$...$tag$ bodies, -- or /* */ comments.
#ifndef QS_COMMON_DB_STATEMENT_TEXT_H_
#define QS_COMMON_DB_STATEMENT_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace qs::db {

// Throws std::invalid_argument when a placeholder has no value ($0, or
// past the end of `literals`): a programming error, never input's.
std::string BindLiterals(std::string_view sql, const std::vector<std::string>& literals);

}  // namespace qs::db

#endif  // QS_COMMON_DB_STATEMENT_TEXT_H_
