// ops.v1.Diagnostics, served by every service over its own Database.
//
// GetServiceInfo asks the write node and the read node, each through the
// service's router, whether it is in recovery: on a healthy deployment the
// write node says false and the read node (a streaming replica) says true.
// It also lists the service's current degradations (degradations.h) and
// its event stream's state (common/events/event_stream.h).
#ifndef QS_COMMON_OPS_DIAGNOSTICS_SERVICE_H_
#define QS_COMMON_OPS_DIAGNOSTICS_SERVICE_H_

#include <functional>
#include <string>

#include "common/db/database.h"
#include "common/ops/degradations.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"

namespace qs::ops {

class DiagnosticsService final : public ::ops::v1::Diagnostics::Service {
 public:
  using EventStreamStatusSource = std::function<::ops::v1::EventStreamStatus()>;

  // `event_stream_status` is called per GetServiceInfo, from any thread.
  DiagnosticsService(std::string service_name, db::Database& database,
                     const Degradations& degradations,
                     EventStreamStatusSource event_stream_status = nullptr)
      : service_name_(std::move(service_name)),
        database_(database),
        degradations_(degradations),
        event_stream_status_(std::move(event_stream_status)) {}

  grpc::Status GetServiceInfo(grpc::ServerContext* context,
                              const ::ops::v1::GetServiceInfoRequest* request,
                              ::ops::v1::GetServiceInfoResponse* response) override;

  grpc::Status Probe(grpc::ServerContext* context, const ::ops::v1::ProbeRequest* request,
                     ::ops::v1::ProbeResponse* response) override;

  static constexpr int kMaxHoldMs = 10000;

 private:
  std::string service_name_;
  db::Database& database_;
  const Degradations& degradations_;
  EventStreamStatusSource event_stream_status_;
};

}  // namespace qs::ops

#endif  // QS_COMMON_OPS_DIAGNOSTICS_SERVICE_H_
