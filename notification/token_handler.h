// notification.v1.PushTokenService: validate, call the token store, map.
// Register and Unregister write the primary; ListPushTokens reads the
// replica, non-blocking (ServeAsyncMethods). Tokens are never logged (the responses carry their
// suffix).
#ifndef QS_NOTIFICATION_TOKEN_HANDLER_H_
#define QS_NOTIFICATION_TOKEN_HANDLER_H_

#include "common/db/database.h"
#include "common/grpc/method_table.h"
#include "notification/token_store.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"

namespace qs::notification {

class TokenHandler final : public v1::PushTokenService::Service {
 public:
  explicit TokenHandler(db::Database& database) : database_(database) {}

  // ListPushTokens runs here, non-blocking (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status RegisterPushToken(grpc::ServerContext* context,
                                 const v1::RegisterPushTokenRequest* request,
                                 v1::PushToken* response) override;
  grpc::Status UnregisterPushToken(grpc::ServerContext* context,
                                   const v1::UnregisterPushTokenRequest* request,
                                   v1::UnregisterPushTokenResponse* response) override;

 private:
  db::Database& database_;
  TokenStore store_;
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_TOKEN_HANDLER_H_
