// Strict JSON (RFC 8259) checks for request fields that carry JSON text,
// without building a document: the text is stored as sent (e.g. in a jsonb
// column), so only its well-formedness matters here.
//
//   if (!api::IsJsonObject(request.metadata_json())) {
//     return absl::InvalidArgumentError("metadata_json: must be a JSON object");
//   }
//
// Stricter than lenient parsers (no single quotes, comments, trailing
// commas, NaN), and refuses what PostgreSQL's jsonb cannot hold: the escape
// \u0000 and unpaired surrogate escapes. Nesting deeper than 64 levels is
// refused rather than recursed into. Pure; thread-safe.
#ifndef QS_COMMON_API_JSON_CHECK_H_
#define QS_COMMON_API_JSON_CHECK_H_

#include "absl/strings/string_view.h"

namespace qs::api {

// True when `text` is exactly one JSON object (surrounding whitespace allowed).
bool IsJsonObject(absl::string_view text);

}  // namespace qs::api

#endif  // QS_COMMON_API_JSON_CHECK_H_
