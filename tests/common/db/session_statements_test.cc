// SessionStatements (session_statements.h), as pure logic: which texts
// become PREPARE + EXECUTE and which travel with their literals inlined,
// what a round trip's outcome makes of its PREPAREs, and the bound on a
// session's statements. tests/common/db/write_prepared_test.cc runs the
// same through WriteTx against the real primary.
#include "common/db/session_statements.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace qs::db {
namespace {

constexpr char kUpdate[] = "UPDATE t SET n = n + $2 WHERE id = $1";

TEST(SessionStatementsTest, PreparesOnFirstUseAndExecutesAfter) {
  SessionStatements statements;
  std::string prepares;
  EXPECT_EQ(statements.Render(kUpdate, {"'a'", "'1'"}, &prepares), "EXECUTE qs_w1('a', '1')");
  EXPECT_EQ(prepares, absl::StrCat("PREPARE qs_w1 AS ", kUpdate, ";\n"));
  // Twice in the same round trip: one PREPARE.
  EXPECT_EQ(statements.Render(kUpdate, {"'b'", "'2'"}, &prepares), "EXECUTE qs_w1('b', '2')");
  EXPECT_EQ(prepares, absl::StrCat("PREPARE qs_w1 AS ", kUpdate, ";\n"));
  statements.Sent(/*succeeded=*/true);
  EXPECT_EQ(statements.prepared_count(), 1);

  prepares.clear();
  EXPECT_EQ(statements.Render(kUpdate, {"'c'", "NULL"}, &prepares), "EXECUTE qs_w1('c', NULL)");
  EXPECT_EQ(prepares, "");
  EXPECT_EQ(statements.Render("SELECT now()", {}, &prepares), "EXECUTE qs_w2");
  EXPECT_EQ(prepares, "PREPARE qs_w2 AS SELECT now();\n");
}

TEST(SessionStatementsTest, SendsWhatPrepareCannotTakeAsText) {
  SessionStatements statements;
  std::string prepares;
  EXPECT_EQ(statements.Render("SET LOCAL lock_timeout = $1", {"'1s'"}, &prepares),
            "SET LOCAL lock_timeout = '1s'");
  EXPECT_EQ(statements.Render("NOTIFY x", {}, &prepares), "NOTIFY x");
  EXPECT_EQ(statements.Render("SELECT $1, $3", {"'a'", "'b'", "'c'"}, &prepares),
            "SELECT 'a', 'c'");
  // Values that do not match the placeholders: inlined (and refused when
  // one is missing, as BindLiterals does).
  EXPECT_EQ(statements.Render(kUpdate, {"'a'", "'1'", "'extra'"}, &prepares),
            "UPDATE t SET n = n + '1' WHERE id = 'a'");
  EXPECT_THROW(statements.Render(kUpdate, {"'a'"}, &prepares), std::invalid_argument);
  EXPECT_EQ(prepares, "");
  // Case and leading space or parentheses do not hide the kind.
  EXPECT_EQ(statements.Render("  (select $1)", {"'v'"}, &prepares), "EXECUTE qs_w1('v')");
  EXPECT_EQ(statements.Render("with a as (select 1) select * from a", {}, &prepares),
            "EXECUTE qs_w2");
}

TEST(SessionStatementsTest, AFailedRoundTripLeavesItsPreparesToResolve) {
  SessionStatements statements;
  std::string prepares;
  statements.Render(kUpdate, {"'a'", "'1'"}, &prepares);
  statements.Render("DELETE FROM t WHERE id = $1", {"'a'"}, &prepares);
  statements.Sent(/*succeeded=*/false);
  EXPECT_EQ(statements.UncertainNames(), "'{qs_w1,qs_w2}'");
  // The session has the first (its PREPARE ran before the failure), not the second.
  statements.Resolve({"qs_w1"});
  EXPECT_EQ(statements.UncertainNames(), "");
  EXPECT_EQ(statements.prepared_count(), 1);

  prepares.clear();
  EXPECT_EQ(statements.Render(kUpdate, {"'a'", "'1'"}, &prepares), "EXECUTE qs_w1('a', '1')");
  // The second is prepared again: under a new name, never a reused one.
  EXPECT_EQ(statements.Render("DELETE FROM t WHERE id = $1", {"'a'"}, &prepares),
            "EXECUTE qs_w3('a')");
  EXPECT_EQ(prepares, "PREPARE qs_w3 AS DELETE FROM t WHERE id = $1;\n");
}

TEST(SessionStatementsTest, AnUnresolvedPrepareIsPreparedAgainUnderANewName) {
  SessionStatements statements;
  std::string prepares;
  statements.Render(kUpdate, {"'a'", "'1'"}, &prepares);
  statements.Sent(/*succeeded=*/false);
  prepares.clear();
  // No Resolve (e.g. a refused COMMIT ends the transaction without a
  // ROLLBACK): qs_w1 may exist, so it is not named again.
  EXPECT_EQ(statements.Render(kUpdate, {"'a'", "'1'"}, &prepares), "EXECUTE qs_w2('a', '1')");
  EXPECT_EQ(prepares, absl::StrCat("PREPARE qs_w2 AS ", kUpdate, ";\n"));
  EXPECT_EQ(statements.UncertainNames(), "");
}

TEST(SessionStatementsTest, PreparesNeverSentAreForgotten) {
  SessionStatements statements;
  std::string prepares;
  statements.Render(kUpdate, {"'a'", "'1'"}, &prepares);
  statements.Unsent();  // e.g. the transaction's body failed before sending it
  prepares.clear();
  EXPECT_EQ(statements.Render(kUpdate, {"'a'", "'1'"}, &prepares), "EXECUTE qs_w2('a', '1')");
  EXPECT_EQ(prepares, absl::StrCat("PREPARE qs_w2 AS ", kUpdate, ";\n"));
  statements.Sent(/*succeeded=*/true);
  EXPECT_EQ(statements.prepared_count(), 1);
  EXPECT_EQ(statements.UncertainNames(), "");
}

TEST(SessionStatementsTest, KeepsAtMostTheBoundThenSendsText) {
  SessionStatements statements;
  std::string prepares;
  for (int i = 0; i < SessionStatements::kMaxStatements; ++i) {
    statements.Render(absl::StrCat("SELECT ", i, ", $1"), {"'v'"}, &prepares);
  }
  statements.Sent(/*succeeded=*/true);
  EXPECT_EQ(statements.prepared_count(), SessionStatements::kMaxStatements);
  prepares.clear();
  EXPECT_EQ(statements.Render("SELECT 'one more', $1", {"'v'"}, &prepares),
            "SELECT 'one more', 'v'");
  EXPECT_EQ(prepares, "");
  // The ones it has still run prepared.
  EXPECT_EQ(statements.Render("SELECT 0, $1", {"'v'"}, &prepares), "EXECUTE qs_w1('v')");
}

TEST(SessionStatementsTest, TextsPostgresCannotTypeTravelAsTextAfterwards) {
  SessionStatements statements;
  std::string prepares;
  statements.Render("SELECT count(*) FROM t WHERE $1 IS NULL", {"'v'"}, &prepares);
  statements.Sent(/*succeeded=*/false, "42P18");  // could not determine data type of $1
  EXPECT_EQ(statements.UncertainNames(), "");
  prepares.clear();
  EXPECT_EQ(statements.Render("SELECT count(*) FROM t WHERE $1 IS NULL", {"'v'"}, &prepares),
            "SELECT count(*) FROM t WHERE 'v' IS NULL");
  EXPECT_EQ(prepares, "");
}

}  // namespace
}  // namespace qs::db
