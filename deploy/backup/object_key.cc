#include "deploy/backup/object_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qs::backup {

absl::Status CheckObjectKey(const std::string& key, const std::string& target) {
  bool valid = !key.empty();
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-' && c != '/') valid = false;
  }
  for (absl::string_view segment : absl::StrSplit(key, '/')) {
    if (segment.empty() || segment == "." || segment == "..") valid = false;
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("\"", key, "\" is not a valid object key in ", target));
}

}  // namespace qs::backup
