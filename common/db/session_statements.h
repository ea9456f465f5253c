// The write statements one server session has prepared, so that WriteTx's
// batched round trips (transaction.h) run them as EXECUTE instead of
// sending each statement's text to be parsed, analysed and planned again:
// on the quest write bench that work was about half of each backend's CPU
// (docs/benchmarks-write.md, "Where a call's CPU goes").
//
//   SessionStatements statements;           // one per pooled connection
//   std::string prepares;
//   std::string text = statements.Render(
//       "UPDATE t SET n = n + 1 WHERE id = $1", {"'42'"}, &prepares);
//   // prepares: "PREPARE qs_w1 AS UPDATE t SET n = n + 1 WHERE id = $1;\n"
//   // text:     "EXECUTE qs_w1('42')"
//   // ... send prepares, then text, in one simple query ...
//   statements.Sent(/*succeeded=*/true);    // qs_w1 now exists on the session
//
// Statements are prepared the first time they travel on a session, by a
// PREPARE at the head of that round trip (before any statement that could
// fail and skip it), and with no parameter types given: PostgreSQL infers
// each from its context, as it does for the quoted literals otherwise
// inlined. A text is sent as it is, with its literals inlined (BindLiterals),
// when it is no single SELECT, INSERT, UPDATE, DELETE, WITH or VALUES with
// placeholders exactly $1..$n, when the values given do not match them, and
// once the session holds kMaxStatements.
//
// PREPARE is not transactional: a rollback keeps it, and a statement that
// failed before it skips it. So after a round trip that failed, the
// session's PREPAREs of that trip are uncertain until Resolve is told
// which names exist (WriteTx asks with its ROLLBACK); until then, or if it
// never is, an uncertain text is prepared again under a new name. Names
// are never reused, so no PREPARE can collide with one that did run.
//
// Not thread-safe: a session is lent to one caller at a time.
#ifndef QS_COMMON_DB_SESSION_STATEMENTS_H_
#define QS_COMMON_DB_SESSION_STATEMENTS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace qs::db {

class SessionStatements {
 public:
  // Prepared statements (and texts known not to be preparable) kept per
  // session: a bound on the server's memory if a caller's SQL text varied.
  static constexpr int kMaxStatements = 256;

  // The text that runs `sql` with `literals` (quoted values) for $1..$n:
  // "EXECUTE <name>(<literals>)", appending "PREPARE <name> AS <sql>;\n" to
  // `prepares` when the session does not have it yet, or `sql` with the
  // literals inlined. Throws std::invalid_argument (BindLiterals) for a
  // placeholder without a value.
  std::string Render(const std::string& sql, const std::vector<std::string>& literals,
                     std::string* prepares);

  // The round trip that carried every PREPARE rendered since the last call
  // has been answered: `succeeded` if every statement in it ran; else
  // `sqlstate` is its error's. A PREPARE refused for a parameter whose type
  // PostgreSQL cannot infer (42P18, 42P08: e.g. `WHERE $1 IS NULL` alone)
  // makes every text of that round trip's PREPAREs travel as text from
  // then on, as it would have without this class: one failed call per
  // session, and a statement to give a cast.
  void Sent(bool succeeded, const std::string& sqlstate = "");
  // The PREPAREs rendered since the last Sent will never be sent (their
  // transaction ended first): those texts are not on the session.
  void Unsent();

  // The names whose PREPARE is uncertain (a round trip that failed), as a
  // PostgreSQL text array literal, e.g. "'{qs_w3,qs_w4}'"; empty if none.
  std::string UncertainNames() const;
  // Which of the uncertain names the session has (pg_prepared_statements):
  // those are prepared; the others are forgotten.
  void Resolve(const std::vector<std::string>& existing);

  // Texts this session has prepared.
  int prepared_count() const { return prepared_; }

 private:
  enum class State {
    kUnprepared,  // preparable, not on the session
    kPending,     // its PREPARE travels in the current round trip
    kPrepared,
    kUncertain,  // its PREPARE's round trip failed; Resolve tells
    kText,       // never prepared: sent with its literals inlined
  };
  struct Entry {
    State state;
    std::string name;       // the session's name for it, "" when it has none
    int placeholders = -1;  // -1 for kText
  };

  std::string Execute(const Entry& entry, const std::vector<std::string>& literals) const;

  absl::flat_hash_map<std::string, Entry> by_sql_;
  std::vector<std::string> pending_;    // texts whose PREPARE is in this round trip
  std::vector<std::string> uncertain_;  // texts whose PREPARE's round trip failed
  int next_name_ = 1;
  int prepared_ = 0;
  // Names that may exist on the server but are no longer used (an
  // uncertain PREPARE prepared again): they count against kMaxStatements.
  int abandoned_ = 0;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_SESSION_STATEMENTS_H_
