// A real social server shared by the tests of one binary, with a stub per
// social.v1 service (tests/support/service_fixture.h does the rest).
#ifndef QS_TESTS_SOCIAL_SOCIAL_SERVER_FIXTURE_H_
#define QS_TESTS_SOCIAL_SOCIAL_SERVER_FIXTURE_H_

#include <memory>

#include "proto/social/v1/chat.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {

class SocialServerFixture : public ServiceFixture {
 protected:
  static constexpr char kDatabase[] = "social_db";

  static void SetUpTestSuite() {
    StartSharedServer("social");
    friends_ = ::social::v1::FriendService::NewStub(channel());
    guilds_ = ::social::v1::GuildService::NewStub(channel());
    chat_ = ::social::v1::ChatService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    friends_.reset();
    guilds_.reset();
    chat_.reset();
    StopSharedServer();
  }

  inline static std::unique_ptr<::social::v1::FriendService::Stub> friends_;
  inline static std::unique_ptr<::social::v1::GuildService::Stub> guilds_;
  inline static std::unique_ptr<::social::v1::ChatService::Stub> chat_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SOCIAL_SOCIAL_SERVER_FIXTURE_H_
