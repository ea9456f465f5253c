// Runs one of the fake push servers (fake_fcm.py, fake_apns.py) as a child
// process and talks to its control server.
//
//   auto fcm = FakePushServer::Start(getenv("FAKE_FCM"), {});
//   fcm->Script("send", R"([{"status": 503, "headers": {"retry-after": "5"}}])");
//   ... send through the provider under test ...
//   EXPECT_EQ(fcm->Counter("oauth_calls"), 1);
//
// The fakes generate their TLS test CA and credentials at start-up into a
// directory under TEST_TMPDIR; ready.json there says the ports and files.
#ifndef QS_TESTS_NOTIFICATION_DELIVERY_FAKE_PUSH_SERVER_H_
#define QS_TESTS_NOTIFICATION_DELIVERY_FAKE_PUSH_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "notification/delivery/http_client.h"

namespace qs::notification::delivery::testing {

class FakePushServer {
 public:
  // Starts /usr/bin/python3 `script` --state-dir DIR `args`; waits for
  // ready.json (aborts the test binary if it never comes).
  static std::unique_ptr<FakePushServer> Start(const std::string& script,
                                               const std::vector<std::string>& args);
  ~FakePushServer();

  int Port(const std::string& name) const;
  std::string File(const std::string& name) const;
  std::string Url(const std::string& port_name) const;

  // Control (fake_common.py): queue answers (a JSON array) for `route`.
  void Script(const std::string& route, const std::string& answers_json);
  void Configure(const std::string& config_json);
  void Reset();
  // Requests received since the last Reset, oldest first.
  std::vector<google::protobuf::Struct> Requests();
  int Counter(const std::string& name);
  // The child's stderr so far (for failure messages).
  std::string Log() const;

 private:
  FakePushServer(pid_t pid, std::string dir, google::protobuf::Struct ready);
  std::string Control(const std::string& method, const std::string& path, const std::string& body);

  pid_t pid_;
  std::string dir_;
  google::protobuf::Struct ready_;
  HttpClient control_;
};

}  // namespace qs::notification::delivery::testing

#endif  // QS_TESTS_NOTIFICATION_DELIVERY_FAKE_PUSH_SERVER_H_
