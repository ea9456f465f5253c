#include "common/auth/auth_settings.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/jwks.h"
#include "common/grpc/server_credentials.h"

namespace qs::auth {
namespace {

constexpr const char* kJwtOnlyVariables[] = {"AUTH_JWKS_FILE",     "AUTH_HS256_KEY_FILE",
                                             "AUTH_ISSUER",        "AUTH_AUDIENCE",
                                             "AUTH_CLOCK_SKEW_MS", "AUTH_USER_CLAIM"};

absl::Status Invalid(absl::string_view variable, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(variable, ": ", why));
}

absl::StatusOr<std::string> Required(const config::EnvLookup& env, const char* name) {
  std::optional<std::string> value = env(name);
  if (!value) return Invalid(name, "required when AUTH_MODE=jwt");
  return *value;
}

// The file's text, or an error naming `variable` (not the file's bytes).
absl::StatusOr<std::string> FileOf(const char* variable, const std::string& path) {
  absl::StatusOr<std::string> text = grpc_util::ReadFileToString(path);
  if (!text.ok()) {
    // The path of a secret's file is not echoed either (config/env.h).
    return Invalid(variable, config::IsSecretVariable(variable)
                                 ? "cannot read the file it names"
                                 : absl::StrCat("cannot read ", path));
  }
  return text;
}

absl::Status AddKeys(const config::EnvLookup& env, std::vector<VerificationKey>& keys) {
  if (std::optional<std::string> path = env("AUTH_JWKS_FILE")) {
    absl::StatusOr<std::string> text = FileOf("AUTH_JWKS_FILE", *path);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<VerificationKey>> parsed = ParseJwks(*text);
    if (!parsed.ok()) return Invalid("AUTH_JWKS_FILE", parsed.status().message());
    for (VerificationKey& key : *parsed) keys.push_back(std::move(key));
  }
  if (std::optional<std::string> path = env("AUTH_HS256_KEY_FILE")) {
    absl::StatusOr<std::string> secret = FileOf("AUTH_HS256_KEY_FILE", *path);
    if (!secret.ok()) return secret.status();
    // `echo key > file` (and Kubernetes secrets made from such files) end
    // in a newline that is not part of the key.
    if (absl::EndsWith(*secret, "\r\n")) {
      secret->resize(secret->size() - 2);
    } else if (absl::EndsWith(*secret, "\n")) {
      secret->pop_back();
    }
    absl::StatusOr<VerificationKey> key = VerificationKey::Hs256(*std::move(secret));
    if (!key.ok()) return Invalid("AUTH_HS256_KEY_FILE", key.status().message());
    keys.push_back(*std::move(key));
  }
  if (keys.empty()) {
    return Invalid("AUTH_JWKS_FILE", "AUTH_MODE=jwt needs AUTH_JWKS_FILE or AUTH_HS256_KEY_FILE");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuthSettings> LoadAuthSettings(const config::EnvLookup& env) {
  AuthSettings settings;
  const std::string mode = config::ReadString(env, "AUTH_MODE", "header");
  if (mode == "header") {
    for (const char* name : kJwtOnlyVariables) {
      if (env(name)) return Invalid(name, "is only used with AUTH_MODE=jwt (AUTH_MODE is header)");
    }
    return settings;
  }
  if (mode != "jwt") return Invalid("AUTH_MODE", "must be header or jwt");
  settings.mode = AuthMode::kJwt;
  JwtRules rules;
  absl::StatusOr<std::string> issuer = Required(env, "AUTH_ISSUER");
  if (!issuer.ok()) return issuer.status();
  rules.issuer = *std::move(issuer);
  absl::StatusOr<std::string> audience = Required(env, "AUTH_AUDIENCE");
  if (!audience.ok()) return audience.status();
  rules.audience = *std::move(audience);
  absl::StatusOr<absl::Duration> skew =
      config::ReadMillis(env, "AUTH_CLOCK_SKEW_MS", 60000, 0, 600000);
  if (!skew.ok()) return skew.status();
  rules.clock_skew = *skew;
  rules.user_claim = config::ReadString(env, "AUTH_USER_CLAIM", "sub");
  std::vector<VerificationKey> keys;
  if (absl::Status added = AddKeys(env, keys); !added.ok()) return added;
  settings.verifier = std::make_shared<const JwtVerifier>(std::move(keys), std::move(rules));
  return settings;
}

}  // namespace qs::auth
