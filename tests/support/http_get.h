// A minimal HTTP GET against a loopback port, for tests that read a
// service's own HTTP endpoints (the Prometheus metrics endpoint).
#ifndef QS_TESTS_SUPPORT_HTTP_GET_H_
#define QS_TESTS_SUPPORT_HTTP_GET_H_

#include <string>

namespace qs::testing {

// The body of GET `path` on 127.0.0.1:`port` (HTTP/1.0: the server closes
// when done), or "" when the request fails or the answer is not 200 OK.
std::string HttpGet(int port, const std::string& path);

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_HTTP_GET_H_
