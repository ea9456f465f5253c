#include "common/db/pipelined_connection.h"

#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/db/pq_result.h"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

std::atomic<uint64_t> next_serial{1};

// Preparing waits this long at most for a lock on the statement's tables.
constexpr char kSetPrepareLockTimeout[] = "SET lock_timeout = '50ms'";

std::string LibpqError(const PGconn* conn) {
  if (conn == nullptr) return "out of memory";
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

}  // namespace

PipelinedConnection::PipelinedConnection(EventLoop& loop, const PipelinedConnectionOptions& options,
                                         PipelinedConnectionListener& listener)
    : loop_(loop), options_(options), listener_(listener), serial_(next_serial++) {}

PipelinedConnection::~PipelinedConnection() {
  loop_.Unwatch(watch_id_);
  if (connect_timer_ != 0) loop_.Cancel(connect_timer_);
  if (close_timer_ != 0) loop_.Cancel(close_timer_);
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::Status PipelinedConnection::Connect() {
  conn_ = PQconnectStart(options_.conninfo.c_str());
  if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
    absl::Status why = absl::UnavailableError(
        absl::StrCat("database unavailable (", options_.name, "): ", LibpqError(conn_)));
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    state_ = State::kClosed;
    return why;
  }
  // libpq enforces connect_timeout only in its blocking connect; here the
  // loop does, with a timer.
  connect_timer_ = loop_.RunAt(absl::Now() + options_.connect_timeout, [this] {
    connect_timer_ = 0;
    if (state_ != State::kConnecting && state_ != State::kPreparing) return;
    Close(absl::UnavailableError(absl::StrCat("database unavailable (", options_.name,
                                              "): no connection within ",
                                              absl::FormatDuration(options_.connect_timeout))));
  });
  // Right after PQconnectStart libpq waits to write (the TCP connect).
  WatchSocket(EPOLLOUT);
  return absl::OkStatus();
}

void PipelinedConnection::WatchSocket(uint32_t events) {
  const int fd = PQsocket(conn_);
  if (fd < 0) {
    // libpq dropped the socket (a send or read met the end of the
    // session): no event will ever come for it.
    loop_.Unwatch(watch_id_);
    watch_id_ = 0;
    watched_fd_ = -1;
    MarkBroken();
    return;
  }
  if (watch_id_ == 0 || fd != watched_fd_) {
    // libpq opens a new socket per address it tries.
    loop_.Unwatch(watch_id_);
    watched_fd_ = fd;
    watched_events_ = events;
    watch_id_ = loop_.Watch(fd, events, [this](uint32_t ready) { OnEvents(ready); });
    if (watch_id_ == 0) MarkBroken();
    return;
  }
  // While connecting the number may be a new socket's (the old one closed,
  // so out of epoll): Modify registers it again.
  if (events != watched_events_ || state_ == State::kConnecting) {
    watched_events_ = events;
    if (!loop_.Modify(watch_id_, events)) MarkBroken();
  }
}

void PipelinedConnection::MarkBroken() {
  broken_ = true;
  CloseSoon();
}

void PipelinedConnection::CloseSoon() {
  if (close_timer_ != 0 || state_ == State::kClosed) return;
  close_timer_ = loop_.RunAt(absl::Now(), [this] {
    close_timer_ = 0;
    if (state_ == State::kConnecting) {
      Close(absl::UnavailableError(
          absl::StrCat("database unavailable (", options_.name, "): ", LibpqError(conn_))));
    } else {
      Close(LostStatus());
    }
  });
}

void PipelinedConnection::OnEvents(uint32_t events) {
  if (state_ == State::kConnecting) {
    ContinueConnect();
    return;
  }
  if (!serving()) return;
  if (broken_) {
    Close(LostStatus());
    return;
  }
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
    if (PQconsumeInput(conn_) == 0) {
      // What did arrive (e.g. a FATAL naming the cause) is still answered.
      ReadResults();
      if (serving()) {
        Close(LostStatus());
      }
      return;
    }
    ReadResults();
    if (!serving()) return;
  }
  if ((events & EPOLLOUT) != 0) Flush();
  if (serving() && (PQstatus(conn_) == CONNECTION_BAD || PQsocket(conn_) < 0)) {
    Close(LostStatus());
  }
}

