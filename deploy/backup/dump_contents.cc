#include "deploy/backup/dump_contents.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/status_macros.h"
#include "deploy/backup/postgres_connection.h"
#include "deploy/backup/process.h"

namespace qs::backup {

std::set<std::string> TablesInDumpListing(absl::string_view listing) {
  std::set<std::string> tables;
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    if (line.empty() || line[0] == ';') continue;
    // <dump id>; <catalog oid> <oid> TABLE <schema> <name> <owner>
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() == 7 && words[3] == "TABLE") {
      tables.insert(absl::StrCat(words[4], ".", words[5]));
    }
  }
  return tables;
}

absl::StatusOr<std::set<std::string>> TablesInDump(const PostgresSettings& settings,
                                                   const std::string& dump_path) {
  Command list;
  list.argv = {PgToolPath(settings, "pg_restore"), "--list", dump_path};
  QS_ASSIGN_OR_RETURN(CommandResult result, Run(list));
  if (result.exit_code != 0) {
    return absl::DataLossError(
        absl::StrCat(dump_path, ": not a readable pg_dump -Fc file: ", result.error_output));
  }
  return TablesInDumpListing(result.output);
}

}  // namespace qs::backup
