// A proto enum and the text codes its values have in the database (and in
// messages), as one table instead of a switch and a reverse loop per enum:
//
//   const db::EnumCodes<v1::MatchStatus>& MatchStatusCodes() {
//     static const auto* codes = new db::EnumCodes<v1::MatchStatus>({
//         {v1::MATCH_STATUS_WAITING, "waiting"}, {v1::MATCH_STATUS_FINISHED, "finished"}});
//     return *codes;
//   }
//   MatchStatusCodes().Code(v1::MATCH_STATUS_WAITING)   // "waiting"
//   MatchStatusCodes().FromCode("finished")             // MATCH_STATUS_FINISHED
//
// A value without a code maps to ""; an unknown code to the enum's 0
// (UNSPECIFIED). Immutable after construction, so thread-safe.
#ifndef QS_COMMON_DB_ENUM_CODES_H_
#define QS_COMMON_DB_ENUM_CODES_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace qs::db {

template <typename Enum>
class EnumCodes {
 public:
  EnumCodes(std::initializer_list<std::pair<Enum, absl::string_view>> codes) {
    for (const auto& [value, code] : codes) codes_.emplace_back(value, std::string(code));
  }

  std::string Code(Enum value) const {
    for (const auto& [known, code] : codes_) {
      if (known == value) return code;
    }
    return "";
  }

  Enum FromCode(absl::string_view code) const {
    for (const auto& [value, known] : codes_) {
      if (known == code) return value;
    }
    return static_cast<Enum>(0);
  }

 private:
  // A handful of values: a linear scan beats a map.
  std::vector<std::pair<Enum, std::string>> codes_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_ENUM_CODES_H_
