#include "common/api/json_check.h"

#include <cstdint>

namespace qs::api {
namespace {

constexpr int kMaxDepth = 64;

class Checker {
 public:
  explicit Checker(absl::string_view text) : text_(text) {}

  bool Object() {
    SkipSpace();
    if (!ObjectValue(0)) return false;
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  bool ObjectValue(int depth) {
    if (depth >= kMaxDepth || !Eat('{')) return false;
    SkipSpace();
    if (Eat('}')) return true;
    for (;;) {
      SkipSpace();
      if (!String()) return false;
      SkipSpace();
      if (!Eat(':') || !Value(depth + 1)) return false;
      SkipSpace();
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
    }
  }

  bool ArrayValue(int depth) {
    if (depth >= kMaxDepth || !Eat('[')) return false;
    SkipSpace();
    if (Eat(']')) return true;
    for (;;) {
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (Eat(']')) return true;
      if (!Eat(',')) return false;
    }
  }

  bool Value(int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{':
        return ObjectValue(depth);
      case '[':
        return ArrayValue(depth);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool String() {
    if (!Eat('"')) return false;
    while (pos_ < text_.size()) {
      const unsigned char c = text_[pos_++];
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (pos_ >= text_.size()) return false;
      const char escape = text_[pos_++];
      if (escape == 'u') {
        uint32_t unit = 0;
        if (!Hex4(unit) || unit == 0) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // lone low surrogate
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          uint32_t low = 0;
          if (!Eat('\\') || !Eat('u') || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) {
            return false;
          }
        }
      } else if (absl::string_view("\"\\/bfnrt").find(escape) == absl::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  bool Hex4(uint32_t& unit) {
    if (pos_ + 4 > text_.size()) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      unit = unit * 16 + digit;
    }
    return true;
  }

  bool Number() {
    Eat('-');
    if (Eat('0')) {
      // no leading zeros
    } else if (!Digits()) {
      return false;
    }
    if (Eat('.') && !Digits()) return false;
    if (Eat('e') || Eat('E')) {
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    return true;
  }

  bool Digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool IsJsonObject(absl::string_view text) { return Checker(text).Object(); }

}  // namespace qs::api
