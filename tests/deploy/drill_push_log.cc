#include "tests/deploy/drill_push_log.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace qs::drill {
namespace {

// DescribeForLog's prefix and the field naming the delivery.
constexpr absl::string_view kSendLine = "push (log provider): ";
constexpr absl::string_view kMessageId = " message_id=";
// RecordWith's two warnings: "delivery <id>: outcome <o> not recorded: ..."
// and "delivery <id>: lease lost before recording <o> ...".
constexpr absl::string_view kDelivery = "delivery ";

// The word starting at `at` (up to a space, a quote or the end).
absl::string_view WordAt(absl::string_view line, size_t at) {
  const size_t end = line.find_first_of(" \"", at);
  return line.substr(at, end == absl::string_view::npos ? absl::string_view::npos : end - at);
}

}  // namespace

PushLog ParsePushLog(absl::string_view log) {
  PushLog parsed;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    if (const size_t send = line.find(kSendLine); send != absl::string_view::npos) {
      const size_t id = line.find(kMessageId, send);
      if (id == absl::string_view::npos) continue;
      ++parsed.lines;
      ++parsed.sends[std::string(WordAt(line, id + kMessageId.size()))];
      continue;
    }
    for (size_t at = line.find(kDelivery); at != absl::string_view::npos;
         at = line.find(kDelivery, at + 1)) {
      const size_t id_start = at + kDelivery.size();
      const size_t colon = line.find(": ", id_start);
      if (colon == absl::string_view::npos) break;
      const absl::string_view id = line.substr(id_start, colon - id_start);
      const absl::string_view rest = line.substr(colon + 2);
      if (absl::StrContains(id, ' ')) continue;
      if ((absl::StartsWith(rest, "outcome ") && absl::StrContains(rest, " not recorded")) ||
          absl::StartsWith(rest, "lease lost before recording ")) {
        parsed.unrecorded.insert(std::string(id));
        break;
      }
    }
  }
  return parsed;
}

}  // namespace qs::drill
