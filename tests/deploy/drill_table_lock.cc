#include "tests/deploy/drill_table_lock.h"

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace qs::drill {
namespace {

// Longer than any case holds it: the session ends by Release(), not by time.
constexpr int kHoldSeconds = 300;

}  // namespace

HeldTableLock::HeldTableLock(const ComposeProject& project, std::string database, std::string table)
    : project_(project),
      database_(std::move(database)),
      table_(std::move(table)),
      application_name_(absl::StrCat("qsdrill_lock_", table_)) {
  holder_ = std::thread([this] {
    // Ends with an error by design: Release() cancels the sleep.
    (void)project_.Psql(
        database_,
        absl::StrCat("SET application_name = '", application_name_, "'; BEGIN; ", "LOCK TABLE ",
                     table_, " IN SHARE MODE; SELECT pg_sleep(", kHoldSeconds, "); COMMIT;"));
  });
}

HeldTableLock::~HeldTableLock() { Release(); }

absl::Status HeldTableLock::WaitFor(const std::string& condition, int minimum,
                                    absl::Duration timeout, const std::string& what) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (true) {
    absl::StatusOr<std::string> count = project_.Psql(
        database_, absl::StrCat("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                                "USING (pid) WHERE l.relation = '",
                                table_, "'::regclass AND ", condition));
    int seen = 0;
    last = count.ok() ? std::string(absl::StripAsciiWhitespace(*count)) : count.status().ToString();
    if (count.ok() && absl::SimpleAtoi(last, &seen) && seen >= minimum) return absl::OkStatus();
    if (absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      what, " not seen within ", absl::FormatDuration(timeout), " (last count: ", last, ")"));
}

absl::Status HeldTableLock::WaitHeld(absl::Duration timeout) const {
  return WaitFor(absl::StrCat("l.granted AND l.mode = 'ShareLock' AND a.application_name = '",
                              application_name_, "'"),
                 1, timeout, absl::StrCat("the SHARE lock on ", table_));
}

absl::Status HeldTableLock::WaitForBlockedWrites(int count, absl::Duration timeout) const {
  return WaitFor(absl::StrCat("NOT l.granted AND a.application_name <> '", application_name_, "'"),
                 count, timeout, absl::StrCat(count, " write(s) waiting for ", table_));
}

void HeldTableLock::Release() {
  if (released_) return;
  released_ = true;
  absl::StatusOr<std::string> cancelled = project_.Psql(
      database_, absl::StrCat("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE "
                              "application_name = '",
                              application_name_, "'"));
  if (!cancelled.ok())
    std::cerr << "releasing the lock on " << table_ << ": " << cancelled.status() << "\n";
  if (holder_.joinable()) holder_.join();
}

}  // namespace qs::drill
