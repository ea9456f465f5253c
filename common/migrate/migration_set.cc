#include "common/migrate/migration_set.h"

#include <dirent.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace qs::migrate {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

absl::StatusOr<std::vector<Migration>> ParseMigrationFiles(
    const std::vector<MigrationFile>& files) {
  static const std::regex kPattern("^([0-9]{14})_([a-z0-9_]+)\\.(up|down)\\.sql$");
  std::map<std::string, Migration> by_version;
  std::map<std::string, int> parts;  // version -> bit 1 up, bit 2 down
  for (const MigrationFile& file : files) {
    std::smatch match;
    if (!std::regex_match(file.filename, match, kPattern)) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file ", file.filename,
                       ": expected <14-digit version>_<snake_case_name>.(up|down).sql"));
    }
    const std::string version = match[1];
    const std::string name = match[2];
    const bool up = match[3] == "up";
    Migration& migration = by_version[version];
    if (!migration.name.empty() && migration.name != name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "migration version ", version, " is used by both ", migration.name, " and ", name));
    }
    migration.version = version;
    migration.name = name;
    const int bit = up ? 1 : 2;
    if (parts[version] & bit) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file ", file.filename, " appears twice"));
    }
    parts[version] |= bit;
    (up ? migration.up_sql : migration.down_sql) = file.contents;
  }
  std::vector<Migration> migrations;
  for (auto& [version, migration] : by_version) {
    if (parts[version] != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", migration.id(), " is missing its ",
                       (parts[version] & 1) ? "down" : "up", " part"));
    }
    migration.checksum = Sha256Hex(migration.up_sql);
    migrations.push_back(std::move(migration));
  }
  return migrations;  // std::map iterates in version order.
}

absl::StatusOr<std::vector<Migration>> LoadMigrationDirectory(const std::string& directory) {
  return LoadMigrationDirectories({directory});
}

absl::StatusOr<std::vector<Migration>> LoadMigrationDirectories(
    const std::vector<std::string>& directories) {
  std::vector<MigrationFile> files;
  for (const std::string& directory : directories) {
    DIR* dir = opendir(directory.c_str());
    if (dir == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot open migrations directory ", directory));
    }
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (!absl::EndsWith(name, ".sql")) continue;
      std::ifstream in(directory + "/" + name);
      std::ostringstream contents;
      contents << in.rdbuf();
      files.push_back({name, contents.str()});
    }
    closedir(dir);
  }
  return ParseMigrationFiles(files);
}

}  // namespace qs::migrate
