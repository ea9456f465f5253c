// quest.v1.PuzzleService: validate, authorise, call the store, map.
// Reads go to the replica; a puzzle just created by the caller that the
// replica has not replayed yet is read from the primary instead.
#ifndef QS_QUEST_PUZZLE_HANDLER_H_
#define QS_QUEST_PUZZLE_HANDLER_H_

#include "common/api/page_token.h"
#include "common/db/database.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/method_table.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "quest/puzzle_store.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

class PuzzleHandler final : public v1::PuzzleService::Service {
 public:
  PuzzleHandler(db::Database& database, api::PageTokenCodec page_tokens)
      : database_(database), page_tokens_(std::move(page_tokens)) {}

  // GetPuzzle and ListPuzzles run here, non-blocking
  // (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status CreatePuzzle(grpc::ServerContext* context, const v1::CreatePuzzleRequest* request,
                            v1::Puzzle* response) override;
  grpc::Status UpdatePuzzle(grpc::ServerContext* context, const v1::UpdatePuzzleRequest* request,
                            v1::Puzzle* response) override;
  grpc::Status ArchivePuzzle(grpc::ServerContext* context, const v1::ArchivePuzzleRequest* request,
                             v1::Puzzle* response) override;
  grpc::Status GetDailyPuzzle(grpc::ServerContext* context,
                              const v1::GetDailyPuzzleRequest* request,
                              v1::DailyPuzzle* response) override;
  grpc::Status GetNextPuzzle(grpc::ServerContext* context, const v1::GetNextPuzzleRequest* request,
                             v1::Puzzle* response) override;

 private:
  using ListPuzzlesReply = grpc_util::Reply<v1::ListPuzzlesRequest, v1::ListPuzzlesResponse>;

  // ListPuzzles: validates and opens the page here, answers from the
  // read path's callback.
  void ListPuzzlesAsync(const v1::ListPuzzlesRequest& request, const std::string& user,
                        ListPuzzlesReply reply);

  // GetPuzzle's confirmation of a replica miss; blocks (a worker runs it).
  absl::StatusOr<v1::Puzzle> GetFromPrimary(const std::string& id, const std::string& user);

  // The shared path of UpdatePuzzle and ArchivePuzzle, in one transaction.
  absl::StatusOr<v1::Puzzle> Modify(const std::string& user, const v1::UpdatePuzzleRequest& change);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  PuzzleStore store_;
};

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_HANDLER_H_
