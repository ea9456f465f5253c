// CopyWriter against the real primary: escaped text, NULLs and timestamps
// arrive as written; the pure helpers alone.
#include "common/db/copy_writer.h"

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

TEST(CopyFieldTest, EscapesWhatCopyTextWouldSplitOrUnescape) {
  EXPECT_EQ(CopyField("plain text"), "plain text");
  EXPECT_EQ(CopyField("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(CopyField(""), "");
}

TEST(CopyTimestampTest, IsUtcWithMicroseconds) {
  EXPECT_EQ(CopyTimestamp(absl::FromUnixMicros(1'764'590'400'000'001)),
            "2025-12-01 12:00:00.000001+00");
}

TEST(CopyWriterTest, WritesRowsThePrimaryReadsBack) {
  qs::testing::ScratchDatabase scratch("quest");
  pqxx::connection connection(scratch.Conninfo());
  {
    pqxx::work tx(connection);
    tx.exec("CREATE TABLE copied (id int, note text, at timestamptz)");
    CopyWriter copy(tx, "copied", {"id", "note", "at"});
    copy.Row({"1", CopyField("tab\there\nand \\ more"),
              CopyTimestamp(absl::FromUnixMicros(1'764'590'400'000'001))});
    copy.Line(std::string("2\t") + kCopyNull + "\t" + kCopyNull);
    EXPECT_EQ(copy.rows(), 2);
    EXPECT_EQ(copy.Finish(), 2);
    tx.commit();
  }
  pqxx::nontransaction tx(connection);
  pqxx::result rows = tx.exec(
      "SELECT id, note, (extract(epoch FROM at) * 1000000)::bigint, note IS NULL "
      "FROM copied ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1].as<std::string>(), "tab\there\nand \\ more");
  EXPECT_EQ(rows[0][2].as<int64_t>(), 1'764'590'400'000'001);
  EXPECT_TRUE(rows[1][3].as<bool>());
}

}  // namespace
}  // namespace qs::db
