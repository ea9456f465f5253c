#include "tests/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/grpc/call_log_interceptor.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace qs::bench {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration ToClock(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  Clock::time_point intended;
  const CallSpec* spec = nullptr;
};

// Picks a CallSpec with probability proportional to its weight.
class WeightedPicker {
 public:
  explicit WeightedPicker(const Scenario& scenario) : scenario_(scenario) {
    double total = 0;
    for (const CallSpec& call : scenario.calls) cumulative_.push_back(total += call.weight);
  }
  const CallSpec& Pick(Random& random) const {
    if (scenario_.calls.size() == 1) return scenario_.calls[0];
    const double point = std::uniform_real_distribution<double>(0, cumulative_.back())(random);
    size_t i =
        std::upper_bound(cumulative_.begin(), cumulative_.end(), point) - cumulative_.begin();
    return scenario_.calls[std::min(i, scenario_.calls.size() - 1)];
  }

 private:
  const Scenario& scenario_;
  std::vector<double> cumulative_;
};

class Engine {
 public:
  Engine(const std::shared_ptr<grpc::Channel>& channel, const Scenario& scenario,
         const LoadOptions& options)
      : stub_(channel), picker_(scenario), options_(options), random_(options.seed) {
    result_.scenario = scenario.name;
    result_.options = options;
  }

  RunResult Run() {
    start_ = Clock::now();
    measure_start_ = start_ + ToClock(options_.warmup);
    measure_end_ = measure_start_ + ToClock(options_.duration);
    const bool hooked = options_.at_measure_start || options_.at_measure_end;
    if (options_.mode == LoadOptions::Mode::kClosed && (options_.calls > 0 || hooked)) {
      RunQuiescedWindow();
    } else if (options_.mode == LoadOptions::Mode::kClosed) {
      for (int i = 0; i < options_.concurrency; ++i) Send(Clock::now());
      Drain([this] { return Clock::now() < measure_end_; });
      result_.elapsed = options_.duration;
    } else {
      std::thread sender([this] { SendOnSchedule(); });
      Drain(nullptr);
      sender.join();
      result_.elapsed = options_.duration;
    }
    queue_.Shutdown();
    void* tag;
    bool ok;
    while (queue_.Next(&tag, &ok)) {
    }
    // Due but never sent: an error of the run, not a call (calls/s counts
    // what was sent).
    if (overloaded_ > 0) result_.errors["CLIENT_OVERLOADED"] += overloaded_;
    return std::move(result_);
  }

 private:
  bool Measured(Clock::time_point intended) const {
    return intended >= measure_start_ && intended < measure_end_;
  }

  void Send(Clock::time_point intended) {
    const CallSpec& spec = picker_.Pick(random_);
    Request request = spec.next(random_);
    auto* call = new PendingCall;
    call->intended = intended;
    call->spec = &spec;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoNanoseconds(options_.deadline));
    for (const auto& [key, value] : request.metadata) call->context.AddMetadata(key, value);
    call->reader = stub_.PrepareUnaryCall(&call->context, spec.method, request.body, &queue_);
    in_flight_.fetch_add(1);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  // Open loop: call i is due at start + i / rate, whatever happened before.
  void SendOnSchedule() {
    const auto interval = std::chrono::duration<double>(1.0 / options_.rate);
    for (int64_t i = 0;; ++i) {
      const Clock::time_point due =
          start_ + std::chrono::duration_cast<Clock::duration>(interval * i);
      if (due >= measure_end_) break;
      std::this_thread::sleep_until(due);
      if (in_flight_.load() >= options_.max_in_flight) {
        if (Measured(due)) overloaded_.fetch_add(1);
        continue;
      }
      Send(due);
    }
    sending_done_.store(true);
  }

  // Closed loop: the warm-up (nothing measured) until every warm-up call
  // has completed, then exactly options_.calls measured calls, or (calls 0)
  // as many as `duration` sends, all completed before the end hook.
  void RunQuiescedWindow() {
    measure_start_ = measure_end_ = Clock::time_point::max();
    const Clock::time_point warm_until = start_ + ToClock(options_.warmup);
    if (options_.warmup > absl::ZeroDuration()) {
      for (int i = 0; i < options_.concurrency; ++i) Send(Clock::now());
      Drain([warm_until] { return Clock::now() < warm_until; });
    }
    if (options_.at_measure_start) options_.at_measure_start();
    measure_start_ = Clock::now();
    const bool fixed_calls = options_.calls > 0;
    const int64_t first = fixed_calls ? std::min<int64_t>(options_.concurrency, options_.calls)
                                      : options_.concurrency;
    // Every call sent from here on is measured: the window ends when the
    // last one completes, not at measure_end_.
    const Clock::time_point send_until = measure_start_ + ToClock(options_.duration);
    int64_t sent = 0;
    for (; sent < first; ++sent) Send(Clock::now());
    if (fixed_calls) {
      Drain([this, &sent] { return sent++ < options_.calls; });
    } else {
      Drain([send_until] { return Clock::now() < send_until; });
    }
    result_.elapsed = absl::FromChrono(Clock::now() - measure_start_);
    if (options_.at_measure_end) options_.at_measure_end();
  }

