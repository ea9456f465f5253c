#include "deploy/backup/age_cipher.h"

#include <unistd.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace qs::backup {
namespace {

constexpr absl::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

// BIP-173's checksum: age public keys are Bech32 with the "age" prefix, so
// a mistyped recipient is caught here, before a backup is encrypted to a key
// nobody holds.
uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  constexpr uint32_t kGenerator[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t checksum = 1;
  for (uint8_t value : values) {
    const uint32_t top = checksum >> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) checksum ^= kGenerator[i];
    }
  }
  return checksum;
}

bool IsAgePublicKey(absl::string_view key) {
  // "age1" + 32-byte X25519 key (52 characters) + 6 checksum characters.
  if (key.size() != 62 || !absl::StartsWith(key, "age1")) return false;
  std::vector<uint8_t> values;
  for (char c : absl::string_view("age")) values.push_back(static_cast<uint8_t>(c) >> 5);
  values.push_back(0);
  for (char c : absl::string_view("age")) values.push_back(static_cast<uint8_t>(c) & 31);
  for (char c : key.substr(4)) {
    const size_t position = kBech32Charset.find(c);
    if (position == absl::string_view::npos) return false;
    values.push_back(static_cast<uint8_t>(position));
  }
  return Bech32Polymod(values) == 1;
}

// age's own reason, without its "age: error: " prefix and its closing
// "report unexpected errors" line.
std::string AgeReason(const std::string& error_output) {
  for (absl::string_view line : absl::StrSplit(error_output, '\n', absl::SkipWhitespace())) {
    if (absl::ConsumePrefix(&line, "age: error: ")) return std::string(line);
  }
  return std::string(absl::StripAsciiWhitespace(error_output));
}

}  // namespace

Command EncryptStage(const std::vector<std::string>& recipients) {
  Command command;
  command.argv = {"age", "--encrypt"};
  for (const std::string& recipient : recipients) {
    command.argv.push_back("--recipient");
    command.argv.push_back(recipient);
  }
  return command;
}

absl::Status Decrypt(const std::string& encrypted_path, const std::string& identity_file,
                     const std::string& plain_path, const std::string& object_name) {
  // The plaintext goes through Run's 0600 output file rather than age's -o,
  // which would create it with the umask's mode.
  Command command;
  command.argv = {"age", "--decrypt", "--identity", identity_file, encrypted_path};
  command.stdout_path = plain_path;
  absl::StatusOr<CommandResult> result = Run(command);
  if (!result.ok()) {
    unlink(plain_path.c_str());
    return absl::Status(result.status().code(),
                        absl::StrCat(object_name, ": cannot run age: ", result.status().message()));
  }
  if (result->exit_code == 0) return absl::OkStatus();
  unlink(plain_path.c_str());  // never a half-decrypted file left behind
  const std::string reason = AgeReason(result->error_output);
  if (result->exit_code == 127) {
    return absl::FailedPreconditionError(
        absl::StrCat(object_name, ": age is not installed (", reason, ")"));
  }
  if (absl::StrContains(absl::AsciiStrToLower(reason), "no space left on device")) {
    return absl::ResourceExhaustedError(
        absl::StrCat(object_name, ": no space left on device for the decrypted copy ", plain_path,
                     " (", reason, ")"));
  }
  if (absl::StrContains(reason, "no identity matched")) {
    return absl::FailedPreconditionError(
        absl::StrCat(object_name, ": no identity matched: the key in ", identity_file,
                     " is not one of the backup's recipients (", reason, ")"));
  }
  if (absl::StrContains(reason, absl::StrCat("\"", identity_file, "\""))) {
    return absl::FailedPreconditionError(
        absl::StrCat(object_name, ": cannot use the identity file: ", reason));
  }
  if (absl::StrContains(reason, "header") || absl::StrContains(reason, "stream") ||
      absl::StrContains(reason, "payload") || absl::StrContains(reason, "EOF")) {
    return absl::DataLossError(
        absl::StrCat(object_name, ": damaged or truncated encrypted object: ", reason));
  }
  return absl::InternalError(
      absl::StrCat(object_name, ": age failed (exit ", result->exit_code, "): ", reason));
}

absl::Status CheckRecipients(const std::vector<std::string>& recipients) {
  if (recipients.empty()) return absl::InvalidArgumentError("no age recipient given");
  for (const std::string& recipient : recipients) {
    if (!IsAgePublicKey(recipient)) {
      // A public key may be shown: it is not a secret.
      return absl::InvalidArgumentError(
          absl::StrCat("not an age public key (age1... from age-keygen -y): \"", recipient, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace qs::backup
