#include "tests/deploy/drill_metrics.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace qs::drill {

absl::StatusOr<int64_t> SumHandled(const std::string& exposition, const std::string& grpc_service,
                                   const std::string& grpc_method, const std::string& grpc_code) {
  constexpr absl::string_view kFamily = "grpc_server_handled_total{";
  // Whole label pairs, so that "Submit" never matches "SubmitAttempt".
  const std::string service = absl::StrCat("grpc_service=\"", grpc_service, "\"");
  const std::string method = absl::StrCat("grpc_method=\"", grpc_method, "\"");
  const std::string code = absl::StrCat("grpc_code=\"", grpc_code, "\"");
  int64_t total = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n', absl::SkipWhitespace())) {
    if (!absl::StartsWith(line, kFamily)) continue;
    const size_t close = line.find('}');
    if (close == absl::string_view::npos) continue;
    const absl::string_view labels = line.substr(kFamily.size(), close - kFamily.size());
    if (!absl::StrContains(labels, service) || !absl::StrContains(labels, method) ||
        !absl::StrContains(labels, code)) {
      continue;
    }
    // `<name>{labels} <value>[ <timestamp>]`; counters print as integers
    // or floats ("12" / "12.0" / "1.2e+03").
    absl::string_view rest = absl::StripAsciiWhitespace(line.substr(close + 1));
    rest = rest.substr(0, rest.find(' '));
    double value = 0;
    if (!absl::SimpleAtod(rest, &value)) {
      return absl::InvalidArgumentError(absl::StrCat("not a sample: ", line));
    }
    total += static_cast<int64_t>(value);
  }
  return total;
}

absl::StatusOr<int64_t> HandledCalls(const ComposeProject& project,
                                     const std::string& via_container, const std::string& instance,
                                     const std::string& grpc_service,
                                     const std::string& grpc_method) {
  // By address, not by service name: a run once saw wget fail (exit 4)
  // on `quest` while the instance served, and the name is not what is
  // being tested here. A few tries: one failed read is not the answer.
  const std::string container = project.Container(instance);
  if (container.empty()) return absl::NotFoundError(absl::StrCat("no container for ", instance));
  absl::StatusOr<std::string> address =
      Podman({"inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
              container});
  if (!address.ok()) return address.status();
  const std::string ip(
      absl::StripAsciiWhitespace(absl::string_view(*address).substr(0, address->find(' '))));
  if (ip.empty()) return absl::NotFoundError(absl::StrCat(container, " has no IP address"));
  absl::StatusOr<std::string> exposition;
  for (int attempt = 0; attempt < 3; ++attempt) {
    exposition = project.Fetch(via_container, absl::StrCat("http://", ip, ":9464/metrics"));
    if (exposition.ok()) break;
    std::cerr << "reading " << instance << "'s metrics at " << ip << ": " << exposition.status()
              << "\n";
    absl::SleepFor(absl::Seconds(1));
  }
  if (!exposition.ok()) return exposition.status();
  return SumHandled(*exposition, grpc_service, grpc_method);
}

}  // namespace qs::drill
