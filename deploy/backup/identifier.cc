#include "deploy/backup/identifier.h"

#include "absl/strings/ascii.h"

namespace qs::backup {

bool IsPlainIdentifier(absl::string_view name) {
  // 63 is PostgreSQL's NAMEDATALEN - 1: a longer name would be truncated.
  if (name.empty() || name.size() > 63) return false;
  if (!absl::ascii_islower(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

}  // namespace qs::backup
