#include "notification/token_handler.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/grpc/handler.h"
#include "notification/token_rules.h"

namespace qs::notification {

using grpc_util::HandleAsUser;

grpc::Status TokenHandler::RegisterPushToken(grpc::ServerContext* context,
                                             const v1::RegisterPushTokenRequest* request,
                                             v1::PushToken* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::PushToken> {
        QS_RETURN_IF_ERROR(ValidateRegistration(*request));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::PushToken> {
          return store_.Register(tx, user, *request);
        });
      });
}

grpc::Status TokenHandler::UnregisterPushToken(grpc::ServerContext* context,
                                               const v1::UnregisterPushTokenRequest* request,
                                               v1::UnregisterPushTokenResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::UnregisterPushTokenResponse> {
        QS_RETURN_IF_ERROR(ValidateInstallation(request->device_id(), request->app_id()));
        return database_.Write(
            [&](db::WriteTx& tx) -> absl::StatusOr<v1::UnregisterPushTokenResponse> {
              std::optional<std::string> removed =
                  store_.Unregister(tx, user, request->app_id(), request->device_id());
              if (!removed) {
                return absl::NotFoundError(absl::StrCat("device_id: you have no token for app ",
                                                        request->app_id(), " on device ",
                                                        request->device_id()));
              }
              v1::UnregisterPushTokenResponse unregistered;
              unregistered.set_push_token_id(*removed);
              return unregistered;
            });
      });
}

grpc::Status TokenHandler::ListPushTokens(grpc::ServerContext* context,
                                          const v1::ListPushTokensRequest* /*request*/,
                                          v1::ListPushTokensResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_ASSIGN_OR_RETURN(
        std::vector<v1::PushToken> tokens,
        database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::PushToken>> {
          return store_.List(tx, user, kMaxListedTokens);
        }));
    for (v1::PushToken& token : tokens) *response->add_push_tokens() = std::move(token);
    return absl::OkStatus();
  });
}

}  // namespace qs::notification
