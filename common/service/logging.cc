#include "common/service/logging.h"

#include <memory>

#include "common/service/buffered_stderr_sink.h"
#include "spdlog/async.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace qs::service {
namespace {

// How long an OK call line may wait in the buffer while more come; the
// last of a burst waits for the once-a-second flush.
constexpr std::chrono::milliseconds kCallLogBatch{200};

}  // namespace

void SetUpLogging(const std::string& service) {
  spdlog::init_thread_pool(/*queue_size=*/8192, /*threads_n=*/1);
  const std::string prefix = "%Y-%m-%dT%H:%M:%S.%eZ level=%l service=";
  auto logger = std::make_shared<spdlog::async_logger>(
      service, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern(prefix + "%n %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  // The call log's OK lines, one per RPC, reach stderr in batches
  // (buffered_stderr_sink.h), within a second; everything else,
  // errors of calls included, is written line by line as it comes.
  auto calls = std::make_shared<spdlog::async_logger>(
      kCallLoggerName, std::make_shared<BufferedStderrSink>(kCallLogBatch), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  calls->set_pattern(prefix + service + " %v", spdlog::pattern_time_type::utc);
  spdlog::register_logger(calls);
  spdlog::flush_every(std::chrono::seconds(1));
}

void FlushLogging() { spdlog::shutdown(); }

}  // namespace qs::service
