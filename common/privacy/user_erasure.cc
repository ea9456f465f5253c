#include "common/privacy/user_erasure.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/events/outbox.h"
#include "common/privacy/common_tables_eraser.h"
#include "common/privacy/erasure_store.h"
#include "common/privacy/user_hash.h"

namespace qs::privacy {
namespace {

// Names the aggregate of a user's UserErasureConfirmed events (outbox
// aggregate ids are UUIDs) without his id: UUIDv5 of his hash.
constexpr absl::string_view kConfirmationNamespace = "5b0f3f0e-2a57-4c55-9d1e-6f1c8d6b7a21";

// The confirmation an event carries is its source's: the envelope's source
// is authoritative, whatever the payload says.
::ops::v1::ServiceErasure FromSource(const ::events::v1::EventEnvelope& envelope,
                                     const ::ops::v1::ServiceErasure& carried) {
  ::ops::v1::ServiceErasure erasure = carried;
  erasure.set_service(envelope.source());
  if (!erasure.has_erased_at()) *erasure.mutable_erased_at() = envelope.occurred_at();
  return erasure;
}

}  // namespace

const std::vector<std::string>& ServicesHoldingUserData() {
  static const auto* services = new std::vector<std::string>{"notification", "quest", "social"};
  return *services;
}

UserErasure::UserErasure(std::string service, EraseUserFn erase_service_rows)
    : service_(std::move(service)), erase_service_rows_(std::move(erase_service_rows)) {}

absl::StatusOr<::ops::v1::ServiceErasure> UserErasure::EraseHere(db::WriteTx& tx,
                                                                 const std::string& user_id) const {
  QS_ASSIGN_OR_RETURN(const int64_t service_rows, erase_service_rows_(tx, user_id));
  ::ops::v1::ServiceErasure erasure;
  erasure.set_service(service_);
  erasure.set_rows_erased(service_rows + EraseFromCommonTables(tx, user_id));
  db::SetTimestamp(ErasureStore::NowMicros(tx), erasure.mutable_erased_at());
  ErasureStore::Record(tx, UserHash(user_id), erasure);
  return erasure;
}

absl::StatusOr<::ops::v1::ServiceErasure> UserErasure::EraseAndAnnounce(
    db::WriteTx& tx, const std::string& user_id) const {
  const std::string user = absl::AsciiStrToLower(user_id);
  QS_ASSIGN_OR_RETURN(::ops::v1::ServiceErasure erasure, EraseHere(tx, user));
  ::ops::v1::UserErased erased;
  erased.set_user_id(user);
  *erased.mutable_erasure() = erasure;
  // After the common tables were cleaned: this event is the one that stays.
  events::AppendEvent(tx, service_, user, erased);
  return erasure;
}

absl::Status UserErasure::OnUserErased(db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                                       const ::ops::v1::UserErased& erased) const {
  if (!api::IsUuid(erased.user_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("UserErased ", envelope.id(), ": user_id is not a UUID"));
  }
  const std::string user = absl::AsciiStrToLower(erased.user_id());
  const std::string hash = UserHash(user);
  ErasureStore::Record(tx, hash, FromSource(envelope, erased.erasure()));
  QS_ASSIGN_OR_RETURN(::ops::v1::ServiceErasure erasure, EraseHere(tx, user));
  ::ops::v1::UserErasureConfirmed confirmed;
  confirmed.set_user_hash(hash);
  *confirmed.mutable_erasure() = erasure;
  events::AppendEvent(tx, service_,
                      api::UuidV5(kConfirmationNamespace, absl::BytesToHexString(hash)), confirmed);
  return absl::OkStatus();
}

absl::Status UserErasure::OnErasureConfirmed(
    db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
    const ::ops::v1::UserErasureConfirmed& confirmed) const {
  if (confirmed.user_hash().size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("UserErasureConfirmed ", envelope.id(), ": user_hash is not 32 bytes"));
  }
  ErasureStore::Record(tx, confirmed.user_hash(), FromSource(envelope, confirmed.erasure()));
  return absl::OkStatus();
}

}  // namespace qs::privacy
