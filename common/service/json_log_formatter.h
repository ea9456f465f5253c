// The spdlog formatter of LOG_FORMAT=json: one JSON object per line,
//
//   {"time":"2026-12-02T00:25:39.123Z","level":"info","service":"quest","message":"..."}
//
// For the call log's loggers (kFields) the message is already a list of
// JSON members (`"method":"...","code":"OK",...`, written by
// common/grpc/call_log.cc with every value escaped), which goes into the
// object as it is instead of as "message"; which loggers those are is
// decided at set-up, never by what a message contains.
#ifndef QS_COMMON_SERVICE_JSON_LOG_FORMATTER_H_
#define QS_COMMON_SERVICE_JSON_LOG_FORMATTER_H_

#include <memory>
#include <string>

#include "spdlog/formatter.h"

namespace qs::service {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  enum class Payload { kMessage, kFields };

  JsonLogFormatter(std::string service, Payload payload);

  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  const std::string service_;  // Escaped once, here.
  const Payload payload_;
};

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_JSON_LOG_FORMATTER_H_