  // Completes calls until none is in flight. Closed loop (`send_next` set):
  // each completion sends the next call while send_next() says so. Open
  // loop (null): the sender thread sends; done once it has finished.
  void Drain(const std::function<bool()>& send_next) {
    while (true) {
      // sending_done_ first: a call sent between the two reads would
      // otherwise be left in flight.
      const bool sending_done = send_next != nullptr || sending_done_.load();
      if (sending_done && in_flight_.load() == 0) break;
      void* tag = nullptr;
      bool ok = false;
      const auto wake = std::chrono::system_clock::now() + std::chrono::milliseconds(50);
      if (queue_.AsyncNext(&tag, &ok, wake) != grpc::CompletionQueue::GOT_EVENT) continue;
      auto* call = static_cast<PendingCall*>(tag);
      const Clock::time_point done = Clock::now();
      Record(*call, done);
      delete call;
      in_flight_.fetch_sub(1);
      if (send_next && send_next()) Send(Clock::now());
    }
  }

  void Record(const PendingCall& call, Clock::time_point done) {
    if (!Measured(call.intended)) return;
    ++result_.calls;
    ++result_.calls_by_name[call.spec->name];
    result_.latency.Record(absl::FromChrono(done - call.intended));
    if (call.status.ok()) {
      ++result_.ok;
    } else {
      ++result_.errors[grpc_util::StatusCodeName(call.status.error_code())];
    }
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue queue_;
  WeightedPicker picker_;
  const LoadOptions options_;
  Random random_;
  Clock::time_point start_, measure_start_, measure_end_;
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> overloaded_{0};
  std::atomic<bool> sending_done_{false};
  RunResult result_;
};

std::string JsonString(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string JsonCounts(const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> fields;
  for (const auto& [key, count] : counts)
    fields.push_back(JsonString(key) + ":" + std::to_string(count));
  return "{" + absl::StrJoin(fields, ",") + "}";
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

Request MakeRequest(const google::protobuf::Message& message,
                    std::vector<std::pair<std::string, std::string>> metadata) {
  Request request;
  bool own_buffer = false;
  grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(message, &request.body,
                                                                             &own_buffer);
  request.metadata = std::move(metadata);
  return request;
}

double RunResult::CallsPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(calls) / seconds : 0;
}

RunResult RunLoad(const std::shared_ptr<grpc::Channel>& channel, const Scenario& scenario,
                  const LoadOptions& options) {
  return Engine(channel, scenario, options).Run();
}

std::string ResultJson(const RunResult& result,
                       const std::vector<std::pair<std::string, std::string>>& labels) {
  std::vector<std::string> fields;
  for (const auto& [key, value] : labels) {
    const bool number = !value.empty() && value.size() < 16 &&
                        std::all_of(value.begin(), value.end(), absl::ascii_isdigit);
    fields.push_back(JsonString(key) + ":" + (number ? value : JsonString(value)));
  }
  const LoadOptions& o = result.options;
  const bool closed = o.mode == LoadOptions::Mode::kClosed;
  fields.push_back("\"scenario\":" + JsonString(result.scenario));
  fields.push_back(absl::StrCat("\"mode\":\"", closed ? "closed" : "open", "\""));
  fields.push_back(absl::StrCat("\"concurrency\":", closed ? o.concurrency : 0));
  fields.push_back(absl::StrFormat("\"rate\":%.1f", closed ? 0.0 : o.rate));
  fields.push_back(absl::StrFormat("\"duration_s\":%.3f", absl::ToDoubleSeconds(result.elapsed)));
  fields.push_back(absl::StrCat("\"calls\":", result.calls));
  fields.push_back(absl::StrCat("\"ok\":", result.ok));
  fields.push_back(absl::StrFormat("\"calls_per_s\":%.1f", result.CallsPerSecond()));
  const LatencySample& l = result.latency;
  fields.push_back(absl::StrFormat(
      "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,"
      "\"mean\":%.3f}",
      Ms(l.Percentile(0.5)), Ms(l.Percentile(0.9)), Ms(l.Percentile(0.99)), Ms(l.Percentile(0.999)),
      Ms(l.Max()), Ms(l.Mean())));
  fields.push_back("\"errors\":" + JsonCounts(result.errors));
  fields.push_back("\"calls_by_name\":" + JsonCounts(result.calls_by_name));
  if (!result.cpu_us_per_call.empty()) {
    std::vector<std::string> cpu;
    for (const auto& [process, us] : result.cpu_us_per_call)
      cpu.push_back(absl::StrFormat("%s:%.2f", JsonString(process), us));
    fields.push_back("\"cpu_us_per_call\":{" + absl::StrJoin(cpu, ",") + "}");
  }
  return "{" + absl::StrJoin(fields, ",") + "}";
}

}  // namespace qs::bench
