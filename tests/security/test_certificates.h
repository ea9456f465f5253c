// Certificates a test makes with the openssl CLI, in a directory of its own:
// two independent CAs and, from the first, a server certificate for
// localhost and 127.0.0.1 (subjectAltName) by default, as PostgreSQL needs
// them, and a client certificate (for mutual TLS).
//
//   absl::StatusOr<TestCertificates> certs = TestCertificates::Make(dir);
//   certs->ca_cert          // the CA that signed server_cert and client_cert
//   certs->other_ca_cert    // a CA that signed nothing here
//   TestCertificates::Make(dir, "DNS:quest.internal")   // a server known by that name only
#ifndef QS_TESTS_SECURITY_TEST_CERTIFICATES_H_
#define QS_TESTS_SECURITY_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/statusor.h"

namespace qs::testing {

struct TestCertificates {
  std::string ca_cert;
  std::string other_ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;  // CN and subjectAltName DNS:qs-test-client.
  std::string client_key;

  // Writes the files into `directory` (created), P-256 keys, valid a day.
  // `server_names` is the server certificate's subjectAltName value.
  static absl::StatusOr<TestCertificates> Make(
      const std::string& directory, const std::string& server_names = "DNS:localhost,IP:127.0.0.1");
};

}  // namespace qs::testing

#endif  // QS_TESTS_SECURITY_TEST_CERTIFICATES_H_
