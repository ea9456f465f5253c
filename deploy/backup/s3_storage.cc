#include "deploy/backup/s3_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"
#include "deploy/backup/object_key.h"
#include "deploy/backup/s3cmd_status.h"
#include "deploy/backup/scratch_dir.h"

namespace qs::backup {
namespace {

// s3cmd's own reason: its "ERROR:" lines, else its last line.
std::string Reason(const CommandResult& result) {
  std::string reason;
  for (absl::string_view line : absl::StrSplit(result.error_output, '\n', absl::SkipWhitespace())) {
    if (absl::ConsumePrefix(&line, "ERROR: ")) {
      absl::StrAppend(&reason, reason.empty() ? "" : "; ", line);
    }
  }
  if (!reason.empty()) return reason;
  const absl::string_view text = absl::StripAsciiWhitespace(result.error_output);
  const size_t newline = text.rfind('\n');
  return std::string(newline == absl::string_view::npos ? text : text.substr(newline + 1));
}

// s3cmd's configuration. Path-style (host_bucket without %(bucket)s); a
// 60 s socket timeout instead of s3cmd's 300 s so a black-holed endpoint
// fails within minutes.
std::string ConfigText(const S3Settings& s3) {
  return absl::StrCat("[default]\n",                                          //
                      "access_key = ", s3.access_key, "\n",                   //
                      "secret_key = ", s3.secret_key, "\n",                   //
                      "host_base = ", s3.endpoint, "\n",                      //
                      "host_bucket = ", s3.endpoint, "\n",                    //
                      "bucket_location = ", s3.region, "\n",                  //
                      "use_https = ", s3.use_https ? "True" : "False", "\n",  //
                      "check_ssl_certificate = True\n",                       //
                      "signature_v2 = False\n",                               //
                      "socket_timeout = 60\n",                                //
                      "progress_meter = False\n");
}

absl::Status WriteConfig(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(error, absl::StrCat("cannot write s3cmd's configuration ", path));
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      close(fd);
      return absl::ErrnoToStatus(error, absl::StrCat("cannot write s3cmd's configuration ", path));
    }
    written += static_cast<size_t>(n);
  }
  close(fd);
  return absl::OkStatus();
}

}  // namespace

std::string S3Storage::Describe() const {
  return absl::StrCat("s3://", settings_.bucket, settings_.prefix.empty() ? "" : "/",
                      settings_.prefix, " at ", settings_.endpoint);
}

std::string S3Storage::UrlOf(const std::string& key) const {
  return absl::StrCat("s3://", settings_.bucket, "/", settings_.prefix,
                      settings_.prefix.empty() ? "" : "/", key);
}

absl::StatusOr<CommandResult> S3Storage::RunS3cmd(const std::vector<std::string>& args,
                                                  const std::string& key) const {
  QS_ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Create(staging_dir_));
  const std::string config_path = dir.Path("s3cmd.cfg");
  QS_RETURN_IF_ERROR(WriteConfig(config_path, ConfigText(settings_)));
  Command command;
  command.argv = {s3cmd_, "--config", config_path, "--no-progress"};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  // s3cmd writes its cache files under HOME, and Python's temporary files
  // go under TMPDIR: both in the scratch dir, removed with it.
  command.env["HOME"] = dir.path();
  command.env["TMPDIR"] = dir.path();
  absl::StatusOr<CommandResult> result = Run(command);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat(key, " in ", Describe(), ": ", result.status().message()));
  }
  if (result->exit_code != 0) {
    return absl::Status(S3cmdFailureCode(*result),
                        absl::StrCat(key, " in ", Describe(), ": s3cmd ", args.front(),
                                     " failed (exit ", result->exit_code, "): ", Reason(*result)));
  }
  return result;
}

absl::Status S3Storage::Put(const std::string& local_path, const std::string& key) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, Describe()));
  if (access(local_path.c_str(), R_OK) != 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("storing ", key, " in ", Describe(), ": cannot read ", local_path));
  }
  QS_RETURN_IF_ERROR(RunS3cmd({"ls", UrlOf(key)}, key).status());
  // --no-preserve: the local uid, gid and mode are nobody's business.
  return RunS3cmd({"put", "--no-preserve", local_path, UrlOf(key)}, key).status();
}

absl::Status S3Storage::Get(const std::string& key, const std::string& local_path) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, Describe()));
  // Created 0600 first: s3cmd --force keeps an existing file's mode.
  const int fd = open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("reading ", key, " from ", Describe(), ": cannot create ", local_path));
  }
  close(fd);
  absl::Status got = RunS3cmd({"get", "--force", UrlOf(key), local_path}, key).status();
  if (!got.ok()) unlink(local_path.c_str());
  return got;
}

absl::StatusOr<std::vector<StoredObject>> S3Storage::ListObjects(const std::string& prefix) {
  const std::string base = UrlOf("");
  const std::string what = prefix.empty() ? "(all keys)" : prefix;
  QS_ASSIGN_OR_RETURN(CommandResult result, RunS3cmd({"ls", "--recursive", base + prefix}, what));
  // "2026-12-02 00:00        12345  s3://bucket/prefix/quest_db/...dump.age":
  // s3cmd's "%(timestamp)16s %(size)12d  %(uri)s" (sizes in bytes without
  // --human-readable-sizes, which the generated config never sets).
  std::vector<StoredObject> objects;
  for (absl::string_view line : absl::StrSplit(result.output, '\n', absl::SkipWhitespace())) {
    const size_t at = line.find(base);
    if (at == absl::string_view::npos) continue;
    std::string key(absl::StripTrailingAsciiWhitespace(line.substr(at + base.size())));
    if (key.empty() || !absl::StartsWith(key, prefix)) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line.substr(0, at), ' ', absl::SkipEmpty());
    int64_t size = 0;
    if (fields.size() < 3 || !absl::SimpleAtoi(fields.back(), &size)) {
      return absl::InternalError(
          absl::StrCat(what, " in ", Describe(), ": unexpected s3cmd ls line \"", line, "\""));
    }
    objects.push_back({std::move(key), size});
  }
  std::sort(objects.begin(), objects.end(),
            [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
  return objects;
}

absl::Status S3Storage::Delete(const std::string& key) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, Describe()));
  // S3 answers a delete of a missing key with success: already gone is OK.
  absl::Status deleted = RunS3cmd({"del", UrlOf(key)}, key).status();
  if (absl::IsNotFound(deleted)) return absl::OkStatus();
  return deleted;
}

}  // namespace qs::backup
