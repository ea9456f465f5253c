// A nats-server (JetStream) of one test's own, on a free loopback port, for
// tests that stop, kill or wipe the broker (the suite's shared server must
// stay up for everyone else).
//
//   NatsServer nats;                  // started, healthy
//   env["NATS_URL"] = nats.url();
//   nats.Stop();  ...  nats.Start();  // same port, same store
//   nats.Stop(); nats.WipeStore(); nats.Start();   // broker loss
#ifndef QS_TESTS_SUPPORT_NATS_SERVER_H_
#define QS_TESTS_SUPPORT_NATS_SERVER_H_

#include <memory>
#include <string>

#include "tests/support/service_process.h"

namespace qs::testing {

class NatsServer {
 public:
  // Starts it; the test fails (gtest assertion in Start) if it does not
  // accept connections within 10 s.
  NatsServer();
  ~NatsServer();

  // nats://127.0.0.1:<port>
  std::string url() const;
  int port() const { return port_; }

  // Starts the server again on the same port and store; waits until it
  // accepts connections. Returns false when it does not within 10 s.
  bool Start();
  // SIGTERM and wait (JetStream flushes its store); idempotent.
  void Stop();
  // SIGKILL: no flush.
  void Kill();
  // Deletes the JetStream store directory (only while stopped).
  void WipeStore();

 private:
  int port_;
  std::string store_dir_;
  std::unique_ptr<ServiceProcess> process_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_NATS_SERVER_H_
