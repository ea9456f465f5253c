#include "common/db/copy_writer.h"

#include "absl/strings/str_cat.h"

namespace qs::db {

CopyWriter::CopyWriter(pqxx::work& tx, const std::string& table,
                       const std::vector<std::string>& columns)
    : writer_(tx, table, columns.begin(), columns.end()) {}

void CopyWriter::Row(std::initializer_list<absl::string_view> fields) {
  line_.clear();
  bool first = true;
  for (absl::string_view field : fields) {
    if (!first) line_.push_back('\t');
    first = false;
    line_.append(field.data(), field.size());
  }
  Line(line_);
}

void CopyWriter::Line(const std::string& line) {
  writer_.write_raw_line(line);
  ++rows_;
}

int64_t CopyWriter::Finish() {
  writer_.complete();
  return rows_;
}

std::string CopyField(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        escaped += "\\\\";
        break;
      case '\t':
        escaped += "\\t";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        escaped += "\\r";
        break;
      default:
        escaped.push_back(c);
    }
  }
  return escaped;
}

std::string CopyTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
}

}  // namespace qs::db
