#include "common/metrics/rpc_metrics.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/call_log.h"
#include "google/protobuf/descriptor.h"
#include "spdlog/spdlog.h"

namespace qs::metrics {

const std::vector<double>& RpcMetrics::HandlingBuckets() {
  static const std::vector<double>* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

RpcMetrics::RpcMetrics(prometheus::Registry& registry,
                       const std::vector<std::string>& service_names)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success or "
                         "failure.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server.")
                            .Register(registry)) {
  for (const std::string& service : service_names) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    if (descriptor == nullptr) {
      // Hosted services come from generated code, whose descriptors are
      // linked in: this is a build mistake, seen at once in the log.
      spdlog::warn("metrics: no descriptor for service {}, its calls count as unknown", service);
      continue;
    }
    for (int i = 0; i < descriptor->method_count(); ++i) {
      AddMethod(service, descriptor->method(i)->name());
    }
  }
  AddMethod("unknown", "unknown");
  unknown_ = methods_.at("/unknown/unknown").get();
}

void RpcMetrics::AddMethod(const std::string& service, const std::string& method) {
  const std::map<std::string, std::string> labels = {
      {"grpc_type", "unary"}, {"grpc_service", service}, {"grpc_method", method}};
  auto series = std::make_unique<MethodSeries>();
  series->started = &started_.Add(labels);
  for (int code = 0; code < kCodes; ++code) {
    std::map<std::string, std::string> with_code = labels;
    with_code["grpc_code"] = grpc_util::StatusCodeName(static_cast<grpc::StatusCode>(code));
    series->handled[code] = &handled_.Add(with_code);
  }
  series->handling_seconds = &handling_seconds_.Add(labels, HandlingBuckets());
  methods_[absl::StrCat("/", service, "/", method)] = std::move(series);
}

RpcMetrics::MethodSeries& RpcMetrics::SeriesOf(absl::string_view path) {
  const auto found = methods_.find(path);
  return found == methods_.end() ? *unknown_ : *found->second;
}

grpc::Status RpcMetrics::OnStart(absl::string_view method, grpc::ServerContext& context,
                                 base::CallContext& call) {
  (void)context;
  (void)call;
  SeriesOf(method).started->Increment();
  return grpc::Status::OK;
}

void RpcMetrics::OnFinish(absl::string_view method, grpc::ServerContext& context,
                          const base::CallContext& call, const grpc::Status& status,
                          double duration_seconds) {
  (void)context;
  (void)call;
  MethodSeries& series = SeriesOf(method);
  const int code = static_cast<int>(status.error_code());
  // gRPC never sends a code outside 0..16; a body that made one up counts
  // as UNKNOWN, which is what the caller's library reports for it.
  series.handled[code >= 0 && code < kCodes ? code : 2]->Increment();
  series.handling_seconds->Observe(duration_seconds);
}

}  // namespace qs::metrics
