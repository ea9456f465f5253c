// BindLiterals (statement_text.h): placeholders in SQL are replaced, the
// ones inside strings, identifiers, dollar quotes and comments are not.
// PreparablePlaceholders: a text counts as one PREPAREable statement only
// with placeholders exactly $1..$n and no semicolon.
#include "common/db/statement_text.h"

#include <stdexcept>

#include "gtest/gtest.h"

namespace qs::db {
namespace {

TEST(BindLiteralsTest, ReplacesEachPlaceholderByItsValue) {
  EXPECT_EQ(BindLiterals("SELECT $1, $2, $1", {"'a'", "7"}), "SELECT 'a', 7, 'a'");
  EXPECT_EQ(BindLiterals("WHERE id = $1::uuid AND n < $2)", {"'x'", "'3'"}),
            "WHERE id = 'x'::uuid AND n < '3')");
}

TEST(BindLiteralsTest, ReadsMultiDigitPlaceholders) {
  std::vector<std::string> values;
  for (int i = 1; i <= 12; ++i) values.push_back("v" + std::to_string(i));
  EXPECT_EQ(BindLiterals("$1,$10,$12", values), "v1,v10,v12");
}

TEST(BindLiteralsTest, LeavesQuotedTextAlone) {
  EXPECT_EQ(BindLiterals("SELECT '$1', 'it''s $1', $1", {"'v'"}), "SELECT '$1', 'it''s $1', 'v'");
  EXPECT_EQ(BindLiterals("SELECT E'\\'$1', $1", {"'v'"}), "SELECT E'\\'$1', 'v'");
  EXPECT_EQ(BindLiterals("SELECT \"$1\" FROM t WHERE a = $1", {"'v'"}),
            "SELECT \"$1\" FROM t WHERE a = 'v'");
}

TEST(BindLiteralsTest, LeavesDollarQuotesAndCommentsAlone) {
  EXPECT_EQ(BindLiterals("SELECT $$ $1 $$, $body$ $1 $body$, $1", {"'v'"}),
            "SELECT $$ $1 $$, $body$ $1 $body$, 'v'");
  EXPECT_EQ(BindLiterals("SELECT $1 -- not $1\n, /* $1 /* nested $1 */ $1 */ $1", {"'v'"}),
            "SELECT 'v' -- not $1\n, /* $1 /* nested $1 */ $1 */ 'v'");
}

TEST(BindLiteralsTest, ALiteralsOwnDollarSignsAreNotReadAgain) {
  EXPECT_EQ(BindLiterals("SELECT $1, $2", {"'$2'", "'b'"}), "SELECT '$2', 'b'");
}

TEST(BindLiteralsTest, RefusesAPlaceholderWithoutValue) {
  EXPECT_THROW(BindLiterals("SELECT $2", {"'a'"}), std::invalid_argument);
  EXPECT_THROW(BindLiterals("SELECT $0", {"'a'"}), std::invalid_argument);
  EXPECT_THROW(BindLiterals("SELECT $10", {"'a'", "'b'"}), std::invalid_argument);
}

TEST(PreparablePlaceholdersTest, CountsPlaceholdersUsedOnceOrMore) {
  EXPECT_EQ(PreparablePlaceholders("SELECT 1"), 0);
  EXPECT_EQ(PreparablePlaceholders("SELECT $1, $2, $1"), 2);
  EXPECT_EQ(PreparablePlaceholders("UPDATE t SET a = $2 WHERE id = $1 AND b <> '$3'"), 2);
  EXPECT_EQ(PreparablePlaceholders("SELECT $12, $11, $10, $9, $8, $7, $6, $5, $4, $3, $2, $1"), 12);
}

TEST(PreparablePlaceholdersTest, RefusesGapsZeroAndSeveralStatements) {
  // PostgreSQL could not type $2, which nothing references.
  EXPECT_EQ(PreparablePlaceholders("SELECT $1, $3"), std::nullopt);
  EXPECT_EQ(PreparablePlaceholders("SELECT $0"), std::nullopt);
  EXPECT_EQ(PreparablePlaceholders("SELECT $1; SELECT $1"), std::nullopt);
  // Conservative: a semicolon in a string also keeps the text unprepared.
  EXPECT_EQ(PreparablePlaceholders("SELECT ';', $1"), std::nullopt);
  EXPECT_EQ(PreparablePlaceholders("SELECT $99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace qs::db
