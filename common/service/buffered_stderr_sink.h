// A log sink that batches lines into few write(2)s on stderr: the lines are
// collected in a buffer and written when it fills, when the oldest of them
// has waited `max_wait`, on flush (once a second: logging.cc) and on
// destruction.
//
// spdlog's stderr sink writes and flushes every line on its own: with one
// call-log line per RPC that is a system call per call, a measurable share
// of a GetPuzzle's CPU (docs/serving.md).
#ifndef QS_COMMON_SERVICE_BUFFERED_STDERR_SINK_H_
#define QS_COMMON_SERVICE_BUFFERED_STDERR_SINK_H_

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>

#include "spdlog/sinks/base_sink.h"

namespace qs::service {

class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedStderrSink(std::chrono::milliseconds max_wait) : max_wait_(max_wait) {}

  ~BufferedStderrSink() override {
    std::lock_guard<std::mutex> lock(mutex_);
    WriteOut();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    if (buffer_.empty()) oldest_ = message.time;
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kFlushAt || message.time - oldest_ >= max_wait_) WriteOut();
  }
  void flush_() override { WriteOut(); }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;

  void WriteOut() {
    size_t written = 0;
    while (written < buffer_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + written, buffer_.size() - written);
      if (n <= 0) break;  // stderr is gone: nowhere to report it.
      written += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  const std::chrono::milliseconds max_wait_;
  std::string buffer_;
  spdlog::log_clock::time_point oldest_;
};

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_BUFFERED_STDERR_SINK_H_
