// notification.v1.PreferenceService against the real notification binary:
// defaults, replace semantics, critical categories shown, bad input naming
// the field and changing nothing.
#include <string>

#include "gtest/gtest.h"
#include "tests/notification/notification_server_fixture.h"

namespace qs::testing {
namespace {

namespace v1 = ::notification::v1;

class PreferenceHandlerTest : public NotificationServerFixture {
 protected:
  static v1::Preferences Get(const std::string& user) {
    v1::Preferences preferences;
    grpc::Status status =
        preferences_->GetPreferences(As(user).get(), v1::GetPreferencesRequest(), &preferences);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return preferences;
  }

  static v1::CategoryPreference Category(const std::string& name, bool inbox_muted,
                                         bool push_muted) {
    v1::CategoryPreference category;
    category.set_category(name);
    category.set_inbox_muted(inbox_muted);
    category.set_push_muted(push_muted);
    return category;
  }
};

TEST_F(PreferenceHandlerTest, NothingSetMeansEverythingOnAndShowsTheCriticalCategories) {
  v1::Preferences preferences = Get(NewUser());
  EXPECT_EQ(preferences.categories_size(), 0);
  EXPECT_FALSE(preferences.has_quiet_hours());
  ASSERT_EQ(preferences.critical_categories_size(), 2);
  EXPECT_EQ(preferences.critical_categories(0), "account");
  EXPECT_EQ(preferences.critical_categories(1), "security");
}

TEST_F(PreferenceHandlerTest, SetReplacesEverythingAndGetShowsItAtOnce) {
  const std::string user = NewUser();
  v1::SetPreferencesRequest request;
  *request.add_categories() = Category("promo", false, true);
  *request.add_categories() = Category("digest", true, true);
  *request.add_categories() = Category("quest", false, false);  // the default: not stored
  request.mutable_quiet_hours()->set_start_minute(22 * 60);
  request.mutable_quiet_hours()->set_end_minute(7 * 60);
  request.mutable_quiet_hours()->set_time_zone("Europe/Berlin");
  v1::Preferences stored;
  ASSERT_TRUE(preferences_->SetPreferences(As(user).get(), request, &stored).ok());
  ASSERT_EQ(stored.categories_size(), 2);
  EXPECT_EQ(stored.categories(0).category(), "digest");  // by name
  EXPECT_TRUE(stored.categories(0).inbox_muted());
  EXPECT_EQ(stored.categories(1).category(), "promo");
  EXPECT_FALSE(stored.categories(1).inbox_muted());
  EXPECT_TRUE(stored.categories(1).push_muted());
  EXPECT_EQ(stored.quiet_hours().start_minute(), 1320);
  EXPECT_EQ(stored.quiet_hours().end_minute(), 420);
  EXPECT_EQ(stored.quiet_hours().time_zone(), "Europe/Berlin");
  EXPECT_EQ(stored.critical_categories_size(), 2);
  EXPECT_EQ(Get(user).SerializeAsString(), stored.SerializeAsString());
  EXPECT_EQ(Count("SELECT count(*) FROM notification_preferences WHERE user_id = $1", user), 2);

  // A second set replaces the first: promo is on again, quiet hours gone.
  v1::SetPreferencesRequest smaller;
  *smaller.add_categories() = Category("digest", false, true);
  ASSERT_TRUE(preferences_->SetPreferences(As(user).get(), smaller, &stored).ok());
  v1::Preferences now = Get(user);
  ASSERT_EQ(now.categories_size(), 1);
  EXPECT_EQ(now.categories(0).category(), "digest");
  EXPECT_FALSE(now.categories(0).inbox_muted());
  EXPECT_FALSE(now.has_quiet_hours());
  EXPECT_EQ(Count("SELECT count(*) FROM quiet_hours WHERE user_id = $1", user), 0);
  // Another user's are their own.
  EXPECT_EQ(Get(NewUser()).categories_size(), 0);
}

TEST_F(PreferenceHandlerTest, BadInputIsRejectedNamingTheFieldAndChangesNothing) {
  const std::string user = NewUser();
  v1::SetPreferencesRequest good;
  *good.add_categories() = Category("promo", false, true);
  SetPreferences(user, good);
  const std::string before = Get(user).SerializeAsString();
  struct Case {
    const char* field;
    std::function<void(v1::SetPreferencesRequest&)> mutate;
  };
  const std::vector<Case> cases = {
      {"categories[1].category", [](auto& r) { *r.add_categories() = Category("other", 1, 1); }},
      {"categories[1].category", [](auto& r) { *r.add_categories() = Category("Promo!", 1, 1); }},
      {"categories[1].category", [](auto& r) { *r.add_categories() = Category("", 1, 1); }},
      {"categories",
       [](auto& r) {
         for (int i = 0; i < 100; ++i) *r.add_categories() = Category(absl::StrCat("c", i), 1, 1);
       }},
      {"quiet_hours.start_minute", [](auto& r) { r.mutable_quiet_hours()->set_start_minute(-5); }},
      {"quiet_hours.end_minute", [](auto& r) { r.mutable_quiet_hours()->set_end_minute(1440); }},
      {"quiet_hours.end_minute", [](auto& r) { r.mutable_quiet_hours(); }},  // start == end
      {"quiet_hours.time_zone",
       [](auto& r) {
         r.mutable_quiet_hours()->set_end_minute(60);
         r.mutable_quiet_hours()->set_time_zone("Mars/Base");
       }},
  };
  for (const Case& c : cases) {
    v1::SetPreferencesRequest request;
    *request.add_categories() = Category("other", true, false);
    c.mutate(request);
    v1::Preferences stored;
    grpc::Status status = preferences_->SetPreferences(As(user).get(), request, &stored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(status.error_message().rfind(absl::StrCat(c.field, ":"), 0), 0u)
        << c.field << ": " << status.error_message();
  }
  EXPECT_EQ(Get(user).SerializeAsString(), before);
  v1::Preferences ignored;
  EXPECT_EQ(preferences_->GetPreferences(As("").get(), v1::GetPreferencesRequest(), &ignored)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace qs::testing
