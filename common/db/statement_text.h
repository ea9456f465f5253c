// Renders a parameterised statement ($1..$n) as plain SQL text with its
// values inlined as literals, for the few places where a statement must
// travel in one simple query with others (WriteTx's lazy BEGIN and deferred
// statements: transaction.h). The values must already be quoted literals
// (pqxx's quote(), quote_raw(), or NULL).
//
//   BindLiterals("SELECT $1 || '$2'", {"'a'", "'b'"})  ->  "SELECT 'a' || '$2'"
//
// WriteTx prepares what it can on each session (session_statements.h), so
// most of its statements travel as EXECUTE with these literals as values.
//
// Only placeholders in SQL itself are replaced: never inside '...' or E'...'
// strings, "..." identifiers, $tag$...$tag$ bodies, -- or /* */ comments.
#ifndef QS_COMMON_DB_STATEMENT_TEXT_H_
#define QS_COMMON_DB_STATEMENT_TEXT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::db {

// Throws std::invalid_argument when a placeholder has no value ($0, or
// past the end of `literals`): a programming error, never input's.
std::string BindLiterals(std::string_view sql, const std::vector<std::string>& literals);

// n when `sql` can be PREPAREd as it is with n parameters: its placeholders
// are exactly $1..$n, each used at least once (PostgreSQL infers a type
// for each, and one never referenced has none), and it holds no semicolon
// (one statement). nullopt otherwise; 0 for a statement without any.
std::optional<int> PreparablePlaceholders(std::string_view sql);

}  // namespace qs::db

#endif  // QS_COMMON_DB_STATEMENT_TEXT_H_
