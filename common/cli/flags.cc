#include "common/cli/flags.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace qs::cli {
namespace {

absl::Status Invalid(absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", name, " ", why));
}

}  // namespace

absl::StatusOr<Flags> Flags::Parse(int argc, const char* const* argv,
                                   absl::Span<const absl::string_view> known,
                                   absl::Span<const absl::string_view> switches) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      flags.help_ = true;
      return flags;
    }
    if (!absl::StartsWith(argument, "--")) {
      flags.positional_.emplace_back(argument);
      continue;
    }
    const size_t equals = argument.find('=');
    const absl::string_view name = argument.substr(
        2, equals == absl::string_view::npos ? absl::string_view::npos : equals - 2);
    bool is_known = false;
    for (absl::string_view candidate : known) is_known = is_known || candidate == name;
    bool is_switch = false;
    for (absl::string_view candidate : switches) is_switch = is_switch || candidate == name;
    // Only the name is ever echoed: the value may be a password.
    if (!is_known && !is_switch) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (equals == absl::string_view::npos) {
      if (!is_switch) return Invalid(name, "needs =value");
      flags.values_[std::string(name)] = "true";
      continue;
    }
    flags.values_[std::string(name)] = std::string(argument.substr(equals + 1));
  }
  return flags;
}

const std::string* Flags::Find(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

bool Flags::Has(absl::string_view name) const { return Find(name) != nullptr; }

std::string Flags::String(absl::string_view name, absl::string_view fallback) const {
  const std::string* value = Find(name);
  return value ? *value : std::string(fallback);
}

absl::StatusOr<std::string> Flags::RequiredString(absl::string_view name) const {
  const std::string* value = Find(name);
  if (value == nullptr || value->empty()) return Invalid(name, "is required");
  return *value;
}

absl::StatusOr<int64_t> Flags::Int64(absl::string_view name, int64_t fallback, int64_t min,
                                     int64_t max) const {
  const std::string* text = Find(name);
  if (text == nullptr) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) return Invalid(name, "must be a whole number");
  if (value >= min && value <= max) return value;
  constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
  constexpr int64_t kHighest = std::numeric_limits<int64_t>::max();
  if (max == kHighest) return Invalid(name, absl::StrCat("must be at least ", min));
  if (min == kLowest) return Invalid(name, absl::StrCat("must be at most ", max));
  return Invalid(name, absl::StrCat("must be between ", min, " and ", max));
}

absl::StatusOr<double> Flags::Double(absl::string_view name, double fallback) const {
  const std::string* text = Find(name);
  if (text == nullptr) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(*text, &value) || !std::isfinite(value)) {
    return Invalid(name, "must be a number");
  }
  return value;
}

absl::StatusOr<bool> Flags::Bool(absl::string_view name, bool fallback) const {
  const std::string* text = Find(name);
  if (text == nullptr) return fallback;
  bool value = false;
  if (!absl::SimpleAtob(*text, &value)) return Invalid(name, "must be true or false");
  return value;
}

}  // namespace qs::cli
