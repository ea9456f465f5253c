#include "tests/backup/drill_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pqxx/pqxx"

namespace qs::testing {

absl::Status CreateDrillTable(const std::string& connection_string) {
  try {
    pqxx::connection connection(connection_string);
    pqxx::nontransaction tx(connection);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS drill_rows ("
        "  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
        "  seq bigint NOT NULL UNIQUE,"
        "  written_at timestamptz NOT NULL DEFAULT clock_timestamp())");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("creating drill_rows: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<DrillWriter>> DrillWriter::Start(std::string connection_string,
                                                                absl::Duration pause) {
  if (absl::Status created = CreateDrillTable(connection_string); !created.ok()) return created;
  std::unique_ptr<DrillWriter> writer(new DrillWriter(std::move(connection_string), pause));
  writer->thread_ = std::thread([raw = writer.get()] { raw->Loop(); });
  return writer;
}

DrillWriter::~DrillWriter() { Stop(); }

void DrillWriter::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<DrillRow> DrillWriter::Rows() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rows_;
}

std::string DrillWriter::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void DrillWriter::Loop() {
  try {
    pqxx::connection connection(connection_string_);
    connection.prepare("insert",
                       "INSERT INTO drill_rows (seq) VALUES ($1) "
                       "RETURNING pg_current_wal_insert_lsn()::text");
    for (int64_t seq = 1; !stop_; ++seq) {
      DrillRow row;
      row.seq = seq;
      row.sent = absl::Now();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        rows_.push_back(row);
      }
      // Autocommit: exec returns once the commit is flushed.
      pqxx::nontransaction tx(connection);
      const std::string lsn = tx.exec_prepared1("insert", seq)[0].as<std::string>();
      const absl::Time acked = absl::Now();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        rows_.back().acked = acked;
        rows_.back().insert_lsn = lsn;
      }
      ++acked_count_;
      absl::SleepFor(pause_);
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = e.what();
  }
}

absl::StatusOr<std::set<int64_t>> ReadDrillSeqs(int port, const std::string& database,
                                                const std::string& user,
                                                const std::string& password) {
  try {
    pqxx::connection connection(absl::StrCat("host=127.0.0.1 port=", port, " dbname=", database,
                                             " user=", user, " password=", password,
                                             " connect_timeout=5 application_name=pitr-drill"));
    pqxx::nontransaction tx(connection);
    std::set<int64_t> seqs;
    for (const auto& row : tx.exec("SELECT seq FROM drill_rows")) seqs.insert(row[0].as<int64_t>());
    return seqs;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("reading drill_rows of ", database, " on port ", port, ": ", e.what()));
  }
}

}  // namespace qs::testing
