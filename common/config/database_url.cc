#include "common/config/database_url.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace qs::config {
namespace {

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("database URL: ", why));
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !absl::ascii_isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !absl::ascii_isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return Bad("bad %-escape");
    }
    int value = 0;
    absl::SimpleHexAtoi(text.substr(i + 1, 2), &value);
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<DbConfig> ParseDatabaseUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "postgres://") && !absl::ConsumePrefix(&rest, "postgresql://")) {
    return Bad("must start with postgres:// or postgresql://");
  }
  size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) return Bad("missing user@");
  absl::string_view credentials = rest.substr(0, at);
  rest.remove_prefix(at + 1);

  DbConfig config;
  size_t colon = credentials.find(':');
  absl::StatusOr<std::string> user = PercentDecode(credentials.substr(0, colon));
  if (!user.ok()) return user.status();
  if (user->empty()) return Bad("missing user name");
  config.user = *user;
  if (colon != absl::string_view::npos) {
    absl::StatusOr<std::string> password = PercentDecode(credentials.substr(colon + 1));
    if (!password.ok()) return password.status();
    config.password = *password;
  }

  size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return Bad("missing /database");
  absl::string_view host_port = rest.substr(0, slash);
  absl::string_view database = rest.substr(slash + 1);
  database = database.substr(0, database.find('?'));
  if (database.empty()) return Bad("missing database name");
  config.name = std::string(database);

  // host, host:port, [v6], [v6]:port
  absl::string_view host = host_port;
  absl::string_view port;
  if (absl::StartsWith(host_port, "[")) {
    size_t close = host_port.find(']');
    if (close == absl::string_view::npos) return Bad("unclosed [ in host");
    host = host_port.substr(1, close - 1);
    absl::string_view after = host_port.substr(close + 1);
    if (!after.empty()) {
      if (!absl::ConsumePrefix(&after, ":")) return Bad("junk after ]");
      port = after;
    }
  } else if (size_t c = host_port.rfind(':'); c != absl::string_view::npos) {
    host = host_port.substr(0, c);
    port = host_port.substr(c + 1);
  }
  if (!IsValidHost(host)) return Bad("not a valid host");
  config.host = std::string(host);
  config.read_host = config.host;
  if (!port.empty()) {
    int number = 0;
    if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
      return Bad("port must be 1..65535");
    }
    config.port = number;
  }
  config.read_port = config.port;
  return config;
}

}  // namespace qs::config
