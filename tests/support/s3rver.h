// A local S3-compatible server (npm s3rver) of one test's own, on a free
// loopback port with a fresh data directory and one bucket, for the backup
// tool's S3 target. The binary comes from env QS_S3RVER (tests/run_all.sh
// passes it); without it the test FAILS.
//
//   S3rver s3;                                  // started, answering
//   std::map<std::string, std::string> env = s3.BackupEnv("nightly");
//   // BACKUP_TARGET=s3://backups/nightly, BACKUP_S3_ENDPOINT=http://127.0.0.1:PORT, keys
//   s3.Stop();   ... UNAVAILABLE ...   s3.Start();   // same port and data
//
// Objects live under data_dir()/<bucket>/<key>._S3rver_object (raw bytes,
// what a test searches for plaintext).
#ifndef QS_TESTS_SUPPORT_S3RVER_H_
#define QS_TESTS_SUPPORT_S3RVER_H_

#include <map>
#include <memory>
#include <string>

#include "tests/support/service_process.h"

namespace qs::testing {

class S3rver {
 public:
  // Starts it; the test fails (gtest assertion) when QS_S3RVER is unset or
  // the server does not answer HTTP within 20 s.
  S3rver();
  ~S3rver();
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string endpoint() const;
  // "127.0.0.1:<port>"
  std::string host_port() const;
  const std::string& bucket() const { return bucket_; }
  const std::string& data_dir() const { return data_dir_; }
  // s3rver's fixed credentials; other keys are refused (403).
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  // The backup tool's settings for s3://<bucket>/<prefix> on this server.
  std::map<std::string, std::string> BackupEnv(const std::string& prefix) const;

  // Starts it again (same port and data); true once it answers.
  bool Start();
  // SIGTERM and wait; idempotent.
  void Stop();

 private:
  int port_;
  std::string bucket_ = "backups";
  std::string data_dir_;
  std::unique_ptr<ServiceProcess> process_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_S3RVER_H_
