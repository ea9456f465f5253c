// The shape of a store's hot read on the async read path: its parameters as
// text and its rows mapped to values, with a column that does not convert
// answered as a status instead of an exception on the loop thread.
//
//   void PuzzleStore::ListAsync(db::AsyncReadPool& reads, const FeedQuery& q,
//                               absl::Time deadline, db::RowsDone<v1::Puzzle> done) {
//     db::QueryRows<v1::Puzzle>(reads, kList, db::AsyncParams(q.status, q.limit), deadline,
//                               [](const pqxx::row& row) { return FromRow(row).puzzle; },
//                               std::move(done));
//   }
//
// `map_row` and `done` run on the read path's loop thread (async_read_pool.h):
// neither may block.
#ifndef QS_COMMON_DB_ASYNC_ROWS_H_
#define QS_COMMON_DB_ASYNC_ROWS_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/async_read_pool.h"
#include "common/db/db_error.h"
#include "pqxx/result"
#include "pqxx/row"

namespace qs::db {

using AsyncParamList = std::vector<std::optional<std::string>>;

namespace async_rows_internal {

// Exactly these types convert; anything else (double, an enum, a pointer)
// does not compile, instead of turning into "true" through bool.
inline std::optional<std::string> AsParam(std::string value) { return value; }
inline std::optional<std::string> AsParam(absl::string_view value) { return std::string(value); }
inline std::optional<std::string> AsParam(const char* value) {
  if (value == nullptr) return std::nullopt;  // SQL NULL
  return std::string(value);
}
inline std::optional<std::string> AsParam(std::nullopt_t) { return std::nullopt; }  // NULL
template <typename T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
std::optional<std::string> AsParam(T value) {
  return value ? "true" : "false";
}
template <typename Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool> &&
                                             !std::is_same_v<Int, char>,
                                         int> = 0>
std::optional<std::string> AsParam(Int value) {
  return absl::StrCat(value);
}
// Say how: StrCat keeps only 6 significant digits. (An enum lands here too.)
std::optional<std::string> AsParam(double) = delete;
std::optional<std::string> AsParam(float) = delete;
template <typename T, typename = decltype(AsParam(std::declval<T>()))>
std::optional<std::string> AsParam(std::optional<T> value) {
  if (!value) return std::nullopt;  // SQL NULL
  return AsParam(*std::move(value));
}

}  // namespace async_rows_internal

// Text parameters ($1, $2, ...) in the form PostgreSQL parses them: strings
// as they are, integers in decimal, bools as true/false, nullopt as NULL.
template <typename... Args>
AsyncParamList AsyncParams(Args&&... args) {
  AsyncParamList params;
  params.reserve(sizeof...(Args));
  (params.push_back(async_rows_internal::AsParam(std::forward<Args>(args))), ...);
  return params;
}

template <typename T>
using RowsDone = std::function<void(absl::StatusOr<std::vector<T>>)>;

// Runs registered statement `statement` on the async read path and answers
// `done` with every row mapped by `map_row`, in the statement's order.
template <typename T, typename MapRow>
void QueryRows(AsyncReadPool& reads, const std::string& statement, AsyncParamList params,
               absl::Time deadline, MapRow map_row, RowsDone<T> done) {
  reads.Query(statement, std::move(params), deadline,
              [statement, map_row = std::move(map_row),
               done = std::move(done)](absl::StatusOr<pqxx::result> rows) {
                if (!rows.ok()) return done(rows.status());
                absl::StatusOr<std::vector<T>> mapped;
                try {
                  std::vector<T> values;
                  values.reserve(rows->size());
                  for (const pqxx::row& row : *rows) values.push_back(map_row(row));
                  mapped = std::move(values);
                } catch (const std::exception& e) {  // A column that does not convert.
                  mapped = StatusFromDbException(e, statement);
                } catch (...) {  // Never let it reach the loop thread.
                  mapped = absl::InternalError(
                      absl::StrCat(statement, ": mapping a row threw a non-standard exception"));
                }
                done(std::move(mapped));
              });
}

}  // namespace qs::db

#endif  // QS_COMMON_DB_ASYNC_ROWS_H_
