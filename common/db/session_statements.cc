#include "common/db/session_statements.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/statement_text.h"

namespace qs::db {
namespace {

// Whether PREPARE accepts the statement `sql` starts with (it takes only
// these; SET, LOCK, NOTIFY and the like are sent as text).
bool PreparableKind(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) {
    ++i;
  }
  size_t end = i;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end]))) ++end;
  const std::string keyword = absl::AsciiStrToUpper(sql.substr(i, end - i));
  return keyword == "SELECT" || keyword == "INSERT" || keyword == "UPDATE" || keyword == "DELETE" ||
         keyword == "WITH" || keyword == "VALUES";
}

}  // namespace

std::string SessionStatements::Render(const std::string& sql,
                                      const std::vector<std::string>& literals,
                                      std::string* prepares) {
  auto it = by_sql_.find(sql);
  if (it == by_sql_.end()) {
    if (static_cast<int>(by_sql_.size()) + abandoned_ >= kMaxStatements) {
      return BindLiterals(sql, literals);
    }
    Entry entry{State::kText, "", -1};
    if (PreparableKind(sql)) {
      if (std::optional<int> placeholders = PreparablePlaceholders(sql)) {
        entry = Entry{State::kUnprepared, "", *placeholders};
      }
    }
    it = by_sql_.emplace(sql, std::move(entry)).first;
  }
  Entry& entry = it->second;
  if (entry.state == State::kText || static_cast<int>(literals.size()) != entry.placeholders) {
    return BindLiterals(sql, literals);
  }
  if (entry.state == State::kUnprepared || entry.state == State::kUncertain) {
    if (entry.state == State::kUncertain) {
      // Its PREPARE may have run: that name is left unused.
      ++abandoned_;
      uncertain_.erase(std::remove(uncertain_.begin(), uncertain_.end(), sql), uncertain_.end());
    }
    entry.name = absl::StrCat("qs_w", next_name_++);
    entry.state = State::kPending;
    pending_.push_back(sql);
    absl::StrAppend(prepares, "PREPARE ", entry.name, " AS ", sql, ";\n");
  }
  return Execute(entry, literals);
}

std::string SessionStatements::Execute(const Entry& entry,
                                       const std::vector<std::string>& literals) const {
  if (literals.empty()) return absl::StrCat("EXECUTE ", entry.name);
  return absl::StrCat("EXECUTE ", entry.name, "(", absl::StrJoin(literals, ", "), ")");
}

void SessionStatements::Sent(bool succeeded, const std::string& sqlstate) {
  const bool untypable = sqlstate == "42P18" || sqlstate == "42P08";
  for (const std::string& sql : pending_) {
    auto it = by_sql_.find(sql);
    if (it == by_sql_.end()) continue;
    if (untypable) {
      // Which one was refused is not known; any that did run are unused.
      ++abandoned_;
      it->second = Entry{State::kText, "", -1};
    } else if (succeeded) {
      it->second.state = State::kPrepared;
      ++prepared_;
    } else {
      it->second.state = State::kUncertain;
      uncertain_.push_back(sql);
    }
  }
  pending_.clear();
}

void SessionStatements::Unsent() {
  for (const std::string& sql : pending_) {
    auto it = by_sql_.find(sql);
    if (it == by_sql_.end()) continue;
    it->second.state = State::kUnprepared;
    it->second.name.clear();
  }
  pending_.clear();
}

std::string SessionStatements::UncertainNames() const {
  if (uncertain_.empty()) return "";
  std::vector<std::string> names;
  for (const std::string& sql : uncertain_) names.push_back(by_sql_.at(sql).name);
  return absl::StrCat("'{", absl::StrJoin(names, ","), "}'");
}

void SessionStatements::Resolve(const std::vector<std::string>& existing) {
  for (const std::string& sql : uncertain_) {
    auto it = by_sql_.find(sql);
    if (it == by_sql_.end()) continue;
    if (std::find(existing.begin(), existing.end(), it->second.name) != existing.end()) {
      it->second.state = State::kPrepared;
      ++prepared_;
    } else {
      it->second.state = State::kUnprepared;  // Never made: prepared on its next use.
      it->second.name.clear();
    }
  }
  uncertain_.clear();
}

}  // namespace qs::db
