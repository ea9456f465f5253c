#include "common/api/keyset_cursor.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::api {
namespace {

constexpr char kIntTag = 'i';
constexpr char kStringTag = 's';
constexpr size_t kMaxValues = 16;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("page_token: malformed cursor (", why, ")"));
}

void AppendUint(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

bool ReadUint(absl::string_view& in, int bytes, uint64_t& value) {
  if (in.size() < static_cast<size_t>(bytes)) return false;
  value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(bytes);
  return true;
}

}  // namespace

KeysetCursor& KeysetCursor::AddInt(int64_t value) {
  values_.emplace_back(value);
  return *this;
}

KeysetCursor& KeysetCursor::AddString(std::string value) {
  values_.emplace_back(std::move(value));
  return *this;
}

absl::StatusOr<int64_t> KeysetCursor::Int(size_t index) const {
  if (index >= values_.size() || !std::holds_alternative<int64_t>(values_[index])) {
    return Malformed(absl::StrCat("no number at position ", index));
  }
  return std::get<int64_t>(values_[index]);
}

absl::StatusOr<std::string> KeysetCursor::String(size_t index) const {
  if (index >= values_.size() || !std::holds_alternative<std::string>(values_[index])) {
    return Malformed(absl::StrCat("no text at position ", index));
  }
  return std::get<std::string>(values_[index]);
}

std::string KeysetCursor::Serialize() const {
  std::string out;
  for (const auto& value : values_) {
    if (const int64_t* number = std::get_if<int64_t>(&value)) {
      out.push_back(kIntTag);
      AppendUint(out, static_cast<uint64_t>(*number), 8);
    } else {
      const std::string& text = std::get<std::string>(value);
      out.push_back(kStringTag);
      AppendUint(out, text.size(), 4);
      out += text;
    }
  }
  return out;
}

absl::StatusOr<KeysetCursor> KeysetCursor::Parse(absl::string_view bytes) {
  KeysetCursor cursor;
  while (!bytes.empty()) {
    if (cursor.values_.size() == kMaxValues) return Malformed("too many values");
    const char tag = bytes[0];
    bytes.remove_prefix(1);
    uint64_t value = 0;
    if (tag == kIntTag) {
      if (!ReadUint(bytes, 8, value)) return Malformed("short number");
      cursor.AddInt(static_cast<int64_t>(value));
    } else if (tag == kStringTag) {
      if (!ReadUint(bytes, 4, value)) return Malformed("short length");
      if (value > bytes.size()) return Malformed("short text");
      cursor.AddString(std::string(bytes.substr(0, value)));
      bytes.remove_prefix(value);
    } else {
      return Malformed("unknown value type");
    }
  }
  return cursor;
}

}  // namespace qs::api
