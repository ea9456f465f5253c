#include "common/privacy/privacy_service.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/grpc/handler.h"
#include "common/privacy/admin_credential.h"
#include "common/privacy/erasure_store.h"
#include "common/privacy/user_hash.h"

namespace qs::privacy {

namespace v1 = ::ops::v1;

PrivacyService::PrivacyService(db::Database& database, UserErasure erasure,
                               PrivacySettings settings)
    : database_(database), erasure_(std::move(erasure)), settings_(std::move(settings)) {}

grpc::Status PrivacyService::EraseUser(grpc::ServerContext* context,
                                       const v1::EraseUserRequest* request,
                                       v1::EraseUserResponse* response) {
  return grpc_util::Handle(response, [&]() -> absl::StatusOr<v1::EraseUserResponse> {
    QS_RETURN_IF_ERROR(CheckAdminCredential(AuthorizationOf(*context), settings_.admin_token));
    QS_RETURN_IF_ERROR(api::RequireUuid("user_id", request->user_id()));
    QS_ASSIGN_OR_RETURN(v1::ServiceErasure erasure, database_.Write([&](db::WriteTx& tx) {
      return erasure_.EraseAndAnnounce(tx, request->user_id());
    }));
    v1::EraseUserResponse erased;
    *erased.mutable_erasure() = std::move(erasure);
    return erased;
  });
}

grpc::Status PrivacyService::GetErasureStatus(grpc::ServerContext* context,
                                              const v1::GetErasureStatusRequest* request,
                                              v1::GetErasureStatusResponse* response) {
  return grpc_util::Handle(response, [&]() -> absl::StatusOr<v1::GetErasureStatusResponse> {
    QS_RETURN_IF_ERROR(CheckAdminCredential(AuthorizationOf(*context), settings_.admin_token));
    QS_RETURN_IF_ERROR(api::RequireUuid("user_id", request->user_id()));
    const std::string hash = UserHash(request->user_id());
    // On the primary: right after EraseUser the caller must see its answer.
    QS_ASSIGN_OR_RETURN(std::vector<v1::ServiceErasure> erasures,
                        database_.ReadFromPrimary(
                            [&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::ServiceErasure>> {
                              return ErasureStore::List(tx, hash);
                            }));
    v1::GetErasureStatusResponse status;
    std::set<std::string> confirmed;
    for (v1::ServiceErasure& erasure : erasures) {
      confirmed.insert(erasure.service());
      *status.add_erasures() = std::move(erasure);
    }
    for (const std::string& service : ServicesHoldingUserData()) {
      if (confirmed.count(service) == 0) status.add_pending_services(service);
    }
    status.set_complete(status.pending_services().empty());
    return status;
  });
}

}  // namespace qs::privacy
