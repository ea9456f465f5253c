// Per-RPC metrics of the serving core under gRPC's standard names (those of
// go-grpc-prometheus / grpc-ecosystem, which dashboards expect):
//
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method} (histogram)
//
// grpc_type is always "unary" (the core serves unary methods only). Every
// series of every hosted method, each code included, exists from start-up
// (at 0), as go-grpc-prometheus' InitializeMetrics does: a rate() over a
// code that has not happened yet is 0, not absent. The hot path (OnStart,
// OnFinish: every call) does one lookup in a table that is never written
// after construction, so needs no lock, and increments atomics; the
// histogram takes its own series' mutex (prometheus-cpp), shared only by
// calls of the same method.
//
// "started" counts calls whose body was about to run (OnStart); calls
// answered before that (a request that does not parse, an unknown method,
// a draining server) count in "handled" only. Calls of a method no hosted
// service has count under grpc_service="unknown", grpc_method="unknown"
// (the path is the caller's input: one series per path would let a caller
// grow the registry without bound).
#ifndef QS_COMMON_METRICS_RPC_METRICS_H_
#define QS_COMMON_METRICS_RPC_METRICS_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/grpc/call_hooks.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace qs::metrics {

class RpcMetrics final : public grpc_util::CallHooks {
 public:
  // Registers the families in `registry` with a series per method of each
  // service in `service_names` ("quest.v1.PuzzleService"), whose methods
  // come from protobuf's generated descriptor pool. `registry` must outlive
  // this object.
  RpcMetrics(prometheus::Registry& registry, const std::vector<std::string>& service_names);

  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override;
  void OnFinish(absl::string_view method, grpc::ServerContext& context,
                const base::CallContext& call, const grpc::Status& status,
                double duration_seconds) override;

  // The upper bounds of grpc_server_handling_seconds' buckets: finer below
  // a millisecond than Prometheus' defaults, as most calls here are.
  static const std::vector<double>& HandlingBuckets();

 private:
  static constexpr int kCodes = 17;  // grpc::StatusCode OK..UNAUTHENTICATED.

  struct MethodSeries {
    prometheus::Counter* started;
    std::array<prometheus::Counter*, kCodes> handled;
    prometheus::Histogram* handling_seconds;
  };

  void AddMethod(const std::string& service, const std::string& method);
  MethodSeries& SeriesOf(absl::string_view path);

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  // By full path ("/quest.v1.PuzzleService/GetPuzzle"); built in the
  // constructor, then only read.
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> methods_;
  MethodSeries* unknown_ = nullptr;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_RPC_METRICS_H_
