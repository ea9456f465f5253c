#include "tests/events/stream_reader.h"

#include "absl/strings/str_cat.h"
#include "nats/nats.h"

namespace qs::testing {

absl::StatusOr<std::vector<StreamMessage>> ReadStream(const std::string& nats_url,
                                                      const std::string& stream) {
  natsConnection* connection = nullptr;
  natsStatus s = natsConnection_ConnectTo(&connection, nats_url.c_str());
  if (s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat("connect ", nats_url, ": ", natsStatus_GetText(s)));
  }
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  s = natsConnection_JetStream(&js, connection, nullptr);
  if (s == NATS_OK) s = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &error);
  absl::StatusOr<std::vector<StreamMessage>> result = std::vector<StreamMessage>{};
  if (s != NATS_OK) {
    result = error == JSStreamNotFoundErr || s == NATS_NOT_FOUND
                 ? absl::NotFoundError("no stream " + stream)
                 : absl::InternalError(absl::StrCat("stream info ", stream, ": ",
                                                    natsStatus_GetText(s), " ", error));
  } else {
    std::vector<StreamMessage> messages;
    for (uint64_t sequence = info->State.FirstSeq;
         info->State.Msgs > 0 && sequence <= info->State.LastSeq; ++sequence) {
      natsMsg* msg = nullptr;
      s = js_GetMsg(&msg, js, stream.c_str(), sequence, nullptr, &error);
      if (s == NATS_NOT_FOUND) continue;  // deleted
      if (s != NATS_OK) {
        result = absl::InternalError(
            absl::StrCat("get message ", sequence, " of ", stream, ": ", natsStatus_GetText(s)));
        break;
      }
      StreamMessage& message = messages.emplace_back();
      message.sequence = sequence;
      message.subject = natsMsg_GetSubject(msg);
      message.data.assign(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
      const char* id = nullptr;
      if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK) message.message_id = id;
      natsMsg_Destroy(msg);
    }
    if (result.ok()) result = std::move(messages);
  }
  jsStreamInfo_Destroy(info);
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
  return result;
}

}  // namespace qs::testing
