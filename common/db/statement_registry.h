// A service's registered statements (prepared_statement.h) by name, built
// once per pool and read-only after: the async read path resolves a
// caller's statement name here once per call, and each connection prepares
// the kPrepared ones when it opens.
//
//   auto registry = std::make_shared<const StatementRegistry>(statements);
//   const PreparedStatement* feed = registry->Find("quest_puzzle_feed");
//   if (feed == nullptr) return StatementRegistry::NotRegistered("quest_puzzle_feed", pool);
//
// Thread-safe: immutable once constructed, so any thread may Find. The
// pointers it returns stay valid as long as the registry does.
#ifndef QS_COMMON_DB_STATEMENT_REGISTRY_H_
#define QS_COMMON_DB_STATEMENT_REGISTRY_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/db/prepared_statement.h"

namespace qs::db {

class StatementRegistry {
 public:
  // A name registered twice keeps its first statement (the second is a bug
  // in the service's list, logged at error): one name, one SQL text, on
  // every connection alike.
  explicit StatementRegistry(const std::vector<PreparedStatement>& statements);
  StatementRegistry(const StatementRegistry&) = delete;
  StatementRegistry& operator=(const StatementRegistry&) = delete;

  // The statement registered as `name`, or nullptr.
  const PreparedStatement* Find(const std::string& name) const;

  // The kPrepared statements, in registration order: what a connection
  // prepares when it opens. kPerCall ones are never prepared.
  const std::vector<const PreparedStatement*>& to_prepare() const { return to_prepare_; }

  // INTERNAL naming `name` and `where`: the answer to a call with a name
  // that is not registered. INTERNAL, not INVALID_ARGUMENT: the name comes
  // from the service's own code, never from a request, so its absence is
  // the service's bug (as a statement that fails to prepare is), nothing a
  // caller could correct.
  static absl::Status NotRegistered(absl::string_view name, absl::string_view where);

 private:
  std::vector<PreparedStatement> statements_;
  std::unordered_map<std::string, const PreparedStatement*> by_name_;
  std::vector<const PreparedStatement*> to_prepare_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_STATEMENT_REGISTRY_H_
