#include "common/migrate/schema_generator.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/db_error.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_catalog.h"
#include "common/migrate/schema_diff.h"
#include "pqxx/pqxx"

namespace qs::migrate {
namespace {

// Two scratch databases for one generate run, dropped on destruction.
class ScratchDatabases {
 public:
  explicit ScratchDatabases(const config::DbConfig& admin) : admin_(admin) {}
  ~ScratchDatabases() {
    for (const std::string& name : created_) {
      try {
        pqxx::connection connection(Conninfo("postgres"));
        pqxx::nontransaction tx(connection);
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
      } catch (const std::exception&) {
        // Best effort: a leftover scratch database is harmless and named.
      }
    }
  }

  absl::StatusOr<std::string> Create(const std::string& prefix) {
    static absl::BitGen random;
    std::string name = absl::StrCat(prefix, "_", absl::Uniform<uint32_t>(random));
    try {
      pqxx::connection connection(Conninfo("postgres"));
      pqxx::nontransaction tx(connection);
      tx.exec("CREATE DATABASE " + tx.quote_name(name));
      created_.push_back(name);
      return name;
    } catch (const std::exception& e) {
      return db::StatusFromDbException(e, "creating a scratch database");
    }
  }

  std::string Conninfo(const std::string& database) const {
    config::DbConfig target = admin_;
    target.name = database;
    return target.ConnectionString(target.host, target.port, "migrate-generate");
  }

 private:
  config::DbConfig admin_;
  std::vector<std::string> created_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status Execute(const std::string& conninfo, const std::string& sql, const std::string& what) {
  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, what);
  }
}

absl::StatusOr<Schema> SchemaOf(const std::string& conninfo) {
  try {
    pqxx::connection connection(conninfo);
    return ReadSchema(connection);
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "reading a scratch schema");
  }
}

std::string Script(const std::string& header, const std::vector<std::string>& statements) {
  return absl::StrCat(header, "\n", absl::StrJoin(statements, "\n"), "\n");
}

}  // namespace

std::string NextVersion(const std::vector<Migration>& migrations) {
  std::string now = absl::FormatTime("%Y%m%d%H%M%S", absl::Now(), absl::UTCTimeZone());
  if (migrations.empty() || now > migrations.back().version) return now;
  return std::to_string(std::stoll(migrations.back().version) + 1);
}

absl::StatusOr<GenerateResult> GenerateMigration(const GenerateRequest& request) {
  static const std::regex kName("^[a-z][a-z0-9]*(_[a-z0-9]+)*$");
  if (!std::regex_match(request.name, kName)) {
    return absl::InvalidArgumentError("--name: required, snake_case (e.g. --name=add_puzzle_tags)");
  }
  std::string desired_sql;
  for (const std::string& file : request.schema_files) {
    absl::StatusOr<std::string> part = ReadFile(file);
    if (!part.ok()) return part.status();
    absl::StrAppend(&desired_sql, *part, "\n");
  }

  ScratchDatabases scratch(request.admin);
  absl::StatusOr<std::string> current_db = scratch.Create(request.service + "_gen_current");
  if (!current_db.ok()) return current_db.status();
  absl::StatusOr<std::string> desired_db = scratch.Create(request.service + "_gen_desired");
  if (!desired_db.ok()) return desired_db.status();

  absl::StatusOr<std::vector<AppliedMigration>> applied =
      Migrator(scratch.Conninfo(*current_db), request.migrations).Run();
  if (!applied.ok()) return applied.status();
  if (absl::Status s = Execute(scratch.Conninfo(*desired_db), desired_sql,
                               absl::StrJoin(request.schema_files, " + "));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Schema> current = SchemaOf(scratch.Conninfo(*current_db));
  if (!current.ok()) return current.status();
  absl::StatusOr<Schema> desired = SchemaOf(scratch.Conninfo(*desired_db));
  if (!desired.ok()) return desired.status();

  GenerateResult result;
  result.up = DiffSchemas(*current, *desired);
  result.down = DiffSchemas(*desired, *current);
  if (result.up.empty()) return result;

  // Prove the up part before writing it: applied to the migrated scratch
  // database it must yield exactly the desired schema.
  if (absl::Status s = Execute(scratch.Conninfo(*current_db), absl::StrJoin(result.up, "\n"),
                               "generated up part");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Schema> after = SchemaOf(scratch.Conninfo(*current_db));
  if (!after.ok()) return after.status();
  if (!SameSchema(*after, *desired)) {
    return absl::FailedPreconditionError(
        "the generated migration does not reproduce the desired schema "
        "(a change this generator does not cover?); write it by hand");
  }

  const std::string base = absl::StrCat(request.output_directory, "/",
                                        NextVersion(request.migrations), "_", request.name);
  result.up_path = base + ".up.sql";
  result.down_path = base + ".down.sql";
  const std::string header =
      absl::StrCat("-- Generated by `migrate generate` from common/schema.sql + ", request.service,
                   "/schema.sql; review before committing.");
  if (absl::Status s = WriteFile(result.up_path, Script(header, result.up)); !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFile(result.down_path, Script(header, result.down)); !s.ok()) {
    return s;
  }
  return result;
}

}  // namespace qs::migrate
