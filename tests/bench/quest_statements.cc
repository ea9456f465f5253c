// Prints the statements quest registers (its stores' PreparedStatements),
// one a line: name, a tab, the SQL text. run.sh EXPLAINs these texts, so the
// report's plans are of the statements the service runs, not of copies.
#include <cstdio>
#include <vector>

#include "common/db/prepared_statement.h"
#include "quest/leaderboard_store.h"
#include "quest/puzzle_store.h"

int main() {
  for (const std::vector<qs::db::PreparedStatement>& statements :
       {qs::quest::PuzzleStore::PreparedStatements(),
        qs::quest::LeaderboardStore::PreparedStatements()}) {
    for (const qs::db::PreparedStatement& statement : statements) {
      std::printf("%s\t%s\n", statement.name.c_str(), statement.sql.c_str());
    }
  }
  return 0;
}
