// The client of a recovery drill: one thread that inserts rows into
// `drill_rows` of a database one commit at a time, recording for each row
// when its INSERT was sent and when its commit was acknowledged. Those two
// client times bracket the row's commit timestamp (same machine, same
// clock), which is what PostgreSQL's recovery_target_time compares with:
// a row acknowledged before T must survive a restore to T, a row sent after
// T must not.
//
//   absl::StatusOr<std::unique_ptr<DrillWriter>> writer =
//       DrillWriter::Start(connection_string, absl::Milliseconds(5));
//   ...
//   (*writer)->Stop();
//   for (const DrillRow& row : (*writer)->Rows()) ...
//
// Writing stops by itself at the first error (e.g. the primary killed);
// the row then in flight is in Rows() with no acknowledgement. Thread-safe.
#ifndef QS_TESTS_BACKUP_DRILL_WRITER_H_
#define QS_TESTS_BACKUP_DRILL_WRITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::testing {

struct DrillRow {
  int64_t seq = 0;
  absl::Time sent;
  std::optional<absl::Time> acked;  // none: the commit's outcome is unknown
  std::string insert_lsn;           // WAL position of the INSERT (before its commit)
};

class DrillWriter {
 public:
  // Creates `drill_rows` (if absent) through `connection_string` and starts
  // inserting, pausing `pause` between commits.
  static absl::StatusOr<std::unique_ptr<DrillWriter>> Start(std::string connection_string,
                                                            absl::Duration pause);
  ~DrillWriter();
  DrillWriter(const DrillWriter&) = delete;
  DrillWriter& operator=(const DrillWriter&) = delete;

  // Stops writing and waits for the thread.
  void Stop();
  // Every row attempted so far, in order.
  std::vector<DrillRow> Rows() const;
  // The number of acknowledged rows.
  int64_t acked_count() const { return acked_count_.load(); }
  // What ended writing early ("" while it runs or after Stop()).
  std::string error() const;

 private:
  DrillWriter(std::string connection_string, absl::Duration pause)
      : connection_string_(std::move(connection_string)), pause_(pause) {}
  void Loop();

  const std::string connection_string_;
  const absl::Duration pause_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> acked_count_{0};
  mutable std::mutex mutex_;
  std::vector<DrillRow> rows_;  // guarded by mutex_
  std::string error_;           // guarded by mutex_
  std::thread thread_;
};

// Creates `drill_rows` (id uuid, seq, written_at) if absent.
absl::Status CreateDrillTable(const std::string& connection_string);

// The drill_rows sequence numbers in `database` at 127.0.0.1:`port`, read as
// `user`/`password`.
absl::StatusOr<std::set<int64_t>> ReadDrillSeqs(int port, const std::string& database,
                                                const std::string& user,
                                                const std::string& password);

}  // namespace qs::testing

#endif  // QS_TESTS_BACKUP_DRILL_WRITER_H_
