#include "common/privacy/erasure_store.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "common/privacy/user_hash.h"
#include "pqxx/binarystring"

namespace qs::privacy {
namespace {

pqxx::binarystring Bytes(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

}  // namespace

void ErasureStore::Record(db::WriteTx& tx, const std::string& user_hash,
                          const ::ops::v1::ServiceErasure& erasure) {
  tx.Query(absl::StrCat("INSERT INTO user_erasures (user_hash, service, erased_at, rows_erased) "
                        "VALUES ($1, $2, ",
                        db::TimestampSql("$3"),
                        ", $4) "
                        "ON CONFLICT (user_hash, service) DO UPDATE SET "
                        "erased_at = excluded.erased_at, rows_erased = excluded.rows_erased, "
                        "recorded_at = clock_timestamp() "
                        "WHERE user_erasures.erased_at < excluded.erased_at"),
           Bytes(user_hash), erasure.service(), db::TimestampMicros(erasure.erased_at()),
           erasure.rows_erased());
}

std::vector<::ops::v1::ServiceErasure> ErasureStore::List(db::ReadTx& tx,
                                                          const std::string& user_hash) {
  std::vector<::ops::v1::ServiceErasure> erasures;
  for (const auto& row :
       tx.Query(absl::StrCat("SELECT service, ", db::MicrosSql("erased_at"),
                             ", rows_erased FROM user_erasures WHERE user_hash = $1 "
                             "ORDER BY service"),
                Bytes(user_hash))) {
    ::ops::v1::ServiceErasure& erasure = erasures.emplace_back();
    erasure.set_service(row[0].as<std::string>());
    db::SetTimestamp(row[1].as<int64_t>(), erasure.mutable_erased_at());
    erasure.set_rows_erased(row[2].as<int64_t>());
  }
  return erasures;
}

bool ErasureStore::IsErased(db::WriteTx& tx, const std::string& user_id) {
  return !ErasedAmong(tx, {user_id}).empty();
}

std::set<std::string> ErasureStore::ErasedAmong(db::WriteTx& tx,
                                                const std::vector<std::string>& user_ids) {
  std::set<std::string> erased;
  if (user_ids.empty()) return erased;
  std::map<std::string, std::string> id_of_hash;  // hex hash -> lower-case id
  for (const std::string& id : user_ids) {
    id_of_hash.emplace(absl::BytesToHexString(UserHash(id)), absl::AsciiStrToLower(id));
  }
  std::vector<std::string> hashes;
  for (const auto& [hash, id] : id_of_hash) hashes.push_back(hash);
  for (const auto& row :
       tx.Query("SELECT DISTINCT encode(user_hash, 'hex') FROM user_erasures "
                "WHERE user_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)",
                db::ArrayLiteral(hashes))) {
    erased.insert(id_of_hash.at(row[0].as<std::string>()));
  }
  return erased;
}

int64_t ErasureStore::NowMicros(db::WriteTx& tx) {
  return tx.Query(absl::StrCat("SELECT ", db::MicrosSql("clock_timestamp()")))[0][0].as<int64_t>();
}

}  // namespace qs::privacy