absl::Status PipelinedConnection::LostStatus() const {
  if (!end_of_session_.ok()) return end_of_session_;
  return absl::UnavailableError(
      absl::StrCat(options_.name, ": connection lost: ", LibpqError(conn_)));
}

void PipelinedConnection::ContinueConnect() {
  switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING:
      WatchSocket(EPOLLIN);
      return;
    case PGRES_POLLING_WRITING:
      WatchSocket(EPOLLOUT);
      return;
    case PGRES_POLLING_OK:
      OnConnectionMade();
      return;
    default:
      Close(absl::UnavailableError(
          absl::StrCat("database unavailable (", options_.name, "): ", LibpqError(conn_))));
      return;
  }
}

bool PipelinedConnection::SendSetup(const char* sql, const PreparedStatement* prepares) {
  const int queued =
      prepares != nullptr
          ? PQsendPrepare(conn_, prepares->name.c_str(), prepares->sql.c_str(), 0, nullptr)
          : PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
  if (queued != 1 || PQpipelineSync(conn_) != 1) {
    Close(absl::UnavailableError(
        absl::StrCat(options_.name, ": connection lost: ", LibpqError(conn_))));
    return false;
  }
  Expected setup{0, /*is_prepare=*/true};
  setup.prepares = prepares;
  pipeline_.push_back(std::move(setup));
  progress_.OnSent();
  return true;
}

void PipelinedConnection::OnConnectionMade() {
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    Close(absl::InternalError(
        absl::StrCat(options_.name, ": cannot enter pipeline mode: ", LibpqError(conn_))));
    return;
  }
  // Only kPrepared statements: a kPerCall one is never prepared (it goes
  // with its text on every call, Send). Preparing a statement locks its
  // tables: under a lock replayed from the primary (a migration, VACUUM
  // truncation) it would wait as long as the lock, and the connection with
  // it. So the prepares run under a short lock_timeout, and the connection
  // is ready only once they are answered: one that could not prepare is
  // sent with its text on this connection instead (planned per call).
  if (!SendSetup(kSetPrepareLockTimeout, nullptr)) return;
  for (const PreparedStatement* statement : options_.statements->to_prepare()) {
    if (!SendSetup(nullptr, statement)) return;
  }
  if (!SendSetup("RESET lock_timeout", nullptr)) return;
  state_ = State::kPreparing;
  WatchSocket(EPOLLIN);
  Flush();
}

void PipelinedConnection::OnSetUp() {
  loop_.Cancel(connect_timer_);
  connect_timer_ = 0;
  state_ = State::kReady;
  listener_.OnConnected(*this);
}

absl::Status PipelinedConnection::Send(uint64_t token, const PreparedStatement& statement,
                                       const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::optional<std::string>& param : params) {
    values.push_back(param.has_value() ? param->c_str() : nullptr);
  }
  const int count = static_cast<int>(values.size());
  // kPerCall: the unnamed statement (Parse + Bind + Execute in one go), which
  // PostgreSQL plans at Bind with this call's values and never caches, like
  // the blocking path's unprepared Query. Parameter types are left to the
  // server to infer, as the blocking path leaves them.
  const bool by_text = statement.planning == Planning::kPerCall ||
                       (!unprepared_.empty() && std::find(unprepared_.begin(), unprepared_.end(),
                                                          &statement) != unprepared_.end());
  const int queued = by_text ? PQsendQueryParams(conn_, statement.sql.c_str(), count, nullptr,
                                                 values.data(), nullptr, nullptr, 0)
                             : PQsendQueryPrepared(conn_, statement.name.c_str(), count,
                                                   values.data(), nullptr, nullptr, 0);
  if (queued != 1 && PQstatus(conn_) != CONNECTION_BAD) {
    // Refused by libpq itself, the session untouched (nothing queued):
    // the statement's fault, not the connection's.
    absl::Status refused =
        absl::InternalError(absl::StrCat("read on ", options_.name, ": libpq refused statement \"",
                                         statement.name, "\": ", LibpqError(conn_)));
    spdlog::error("{}", std::string(refused.message()));
    return refused;
  }
  pipeline_.push_back(Expected{token, /*is_prepare=*/false});
  ++queries_in_flight_;
  progress_.OnSent();
  if (PQstatus(conn_) == CONNECTION_BAD || PQpipelineSync(conn_) != 1) {
    // Answered as lost when the close timer runs, with everything else out.
    MarkBroken();
    return absl::OkStatus();
  }
  Flush();
  return absl::OkStatus();
}

