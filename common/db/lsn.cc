#include "common/db/lsn.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace qs::db {
namespace {

// One half: 1..8 hex digits. absl::SimpleHexAtoi would accept a sign, a
// "0x" prefix and surrounding spaces, which PostgreSQL's pg_lsn input does
// not, so the digits are checked here.
bool ParseHalf(absl::string_view digits, uint32_t& out) {
  if (digits.empty() || digits.size() > 8) return false;
  uint32_t value = 0;
  for (const char c : digits) {
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    value = value << 4 | digit;
  }
  out = value;
  return true;
}

}  // namespace

absl::StatusOr<uint64_t> ParseLsn(absl::string_view text) {
  const size_t slash = text.find('/');
  uint32_t high = 0;
  uint32_t low = 0;
  if (slash == absl::string_view::npos || !ParseHalf(text.substr(0, slash), high) ||
      !ParseHalf(text.substr(slash + 1), low)) {
    // The input is echoed only when short: it is a caller's header.
    return absl::InvalidArgumentError(absl::StrCat(
        "x-min-lsn: must be a WAL position like 16/B374D848 (the x-db-lsn a write returned), got '",
        text.size() <= 40 ? text : absl::StrCat(text.substr(0, 40), "..."), "'"));
  }
  return static_cast<uint64_t>(high) << 32 | low;
}

std::string FormatLsn(uint64_t lsn) {
  return absl::StrFormat("%X/%X", static_cast<uint32_t>(lsn >> 32), static_cast<uint32_t>(lsn));
}

}  // namespace qs::db
