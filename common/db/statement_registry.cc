#include "common/db/statement_registry.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace qs::db {

StatementRegistry::StatementRegistry(const std::vector<PreparedStatement>& statements)
    : statements_(statements) {
  // statements_ is never resized from here on: the pointers into it hold.
  by_name_.reserve(statements_.size());
  for (const PreparedStatement& statement : statements_) {
    if (statement.name.empty()) {
      // libpq's unnamed statement, which every kPerCall send overwrites:
      // a call by this name could run another statement's text.
      spdlog::error("a statement without a name is registered, and ignored: {}", statement.sql);
      continue;
    }
    if (!by_name_.emplace(statement.name, &statement).second) {
      spdlog::error("statement \"{}\" is registered twice: the first one is kept", statement.name);
      continue;
    }
    if (statement.planning == Planning::kPrepared) to_prepare_.push_back(&statement);
  }
}

const PreparedStatement* StatementRegistry::Find(const std::string& name) const {
  auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : found->second;
}

absl::Status StatementRegistry::NotRegistered(absl::string_view name, absl::string_view where) {
  return absl::InternalError(
      absl::StrCat(where, ": statement \"", name, "\" is not registered (never sent)"));
}

}  // namespace qs::db
