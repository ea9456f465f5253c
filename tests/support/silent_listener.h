// A loopback TCP socket that accepts connections but never says a word: the
// kernel completes each handshake into the listen backlog and nobody reads or
// writes. It stands for a hung process or a wrong port, where a client must
// give up at its own timeout (a refused port tests the other case, at once).
//
//   SilentListener silent;
//   ASSERT_TRUE(silent.listening()) << silent.error();
//   ... connect a client to 127.0.0.1:silent.port(), expect its timeout ...
#ifndef QS_TESTS_SUPPORT_SILENT_LISTENER_H_
#define QS_TESTS_SUPPORT_SILENT_LISTENER_H_

#include <string>

namespace qs::testing {

class SilentListener {
 public:
  // Binds 127.0.0.1 on a port the kernel picks and listens; on failure
  // listening() is false and error() says which call failed and why.
  SilentListener();
  ~SilentListener();  // Closes the socket: queued connections get a reset.
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  bool listening() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // "127.0.0.1:<port>".
  std::string address() const;

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_SILENT_LISTENER_H_
