// The answer of a keyset-paginated list read on the async path: the store's
// callback that closes the page (common/api/keyset_page.h), moves the rows
// into the response's repeated field and answers the call. Every async List
// RPC ends this way, so its handler names only what differs — the field and
// where a row sits in the order:
//
//   InboxStore::ListAsync(
//       database_.async_reads(), user, filter, page->after(), page->fetch_limit(),
//       reply.deadline(),
//       grpc_util::ReplyWithPage(reply, *page,
//                                &v1::ListNotificationsResponse::mutable_notifications,
//                                [](const v1::Notification& last) {
//                                  return api::KeysetPosition{
//                                      db::TimestampMicros(last.created_at()), last.id()};
//                                }));
//
// A store row that carries its ordering key beside the message (a name key,
// a sort timestamp) names the message member as the last argument:
//
//   grpc_util::ReplyWithPage(reply, *page, &v1::SearchGuildsResponse::mutable_guilds,
//                            [](const NamedGuild& last) { ... }, &NamedGuild::guild)
//
// Pass a copy of the page (`*page`), not a moved one: the store's other
// arguments (page->after()) are evaluated in an unspecified order with it.
// A failed read is answered with its status (no page token, no rows).
#ifndef QS_COMMON_GRPC_PAGE_REPLY_H_
#define QS_COMMON_GRPC_PAGE_REPLY_H_

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_page.h"
#include "common/grpc/async_handler.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace qs::grpc_util {
namespace page_reply_internal {

// Both forms below: `element_of(Row&)` is the Element a row contributes.
template <typename Row, typename Request, typename Response, typename Element, typename PositionOf,
          typename ElementOf>
auto Answer(Reply<Request, Response> reply, api::KeysetPage page,
            google::protobuf::RepeatedPtrField<Element>* (Response::*mutable_rows)(),
            PositionOf position_of, ElementOf element_of) {
  return [reply = std::move(reply), page = std::move(page), mutable_rows,
          position_of = std::move(position_of),
          element_of = std::move(element_of)](absl::StatusOr<std::vector<Row>> rows) {
    if (!rows.ok()) return reply(rows.status());
    Response response;
    response.set_next_page_token(page.Close(*rows, position_of));
    google::protobuf::RepeatedPtrField<Element>& field = *(response.*mutable_rows)();
    for (Row& row : *rows) *field.Add() = std::move(element_of(row));
    reply(std::move(response));
  };
}

}  // namespace page_reply_internal

// The callback for a store's RowsDone<Element> when the rows are the
// elements of the response's repeated field `mutable_rows` (e.g.
// &ListFriendsResponse::mutable_friendships). `position_of(const Element&)`
// gives the api::KeysetPosition of a row.
template <typename Request, typename Response, typename Element, typename PositionOf>
auto ReplyWithPage(Reply<Request, Response> reply, api::KeysetPage page,
                   google::protobuf::RepeatedPtrField<Element>* (Response::*mutable_rows)(),
                   PositionOf position_of) {
  return page_reply_internal::Answer<Element>(std::move(reply), std::move(page), mutable_rows,
                                              std::move(position_of),
                                              [](Element& row) -> Element& { return row; });
}

// The same for a store's RowsDone<Row> whose member `element` is what the
// response lists (the rest of Row only orders the page).
template <typename Request, typename Response, typename Element, typename PositionOf, typename Row>
auto ReplyWithPage(Reply<Request, Response> reply, api::KeysetPage page,
                   google::protobuf::RepeatedPtrField<Element>* (Response::*mutable_rows)(),
                   PositionOf position_of, Element Row::*element) {
  return page_reply_internal::Answer<Row>(std::move(reply), std::move(page), mutable_rows,
                                          std::move(position_of),
                                          [element](Row& row) -> Element& { return row.*element; });
}

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_PAGE_REPLY_H_
