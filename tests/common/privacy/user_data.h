// What the erasure tests need around the real service binaries: data of a
// user in each service created through its gRPC API (so the rows are the
// ones the services really write), the Privacy calls, and the generic scan
// for a user id in every column of every table of a service database.
//
//   CreateQuestData(quest_channel, user, other);
//   ErasureScan before = ScanDatabase("quest_db", user, other);
//   EXPECT_TRUE(EraseUser(quest_channel, user).ok());
//   ErasureScan after = ScanDatabase("quest_db", user, other);
//   EXPECT_EQ(after.RowsMentioningUser(), ...);
#ifndef QS_TESTS_COMMON_PRIVACY_USER_DATA_H_
#define QS_TESTS_COMMON_PRIVACY_USER_DATA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "proto/ops/v1/privacy.pb.h"

namespace qs::testing {

// The PRIVACY_ADMIN_TOKEN the tests start services with.
inline constexpr const char* kPrivacyAdminToken = "test-privacy-admin-token-0123456789";

// A context carrying `authorization: Bearer <token>` ("" sends none).
std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token = kPrivacyAdminToken);

// ops.v1.Privacy calls with the test token.
grpc::Status EraseUser(const std::shared_ptr<grpc::Channel>& channel, const std::string& user_id,
                       ::ops::v1::EraseUserResponse* response = nullptr);
::ops::v1::GetErasureStatusResponse ErasureStatus(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& user_id);

// Each creates, through the service's API (test failures on any error),
// rows of every kind that service's eraser handles for `user`: his own and
// rows he shares with `other` (who also gets rows of his own).
// quest: puzzles by each, attempts and progress and leaderboard scores of
// each, a finished match of the two that `user` created.
void CreateQuestData(const std::shared_ptr<grpc::Channel>& quest, const std::string& user,
                     const std::string& other);
// social: a friendship of the two (request + accept, with history), a
// pending request of `user` to a third user and a block of a fourth, a
// guild `user` owns that `other` joined, a guild of `other` that `user`
// joined and wrote in, a direct conversation and a read mark.
void CreateSocialData(const std::shared_ptr<grpc::Channel>& social, const std::string& user,
                      const std::string& other);
// notification: push tokens and preferences (with quiet hours) of each,
// a notification from `other` to `user` and one from `user` to `other`
// (with his id in its data), each with deliveries.
void CreateNotificationData(const std::shared_ptr<grpc::Channel>& notification,
                            const std::string& user, const std::string& other);

// A scan of every table of a database (as the admin role, on the primary)
// for the rows that mention a user id in any column: the row as text
// (uuid, text, jsonb, arrays...) or any bytea column (serialized protos).
struct ErasureScan {
  // table -> rows mentioning the user.
  std::map<std::string, int64_t> user_rows;
  // table -> id and text of the rows mentioning `other` but not the user.
  std::map<std::string, std::map<std::string, std::string>> other_rows;

  int64_t RowsMentioningUser() const;
  // The tables with at least one row mentioning the user.
  std::set<std::string> TablesMentioningUser() const;
};
ErasureScan ScanDatabase(const std::string& database, const std::string& user,
                         const std::string& other);

// Rows of outbox_events that are UserErased events about `user`: the
// documented exception (they must travel; pruned with the outbox).
int64_t UserErasedEventsInOutbox(const std::string& database, const std::string& user);

// A test failure for every row of `other` in `before` that is gone from
// `after`, or changed, except in the tables whose rows change by design
// (guild member counts and the heir's role, suggestion caches, outbox
// publication marks): there only that the row is still there.
void ExpectOtherUserUntouched(const ErasureScan& before, const ErasureScan& after,
                              const std::string& database);

// The whole check of one service's eraser: each of `tables` holds a row of
// `user` before; EraseUser through `channel` succeeds and erases rows; after
// it only his UserErased outbox row mentions him, and `other` is untouched.
void ExpectEraseLeavesOnlyUserErased(const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& database, const std::string& user,
                                     const std::string& other,
                                     const std::vector<std::string>& tables);

}  // namespace qs::testing

#endif  // QS_TESTS_COMMON_PRIVACY_USER_DATA_H_
