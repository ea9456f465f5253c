#include "common/service/logging.h"

#include <memory>

#include "spdlog/async.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace qs::service {

void SetUpLogging(const std::string& service) {
  spdlog::init_thread_pool(/*queue_size=*/8192, /*threads_n=*/1);
  auto logger = std::make_shared<spdlog::async_logger>(
      service, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l service=%n %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

void FlushLogging() { spdlog::shutdown(); }

}  // namespace qs::service