void PipelinedConnection::Flush() {
  if (broken_) return;
  const int pending = PQflush(conn_);
  if (pending < 0) {
    MarkBroken();
    return;
  }
  // Wait for writability only while libpq holds unsent bytes.
  WatchSocket(pending == 1 ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
}

void PipelinedConnection::ReadResults() {
  // In pipeline mode PQgetResult returns NULL after each query's results,
  // and PQisBusy is false when nothing is pending at all; so the loop is
  // driven by what we sent (pipeline_), never by "until NULL".
  bool after_null = false;
  while (!pipeline_.empty() && serving()) {
    if (PQisBusy(conn_) != 0) return;
    PGresult* res = PQgetResult(conn_);
    Expected& front = pipeline_.front();
    if (res == nullptr) {
      // One NULL ends a query's results (its sync follows); a second in a
      // row means nothing more will come now: e.g. the session ended after
      // a FATAL, and PQgetResult would return NULL forever.
      if (!front.got_result || after_null || PQstatus(conn_) == CONNECTION_BAD) return;
      after_null = true;
      continue;
    }
    after_null = false;
    const ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      Expected finished = std::move(front);
      pipeline_.pop_front();
      progress_.OnAnswered();
      if (!finished.is_prepare) --queries_in_flight_;
      Deliver(std::move(finished));
      continue;
    }
    if (front.got_result) {
      PQclear(res);  // A second result for one statement: not ours to expect.
      continue;
    }
    front.got_result = true;
    if (status == PGRES_FATAL_ERROR && PqResultLostConnection(conn_, res)) {
      front.end = QueryEnd::kConnectionLost;
      MarkBroken();  // The session ends: send nothing more here.
    }
    front.outcome = ResultFromPq(conn_, res, absl::StrCat("read on ", options_.name));
    if (front.end == QueryEnd::kConnectionLost) end_of_session_ = front.outcome->status();
  }
}

void PipelinedConnection::Deliver(Expected finished) {
  if (finished.is_prepare) {
    if (finished.outcome.has_value() && !finished.outcome->ok()) {
      // Its tables were locked (lock_timeout), or its SQL is wrong: either
      // way it goes with its text here, and a wrong one fails with its own
      // error on every call.
      spdlog::warn("{}: {} not prepared on this connection (sent with its text): {}", options_.name,
                   finished.prepares != nullptr ? finished.prepares->name : "a setting",
                   std::string(finished.outcome->status().message()));
      if (finished.prepares != nullptr) unprepared_.push_back(finished.prepares);
    }
    if (state_ == State::kPreparing && pipeline_.empty()) OnSetUp();
    return;
  }
  if (!finished.outcome.has_value()) {
    finished.outcome = absl::InternalError(absl::StrCat(options_.name, ": no result for a query"));
  }
  listener_.OnQueryDone(*this, finished.token, std::move(*finished.outcome), finished.end);
}

std::optional<uint64_t> PipelinedConnection::head_token() const {
  if (pipeline_.empty() || pipeline_.front().is_prepare) return std::nullopt;
  return pipeline_.front().token;
}

PGcancel* PipelinedConnection::Abandon(absl::Status why) {
  if (state_ == State::kClosed) return nullptr;
  PGcancel* cancel = ready() && !broken_ ? PQgetCancel(conn_) : nullptr;
  if (end_of_session_.ok()) end_of_session_ = std::move(why);
  MarkBroken();
  return cancel;
}

void PipelinedConnection::Close(absl::Status why) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (connect_timer_ != 0) loop_.Cancel(connect_timer_);
  connect_timer_ = 0;
  if (close_timer_ != 0) loop_.Cancel(close_timer_);
  close_timer_ = 0;
  loop_.Unwatch(watch_id_);
  watch_id_ = 0;
  watched_fd_ = -1;
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  std::vector<uint64_t> unanswered;
  for (const Expected& expected : pipeline_) {
    if (!expected.is_prepare) unanswered.push_back(expected.token);
  }
  pipeline_.clear();
  queries_in_flight_ = 0;
  listener_.OnClosed(*this, std::move(why), std::move(unanswered));
}

}  // namespace qs::db
