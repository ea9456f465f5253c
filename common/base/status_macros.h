// Early returns on error, so a function body reads as its happy path:
//
//   absl::StatusOr<Puzzle> Load(...) {
//     QS_RETURN_IF_ERROR(api::RequireUuid("puzzle_id", id));
//     QS_ASSIGN_OR_RETURN(StoredPuzzle stored, store.Get(tx, id));
//     return stored.puzzle;
//   }
//
// QS_RETURN_IF_ERROR(expr): `expr` is an absl::Status; returns it unless OK.
// QS_ASSIGN_OR_RETURN(decl, expr): `expr` is an absl::StatusOr<T>; returns its
// status unless OK, else moves the value into `decl` (a declaration such as
// `auto x` or an existing variable). The enclosing function returns
// absl::Status or any absl::StatusOr<U>. Abseil keeps such macros internal;
// these are the usual shape of them.
#ifndef QS_COMMON_BASE_STATUS_MACROS_H_
#define QS_COMMON_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QS_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status qs_status_ = (expr);      \
    if (!qs_status_.ok()) return qs_status_; \
  } while (false)

#define QS_STATUS_MACROS_CONCAT_INNER(a, b) a##b
#define QS_STATUS_MACROS_CONCAT(a, b) QS_STATUS_MACROS_CONCAT_INNER(a, b)

#define QS_ASSIGN_OR_RETURN(decl, expr) \
  QS_ASSIGN_OR_RETURN_IMPL(QS_STATUS_MACROS_CONCAT(qs_statusor_, __LINE__), decl, expr)

#define QS_ASSIGN_OR_RETURN_IMPL(statusor, decl, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  decl = *std::move(statusor)

#endif  // QS_COMMON_BASE_STATUS_MACROS_H_
