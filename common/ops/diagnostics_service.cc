#include "common/ops/diagnostics_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"

namespace qs::ops {
namespace {

constexpr char kNodeQuery[] = "SELECT pg_is_in_recovery(), current_database()";

absl::StatusOr<::ops::v1::DatabaseNode> DescribeNode(db::ReadTx& tx, const char* role) {
  pqxx::row row = tx.Query(kNodeQuery).at(0);
  ::ops::v1::DatabaseNode node;
  node.set_role(role);
  node.set_in_recovery(row[0].as<bool>());
  node.set_database(row[1].as<std::string>());
  return node;
}

}  // namespace

grpc::Status DiagnosticsService::GetServiceInfo(grpc::ServerContext*,
                                                const ::ops::v1::GetServiceInfoRequest*,
                                                ::ops::v1::GetServiceInfoResponse* response) {
  absl::StatusOr<::ops::v1::DatabaseNode> write_node =
      database_.ReadFromPrimary([](db::ReadTx& tx) { return DescribeNode(tx, "write"); });
  if (!write_node.ok()) return grpc_util::ToGrpcStatus(write_node.status());
  absl::StatusOr<::ops::v1::DatabaseNode> read_node =
      database_.Read([](db::ReadTx& tx) { return DescribeNode(tx, "read"); });
  if (!read_node.ok()) return grpc_util::ToGrpcStatus(read_node.status());

  response->set_service(service_name_);
  *response->add_nodes() = *write_node;
  *response->add_nodes() = *read_node;
  for (const Degradation& degradation : degradations_.Current()) {
    ::ops::v1::Degradation& reported = *response->add_degradations();
    reported.set_component(degradation.component);
    reported.set_detail(degradation.detail);
  }
  if (event_stream_status_) *response->mutable_event_stream() = event_stream_status_();
  return grpc::Status::OK;
}

grpc::Status DiagnosticsService::Probe(grpc::ServerContext*, const ::ops::v1::ProbeRequest* request,
                                       ::ops::v1::ProbeResponse* response) {
  if (request->hold_ms() < 0 || request->hold_ms() > kMaxHoldMs) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("hold_ms: must be between 0 and ", kMaxHoldMs, ", got ", request->hold_ms()));
  }
  const double seconds = request->hold_ms() / 1000.0;
  absl::StatusOr<bool> in_recovery =
      database_.Read([seconds](db::ReadTx& tx) -> absl::StatusOr<bool> {
        if (seconds > 0) tx.Query("SELECT pg_sleep($1)", seconds);
        return tx.Query("SELECT pg_is_in_recovery()").at(0)[0].as<bool>();
      });
  if (!in_recovery.ok()) return grpc_util::ToGrpcStatus(in_recovery.status());
  response->set_in_recovery(*in_recovery);
  return grpc::Status::OK;
}

}  // namespace qs::ops
