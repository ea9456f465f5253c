#include "common/base/seeded_uuid.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace qs::base {

std::string SeededUuidV4(std::mt19937_64& random) {
  uint64_t hi = random(), lo = random();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace qs::base
