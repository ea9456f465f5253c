#include "common/service/json_log_formatter.h"

#include <chrono>
#include <ctime>
#include <iterator>

#include "common/base/json_escape.h"

namespace qs::service {

JsonLogFormatter::JsonLogFormatter(std::string service, Payload payload)
    : service_(base::JsonEscape(service)), payload_(payload) {}

void JsonLogFormatter::format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) {
  using std::chrono::duration_cast;
  const auto since_epoch = message.time.time_since_epoch();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(message.time);
  const auto millis = duration_cast<std::chrono::milliseconds>(
                          since_epoch - duration_cast<std::chrono::seconds>(since_epoch))
                          .count();
  std::tm utc;
  gmtime_r(&seconds, &utc);
  const spdlog::string_view_t level = spdlog::level::to_string_view(message.level);
  fmt::format_to(std::back_inserter(out),
                 "{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"{}\","
                 "\"service\":\"{}\",",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, millis, level, service_);
  const absl::string_view payload(message.payload.data(), message.payload.size());
  if (payload_ == Payload::kFields) {
    out.append(payload.data(), payload.data() + payload.size());
  } else {
    constexpr absl::string_view kMessage = "\"message\":\"";
    out.append(kMessage.data(), kMessage.data() + kMessage.size());
    base::AppendJsonEscaped(payload, out);
    out.push_back('"');
  }
  out.push_back('}');
  out.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>(*this);
}

}  // namespace qs::service
