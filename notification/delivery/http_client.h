// HTTPS POSTs for the push providers over libcurl, HTTP/2 where the server
// offers it (ALPN), with connections kept open between requests.
//
//   HttpClient client({.ca_file = "", .require_http2 = true});
//   absl::StatusOr<HttpAnswer> answer = client.Send(
//       {.url = "https://api.push.apple.com/3/device/…", .headers = {"apns-topic: …"},
//        .body = payload});
//
// Connection reuse: the client keeps a small pool of curl easy handles; each
// Send borrows one and returns it, and an easy handle keeps its connection
// (and HTTP/2 session) open for the next request. So a worker thread calling
// Send in a loop reuses one connection, and N concurrent senders hold at
// most N connections. Thread-safe.
//
// Errors (no HTTP answer): DEADLINE_EXCEEDED for a timeout; UNAVAILABLE when
// no connection could be made (refused, DNS, TLS handshake or certificate),
// so the request was certainly not sent; ABORTED for anything after that
// (the server may have received it); FAILED_PRECONDITION when HTTP/2 is
// required and the server did not speak it.
#ifndef QS_NOTIFICATION_DELIVERY_HTTP_CLIENT_H_
#define QS_NOTIFICATION_DELIVERY_HTTP_CLIENT_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "notification/delivery/answer_table.h"

namespace qs::notification::delivery {

struct HttpClientSettings {
  // PEM bundle of trusted CAs; empty = the system's. Tests trust a test CA.
  std::string ca_file;
  absl::Duration connect_timeout = absl::Seconds(5);
  // The whole exchange, connection included.
  absl::Duration request_timeout = absl::Seconds(10);
  // APNs speaks HTTP/2 only: refuse an HTTP/1.1 answer.
  bool require_http2 = false;
};

struct HttpRequest {
  std::string url;
  // "Name: value" lines.
  std::vector<std::string> headers;
  std::string body;
  // "POST" (with `body`) or "GET".
  std::string method = "POST";
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  absl::StatusOr<HttpAnswer> Send(const HttpRequest& request);

  // New connections opened so far (for tests and diagnostics of reuse).
  int64_t connections_opened() const { return connections_opened_.load(); }

 private:
  void* Borrow();
  void Return(void* handle);

  const HttpClientSettings settings_;
  std::atomic<int64_t> connections_opened_{0};
  absl::Mutex mutex_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_HTTP_CLIENT_H_
