#include "common/api/validation.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"

namespace qs::api {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

}  // namespace

absl::Status RequireUuid(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required (a UUID)");
  if (!IsUuid(value)) return Invalid(field, "not a UUID");
  return absl::OkStatus();
}

absl::Status RequireNonEmpty(absl::string_view field, absl::string_view value) {
  for (char c : value) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return absl::OkStatus();
  }
  return Invalid(field, "must not be empty");
}

absl::Status RequireMaxLength(absl::string_view field, absl::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return Invalid(field, absl::StrCat("at most ", max_bytes, " bytes, got ", value.size()));
}

absl::Status RequireValidUtf8(absl::string_view field, absl::string_view value) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(value.data());
  const size_t size = value.size();
  for (size_t i = 0; i < size;) {
    const unsigned char lead = bytes[i];
    if (lead == 0) return Invalid(field, absl::StrCat("contains a NUL byte at offset ", i));
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    uint32_t code_point = 0;
    uint32_t min_code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, min_code_point = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, min_code_point = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, min_code_point = 0x10000;
    } else {
      return Invalid(field, absl::StrCat("not valid UTF-8 at offset ", i));
    }
    if (i + length > size) return Invalid(field, absl::StrCat("not valid UTF-8 at offset ", i));
    for (int k = 1; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) {
        return Invalid(field, absl::StrCat("not valid UTF-8 at offset ", i));
      }
      code_point = (code_point << 6) | (bytes[i + k] & 0x3F);
    }
    if (code_point < min_code_point || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return Invalid(field, absl::StrCat("not valid UTF-8 at offset ", i));
    }
    i += length;
  }
  return absl::OkStatus();
}

absl::Status RequireInRange(absl::string_view field, int64_t value, int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return Invalid(field, absl::StrCat("must be between ", lo, " and ", hi, ", got ", value));
}

absl::Status RequireInRange(absl::string_view field, double value, double lo, double hi) {
  if (std::isfinite(value) && value >= lo && value <= hi) return absl::OkStatus();
  return Invalid(field, absl::StrCat("must be between ", lo, " and ", hi, ", got ", value));
}

absl::Status RequireKnownEnum(absl::string_view field, int value,
                              const std::function<bool(int)>& is_valid) {
  if (value == 0) return Invalid(field, "required (UNSPECIFIED is not a value)");
  if (!is_valid(value)) return Invalid(field, absl::StrCat("unknown value ", value));
  return absl::OkStatus();
}

absl::Status RequireKnownEnumIfSet(absl::string_view field, int value,
                                   const std::function<bool(int)>& is_valid) {
  return value == 0 ? absl::OkStatus() : RequireKnownEnum(field, value, is_valid);
}

absl::Status RequireInRangeIfSet(absl::string_view field, int64_t value, int64_t lo, int64_t hi) {
  return value == 0 ? absl::OkStatus() : RequireInRange(field, value, lo, hi);
}

absl::StatusOr<int> PageSize(absl::string_view field, int32_t requested, int default_size,
                             int max_size) {
  if (requested == 0) return default_size;
  if (requested < 0 || requested > max_size) {
    return Invalid(field, absl::StrCat("must be between 1 and ", max_size, " (0 for ", default_size,
                                       "), got ", requested));
  }
  return static_cast<int>(requested);
}

absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& check : checks) {
    if (!check.ok()) return check;
  }
  return absl::OkStatus();
}

}  // namespace qs::api
