// ops.v1.Privacy (proto/ops/v1/privacy.proto), served by every service
// whose ServiceDefinition has an erase_user (common/service/service_main.h).
// Each RPC: check the admin credential (admin_credential.h), validate,
// run the erasure's transaction or read the records, map.
#ifndef QS_COMMON_PRIVACY_PRIVACY_SERVICE_H_
#define QS_COMMON_PRIVACY_PRIVACY_SERVICE_H_

#include "common/db/database.h"
#include "common/privacy/privacy_settings.h"
#include "common/privacy/user_erasure.h"
#include "proto/ops/v1/privacy.grpc.pb.h"

namespace qs::privacy {

class PrivacyService final : public ::ops::v1::Privacy::Service {
 public:
  PrivacyService(db::Database& database, UserErasure erasure, PrivacySettings settings);

  grpc::Status EraseUser(grpc::ServerContext* context, const ::ops::v1::EraseUserRequest* request,
                         ::ops::v1::EraseUserResponse* response) override;
  grpc::Status GetErasureStatus(grpc::ServerContext* context,
                                const ::ops::v1::GetErasureStatusRequest* request,
                                ::ops::v1::GetErasureStatusResponse* response) override;

 private:
  db::Database& database_;
  const UserErasure erasure_;
  const PrivacySettings settings_;
};

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_PRIVACY_SERVICE_H_
