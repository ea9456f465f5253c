#include "deploy/backup/manifest.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace qs::backup {
namespace {

constexpr char kIdFormat[] = "%Y%m%dT%H%M%SZ";

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

std::string BackupIdAt(absl::Time time) {
  return absl::FormatTime(kIdFormat, time, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> TimeOfBackupId(const std::string& backup_id) {
  // Read field by field: ParseTime's %Y takes as many digits as it finds.
  // Formatting back must give the same text, which rejects what CivilSecond
  // would normalise (month 13, day 32).
  auto number = [&](size_t at, size_t length) {
    int value = -1;
    for (size_t i = at; i < at + length && i < backup_id.size(); ++i) {
      if (!absl::ascii_isdigit(backup_id[i])) return -1;
    }
    if (!absl::SimpleAtoi(absl::string_view(backup_id).substr(at, length), &value)) return -1;
    return value;
  };
  if (backup_id.size() == 16 && backup_id[8] == 'T' && backup_id[15] == 'Z') {
    const int year = number(0, 4), month = number(4, 2), day = number(6, 2);
    const int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
    if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0) {
      const absl::Time time = absl::FromCivil(
          absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone());
      if (BackupIdAt(time) == backup_id) return time;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not a backup id (UTC \"YYYYMMDDTHHMMSSZ\"): \"", backup_id, "\""));
}

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::string DumpKey(const std::string& database, const std::string& backup_id) {
  return absl::StrCat(database, "/", backup_id, ".dump.age");
}

std::string ManifestKey(const std::string& database, const std::string& backup_id) {
  return absl::StrCat(database, "/", backup_id, ".manifest.json");
}

std::string ManifestToJson(const ops::v1::BackupManifest& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;  // operators read manifests
  // An empty migration_version ("no migration applied") is still written.
  options.always_print_primitive_fields = true;
  std::string json;
  // Only fails for messages with unresolvable Any fields; the manifest has none.
  (void)google::protobuf::util::MessageToJsonString(manifest, &json, options);
  return json;
}

absl::StatusOr<ops::v1::BackupManifest> ManifestFromJson(const std::string& json,
                                                         const std::string& object_name) {
  ops::v1::BackupManifest manifest;
  google::protobuf::util::JsonParseOptions options;
  // A manifest written by a newer tool (more fields) still reads.
  options.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &manifest, options);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat(
        object_name, ": damaged manifest (not valid JSON): ", parsed.message().ToString()));
  }
  const char* missing = nullptr;
  if (manifest.database().empty()) {
    missing = "database";
  } else if (manifest.backup_id().empty()) {
    missing = "backupId";
  } else if (manifest.object_key().empty()) {
    missing = "objectKey";
  } else if (manifest.sha256().empty()) {
    missing = "sha256";
  } else if (!manifest.has_created_at()) {
    missing = "createdAt";
  }
  if (missing != nullptr) {
    return absl::DataLossError(absl::StrCat(object_name, ": damaged manifest: no ", missing));
  }
  if (!IsSha256Hex(manifest.sha256())) {
    return absl::DataLossError(
        absl::StrCat(object_name, ": damaged manifest: sha256 is not 64 lowercase hex digits"));
  }
  if (!TimeOfBackupId(manifest.backup_id()).ok()) {
    return absl::DataLossError(absl::StrCat(object_name, ": damaged manifest: backupId \"",
                                            manifest.backup_id(), "\" is not a backup id"));
  }
  return manifest;
}

}  // namespace qs::backup
