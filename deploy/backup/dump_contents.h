// The tables a plain pg_dump -Fc file defines, from `pg_restore --list`:
// what `backup restore --from-dump` checks a restored copy against when no
// manifest says more (a dump made from a cluster restored to a time, see
// deploy/backup/pitr.sh).
#ifndef QS_DEPLOY_BACKUP_DUMP_CONTENTS_H_
#define QS_DEPLOY_BACKUP_DUMP_CONTENTS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

// "public.puzzles", ... from a `pg_restore --list` listing (pure): the
// TABLE entries ("215; 1259 16385 TABLE public puzzles quest_owner"), not
// TABLE DATA or TABLE ATTACH.
std::set<std::string> TablesInDumpListing(absl::string_view listing);

// Runs `pg_restore --list` on `dump_path`; DATA_LOSS naming the file when
// it is not a readable custom-format dump.
absl::StatusOr<std::set<std::string>> TablesInDump(const PostgresSettings& settings,
                                                   const std::string& dump_path);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DUMP_CONTENTS_H_
