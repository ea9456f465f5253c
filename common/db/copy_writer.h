// Streams rows into a table with COPY ... FROM STDIN (text format), the
// fastest way to load many rows: the seed tools of every service use it.
//
//   pqxx::work tx(connection);
//   db::CopyWriter guilds(tx, "guilds", {"id", "name", "created_at"});
//   guilds.Row({id, db::CopyField(name), db::CopyTimestamp(absl::Now())});
//   int64_t written = guilds.Finish();   // before the next statement on `tx`
//   tx.commit();
//
// A COPY occupies its transaction until Finish(): no other statement may run
// on `tx` in between (libpqxx throws usage_error). Fields are written as
// given: escape text that may hold a tab, newline or backslash with
// CopyField, and write SQL NULL as kCopyNull.
#ifndef QS_COMMON_DB_COPY_WRITER_H_
#define QS_COMMON_DB_COPY_WRITER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pqxx/tablewriter"
#include "pqxx/transaction"

namespace qs::db {

// The field COPY's text format reads as SQL NULL.
inline constexpr char kCopyNull[] = "\\N";

class CopyWriter {
 public:
  // Starts COPY `table` (columns) FROM STDIN on `tx`.
  CopyWriter(pqxx::work& tx, const std::string& table, const std::vector<std::string>& columns);

  // One row: `fields` in the order of the columns, already escaped.
  void Row(std::initializer_list<absl::string_view> fields);
  // One row as a tab-separated line without its newline, already escaped.
  void Line(const std::string& line);

  // Ends the COPY and returns the rows written. Without it, the destructor
  // abandons the COPY and the transaction fails.
  int64_t Finish();

  int64_t rows() const { return rows_; }

 private:
  pqxx::tablewriter writer_;
  std::string line_;  // reused by Row
  int64_t rows_ = 0;
};

// `value` escaped for COPY's text format: backslash, tab, newline and
// carriage return become \\, \t, \n and \r.
std::string CopyField(absl::string_view value);

// A timestamptz in UTC with microseconds, "2026-12-01 12:00:00.000001+00".
std::string CopyTimestamp(absl::Time time);

}  // namespace qs::db

#endif  // QS_COMMON_DB_COPY_WRITER_H_
