// A gRPC load generator on the async API, for any service: a scenario is
// data — which RPCs, how their requests are made, and their mix weights —
// so a service adds its scenarios without touching the engine.
//
//   Scenario scenario{"get_puzzle", {{"GetPuzzle", "/quest.v1.PuzzleService/GetPuzzle", 1,
//                                     [&](Random& random) { return ...; }}}};
//   LoadOptions options;                  // closed loop, 20 in flight, 10 s
//   RunResult result = RunLoad(channel, scenario, options);
//   std::cout << ResultJson(result, {{"group", "main"}});
//
// Closed loop keeps `concurrency` calls in flight: throughput at a fixed
// parallelism. Open loop sends at a fixed `rate` on a precomputed schedule
// and measures each latency from the call's intended send time, so a stall
// in the server (or in this client) shows up as latency of every call it
// delayed instead of silently lowering the send rate (coordinated omission).
//
// A closed loop can instead measure a fixed number of calls (`calls` > 0):
// the warm-up runs, every warm-up call completes, then exactly `calls` calls
// are sent, `concurrency` at a time, and the window is the time they took.
// The hooks run at the window's edges with nothing in flight, so a CPU
// snapshot (tests/bench/process_cpu.h) or a profiler's switch taken there
// covers those calls and nothing else. A closed loop given hooks but no
// `calls` does the same with a window of `duration`: it sends for that long
// after the start hook, then waits for every call before the end hook (the
// window's elapsed time runs to the last completion), so counters read in
// the hooks (a service's metrics, pg_stat_statements) cover exactly the
// measured calls. One thread drives every call
// (asynchronous stub, one completion queue), so 1,000 in flight need no
// 1,000 threads.
#ifndef QS_TESTS_BENCH_LOAD_GENERATOR_H_
#define QS_TESTS_BENCH_LOAD_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/byte_buffer.h"
#include "tests/bench/latency_sample.h"

namespace qs::bench {

using Random = std::mt19937_64;

// One call to send: its serialized request and the metadata it carries.
struct Request {
  grpc::ByteBuffer body;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Serializes `message` into a Request with the given metadata.
Request MakeRequest(const google::protobuf::Message& message,
                    std::vector<std::pair<std::string, std::string>> metadata = {});

struct CallSpec {
  std::string name;    // short label, e.g. "GetPuzzle"
  std::string method;  // full method path, e.g. "/quest.v1.PuzzleService/GetPuzzle"
  double weight = 1;   // share of the mix
  // Makes the next request. Called from one thread at a time.
  std::function<Request(Random&)> next;
};

struct Scenario {
  std::string name;
  std::vector<CallSpec> calls;
};

struct LoadOptions {
  enum class Mode { kClosed, kOpen };
  Mode mode = Mode::kClosed;
  int concurrency = 20;                         // closed loop: calls in flight
  double rate = 1000;                           // open loop: calls per second
  absl::Duration warmup = absl::Seconds(2);     // sent, not measured
  absl::Duration duration = absl::Seconds(10);  // measured
  absl::Duration deadline = absl::Seconds(5);   // per call
  // Open loop: past this many calls in flight, the client is the bottleneck
  // and the run says so (errors["CLIENT_OVERLOADED"], calls it did not send)
  // instead of hiding it.
  int max_in_flight = 20000;
  uint64_t seed = 1;
  // Closed loop: measure exactly this many calls instead of `duration`.
  int64_t calls = 0;
  // Closed loop: run just before the first measured call is sent and just
  // after the last one completed (a fixed `calls`, or `duration`'s worth).
  std::function<void()> at_measure_start;
  std::function<void()> at_measure_end;
};

struct RunResult {
  std::string scenario;
  LoadOptions options;
  int64_t calls = 0;  // measured calls, failed ones included
  int64_t ok = 0;
  absl::Duration elapsed;                 // of the measured window
  LatencySample latency;                  // of every measured call, failed ones included
  std::map<std::string, int64_t> errors;  // status code name -> count
  std::map<std::string, int64_t> calls_by_name;
  // Filled by the caller (e.g. from at_measure_start/end): microseconds of
  // CPU per measured call, by process ("service", "postgres", ...).
  std::map<std::string, double> cpu_us_per_call;

  double CallsPerSecond() const;
};

RunResult RunLoad(const std::shared_ptr<grpc::Channel>& channel, const Scenario& scenario,
                  const LoadOptions& options);

// One JSON object (a line of results.jsonl): `labels` first (string values),
// then mode, concurrency, rate, duration_s, calls, ok, calls_per_s,
// latency_ms {p50 p90 p99 p999 max mean}, errors {CODE: n}, calls_by_name,
// and cpu_us_per_call {process: µs} when it is not empty.
std::string ResultJson(const RunResult& result,
                       const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_LOAD_GENERATOR_H_
