// TLS and mutual TLS on a real service binary, with certificates this test
// makes with openssl: a client without a valid certificate is refused.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/service_process.h"

namespace qs::testing {
namespace {

std::string Binary() { return std::getenv("SERVICE_BINARY"); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A CA, a server certificate for 127.0.0.1 / localhost, a client certificate
// from the same CA, and a client certificate from an unrelated CA.
class Certificates {
 public:
  Certificates() {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/certs");
    std::string script = absl::StrCat(
        "set -e; mkdir -p ", dir_, "; cd ", dir_, "; ",
        "ca() { openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=$1 "
        "-keyout $1.key -out $1.pem 2>/dev/null; }; ",
        "leaf() { openssl req -newkey rsa:2048 -nodes -subj /CN=$1 -keyout $1.key "
        "-out $1.csr 2>/dev/null; printf 'subjectAltName=%s\\n' \"$3\" > $1.ext; "
        "openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial "
        "-days 1 -extfile $1.ext -out $1.pem 2>/dev/null; }; ",
        "ca test-ca; ca rogue-ca; ", "leaf server test-ca 'IP:127.0.0.1,DNS:localhost'; ",
        "leaf client test-ca 'DNS:quest-client'; ", "leaf rogue rogue-ca 'DNS:rogue-client'");
    EXPECT_EQ(std::system(script.c_str()), 0) << "openssl failed";
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Pem(const std::string& name) const { return ReadFile(Path(name)); }

 private:
  std::string dir_;
};

std::shared_ptr<grpc::ChannelCredentials> TlsClient(const Certificates& certs,
                                                    const std::string& identity) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = certs.Pem("test-ca.pem");
  if (!identity.empty()) {
    options.pem_private_key = certs.Pem(identity + ".key");
    options.pem_cert_chain = certs.Pem(identity + ".pem");
  }
  return grpc::SslCredentials(options);
}

std::string HealthWith(const std::string& address,
                       std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return CheckHealth(grpc::CreateChannel(address, credentials));
}

class TlsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceProcess> Start(const std::string& mode) {
    std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
    env["GRPC_TLS_MODE"] = mode;
    env["GRPC_TLS_CERT_FILE"] = certs_.Path("server.pem");
    env["GRPC_TLS_KEY_FILE"] = certs_.Path("server.key");
    env["GRPC_TLS_CLIENT_CA_FILE"] = certs_.Path("test-ca.pem");
    auto process = ServiceProcess::Start(Binary(), env);
    EXPECT_TRUE(process->WaitUntilServing(absl::Seconds(30), TlsClient(certs_, "client")))
        << process->Log();
    return process;
  }
  Certificates certs_;
};

TEST_F(TlsTest, MutualTlsAcceptsOnlyClientsWithACertificateFromTheCa) {
  auto process = Start("mtls");
  EXPECT_EQ(HealthWith(process->address(), TlsClient(certs_, "client")), "SERVING");
  EXPECT_NE(HealthWith(process->address(), TlsClient(certs_, "")), "SERVING")
      << "a client without a certificate got in";
  // A certificate from another CA: the server refuses the handshake.
  grpc::SslCredentialsOptions rogue;
  rogue.pem_root_certs = certs_.Pem("test-ca.pem");
  rogue.pem_private_key = certs_.Pem("rogue.key");
  rogue.pem_cert_chain = certs_.Pem("rogue.pem");
  EXPECT_NE(HealthWith(process->address(), grpc::SslCredentials(rogue)), "SERVING");
  EXPECT_NE(HealthWith(process->address(), grpc::InsecureChannelCredentials()), "SERVING");
}

TEST_F(TlsTest, ServerTlsEncryptsAndRefusesPlaintextClients) {
  auto process = Start("tls");
  EXPECT_EQ(HealthWith(process->address(), TlsClient(certs_, "")), "SERVING");
  EXPECT_NE(HealthWith(process->address(), grpc::InsecureChannelCredentials()), "SERVING");
}

}  // namespace
}  // namespace qs::testing
