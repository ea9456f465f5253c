#include "common/db/coalesced_lookup.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/validation.h"

namespace qs::db {

namespace {

absl::StatusOr<std::string> CanonicalInt64(absl::string_view key) {
  absl::string_view digits = absl::StripPrefix(key, "-");
  int64_t value = 0;
  // SimpleAtoi alone would take spaces and '+': PostgreSQL's form has none.
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(key, &value)) {
    return absl::InvalidArgumentError("key: must be a 64-bit integer (decimal digits)");
  }
  return absl::StrCat(value);
}

}  // namespace

absl::StatusOr<std::string> CanonicalLookupKey(LookupKeyForm form, absl::string_view key) {
  switch (form) {
    case LookupKeyForm::kExact:
      if (absl::Status valid = api::RequireValidUtf8("key", key); !valid.ok()) return valid;
      return std::string(key);
    case LookupKeyForm::kInt64:
      return CanonicalInt64(key);
    case LookupKeyForm::kUuid:
      break;
  }
  bool valid = key.size() == 36;
  for (size_t i = 0; valid && i < key.size(); ++i) {
    const bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
    valid = hyphen_position ? key[i] == '-' : absl::ascii_isxdigit(key[i]);
  }
  if (!valid) {
    return absl::InvalidArgumentError("key: must be a UUID (8-4-4-4-12 hexadecimal digits)");
  }
  return absl::AsciiStrToLower(key);
}

std::string ArrayLiteral(const std::vector<std::string>& keys) {
  std::string literal = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : keys[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

absl::StatusOr<std::unordered_map<std::string, pqxx::row>> RowsByKey(
    const pqxx::result& rows, const std::string& key_column) {
  std::unordered_map<std::string, pqxx::row> by_key;
  if (rows.empty()) return by_key;
  pqxx::row::size_type column;
  try {
    column = rows.column_number(key_column);
  } catch (const std::exception&) {
    return absl::InternalError(
        absl::StrCat("coalesced lookup: no result column named ", key_column));
  }
  by_key.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    if (row[column].is_null()) {
      return absl::InternalError(absl::StrCat("coalesced lookup: NULL key in ", key_column));
    }
    if (!by_key.emplace(row[column].c_str(), row).second) {
      return absl::InternalError(
          absl::StrCat("coalesced lookup: two rows for one key in ", key_column));
    }
  }
  return by_key;
}

}  // namespace qs::db
