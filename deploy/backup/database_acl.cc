#include "deploy/backup/database_acl.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace qs::backup {
namespace {

absl::Status BadItem(absl::string_view item, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("database ACL item '", item, "': ", why));
}

const char* PrivilegeName(char letter) {
  switch (letter) {
    case 'C':
      return "CREATE";
    case 'T':
      return "TEMPORARY";
    case 'c':
      return "CONNECT";
    default:
      return nullptr;
  }
}

}  // namespace

std::string QuoteIdentifier(absl::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

absl::StatusOr<std::vector<std::string>> DatabaseAclStatements(absl::string_view database,
                                                               absl::string_view owner,
                                                               absl::string_view acl) {
  std::vector<std::string> statements;
  if (acl.empty()) return statements;
  absl::string_view items = acl;
  if (!absl::ConsumePrefix(&items, "{") || !absl::ConsumeSuffix(&items, "}")) {
    return BadItem(acl, "not an aclitem[] ({...})");
  }
  const std::string on = absl::StrCat(" ON DATABASE ", QuoteIdentifier(database), " ");
  statements.push_back(absl::StrCat("REVOKE ALL", on, "FROM PUBLIC"));
  statements.push_back(absl::StrCat("REVOKE ALL", on, "FROM ", QuoteIdentifier(owner)));
  if (items.empty()) return statements;  // "{}": nobody may do anything
  for (absl::string_view item : absl::StrSplit(items, ',')) {
    if (absl::StrContains(item, '"')) return BadItem(item, "quoted role names are not supported");
    std::pair<absl::string_view, absl::string_view> grant = absl::StrSplit(item, '=');
    std::pair<absl::string_view, absl::string_view> privileges_by =
        absl::StrSplit(grant.second, '/');
    if (privileges_by.second.empty()) return BadItem(item, "no grantor");
    std::vector<std::string> plain;
    std::vector<std::string> with_option;
    absl::string_view letters = privileges_by.first;
    for (size_t i = 0; i < letters.size(); ++i) {
      const char* name = PrivilegeName(letters[i]);
      if (name == nullptr) return BadItem(item, "not a database privilege");
      const bool grantable = i + 1 < letters.size() && letters[i + 1] == '*';
      (grantable ? with_option : plain).push_back(name);
      if (grantable) ++i;
    }
    const std::string grantee =
        grant.first.empty() ? std::string("PUBLIC") : QuoteIdentifier(grant.first);
    if (!plain.empty()) {
      statements.push_back(absl::StrCat("GRANT ", absl::StrJoin(plain, ", "), on, "TO ", grantee));
    }
    if (!with_option.empty()) {
      statements.push_back(absl::StrCat("GRANT ", absl::StrJoin(with_option, ", "), on, "TO ",
                                        grantee, " WITH GRANT OPTION"));
    }
  }
  return statements;
}

}  // namespace qs::backup
