// A loopback TCP proxy in front of a nats-server that drops one client
// connection at a chosen moment: when the client sends bytes containing an
// armed needle (e.g. an event id in a Nats-Msg-Id header), those bytes are
// not forwarded and the connection is closed, as a network failure would
// lose them. Later connections (the client's reconnect) are forwarded.
//
//   DroppingProxy proxy(nats.port());
//   proxy.DropWhenClientSends(event_id);
//   settings.nats_url = proxy.url();
#ifndef QS_TESTS_COMMON_EVENTS_DROPPING_PROXY_H_
#define QS_TESTS_COMMON_EVENTS_DROPPING_PROXY_H_

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qs::testing {

class DroppingProxy {
 public:
  explicit DroppingProxy(int upstream_port);
  ~DroppingProxy();
  DroppingProxy(const DroppingProxy&) = delete;
  DroppingProxy& operator=(const DroppingProxy&) = delete;

  // nats://127.0.0.1:<the proxy's port>
  std::string url() const;

  // Arms the drop (once): the next client bytes containing `needle`.
  void DropWhenClientSends(const std::string& needle);
  // How many connections were dropped so far.
  int drops() const { return drops_.load(); }

 private:
  void Accept();
  void Pump(int from, int to, bool from_client);
  void Register(int fd);

  const int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> drops_{0};
  std::thread acceptor_;

  std::mutex mutex_;  // Guards the three below.
  std::string needle_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_COMMON_EVENTS_DROPPING_PROXY_H_
