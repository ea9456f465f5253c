#include "tests/security/test_certificates.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::testing {
namespace {

constexpr char kEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

absl::Status Run(const std::string& command, const std::string& log) {
  const std::string line = absl::StrCat(command, " >>", log, " 2>&1");
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command, " (see ", log, ")"));
  }
  return absl::OkStatus();
}

// A key and a certificate for `subject_alt_name`, signed by `ca_cert`.
absl::Status SignLeaf(const std::string& d, const std::string& log, const std::string& name,
                      const std::string& subject_alt_name, const std::string& ca_cert,
                      const std::string& cert, const std::string& key) {
  std::ofstream(d + name + ".ext") << "subjectAltName=" << subject_alt_name << "\n";
  absl::Status request = Run(absl::StrCat("openssl req ", kEcKey, " -subj /CN=", name, " -keyout ",
                                          key, " -out ", d, name, ".csr"),
                             log);
  if (!request.ok()) return request;
  return Run(
      absl::StrCat("openssl x509 -req -days 1 -in ", d, name, ".csr -CA ", ca_cert, " -CAkey ",
                   ca_cert, ".key -CAcreateserial -extfile ", d, name, ".ext -out ", cert),
      log);
}

}  // namespace

absl::StatusOr<TestCertificates> TestCertificates::Make(const std::string& directory,
                                                        const std::string& server_names) {
  std::filesystem::create_directories(directory);
  const std::string d = directory + "/";
  const std::string log = d + "openssl.log";
  TestCertificates certs{d + "ca.crt",     d + "other_ca.crt", d + "server.crt",
                         d + "server.key", d + "client.crt",   d + "client.key"};
  for (const auto& [name, cert] : {std::pair<std::string, std::string>{"qs-test-ca", certs.ca_cert},
                                   {"qs-other-ca", certs.other_ca_cert}}) {
    absl::Status made = Run(absl::StrCat("openssl req -x509 ", kEcKey, " -days 1 -subj /CN=", name,
                                         " -keyout ", cert, ".key -out ", cert),
                            log);
    if (!made.ok()) return made;
  }
  absl::Status server = SignLeaf(d, log, "localhost", server_names, certs.ca_cert,
                                 certs.server_cert, certs.server_key);
  if (!server.ok()) return server;
  absl::Status client = SignLeaf(d, log, "qs-test-client", "DNS:qs-test-client", certs.ca_cert,
                                 certs.client_cert, certs.client_key);
  if (!client.ok()) return client;
  return certs;
}

}  // namespace qs::testing
