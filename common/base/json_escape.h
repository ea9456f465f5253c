// Writing text as a JSON string, for log lines that must parse as JSON
// (LOG_FORMAT=json) whatever a message holds: quotes, backslashes, control
// characters and invalid UTF-8 (a caller's bytes echoed in an error
// message) all come out as a valid JSON string body.
//
//   fmt::memory_buffer out;
//   AppendJsonEscaped("say \"hi\"\n", out);   // say \"hi\"\n
//   spdlog::info("\"message\":\"{}\"", JsonEscaped{text});   // no copy
#ifndef QS_COMMON_BASE_JSON_ESCAPE_H_
#define QS_COMMON_BASE_JSON_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "fmt/format.h"

namespace qs::base {

// The length of the well-formed UTF-8 sequence starting at text[i] (RFC
// 3629: no overlong forms, no surrogates, nothing past U+10FFFF), 0 when
// there is none.
size_t Utf8SequenceLength(absl::string_view text, size_t i);

// Appends `text` escaped for the inside of a JSON string (no quotes): `"`
// and `\` escaped, control characters as \n, \t, ... or \u00XX, and every
// byte that is not part of a well-formed UTF-8 sequence as U+FFFD. `Buffer`
// is any fmt::basic_memory_buffer (spdlog's memory_buf_t included).
template <typename Buffer>
void AppendJsonEscaped(absl::string_view text, Buffer& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD.
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, i);
      const absl::string_view kept = length == 0 ? kReplacement : text.substr(i, length);
      out.append(kept.data(), kept.data() + kept.size());
      i += length == 0 ? 1 : length;
      continue;
    }
    const char* escape = nullptr;
    switch (c) {
      case '"':
        escape = "\\\"";
        break;
      case '\\':
        escape = "\\\\";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\t':
        escape = "\\t";
        break;
    }
    if (escape != nullptr) {
      out.append(escape, escape + 2);
    } else if (c < 0x20 || c == 0x7F) {
      const char unicode[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(unicode, unicode + sizeof(unicode));
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
}

std::string JsonEscape(absl::string_view text);

// Formats as AppendJsonEscaped(text) with fmt (and so spdlog) directly.
struct JsonEscaped {
  absl::string_view text;
};

}  // namespace qs::base

template <>
struct fmt::formatter<qs::base::JsonEscaped> {
  constexpr auto parse(format_parse_context& context) { return context.begin(); }
  template <typename Context>
  auto format(const qs::base::JsonEscaped& value, Context& context) const {
    fmt::memory_buffer escaped;
    qs::base::AppendJsonEscaped(value.text, escaped);
    return std::copy(escaped.begin(), escaped.end(), context.out());
  }
};

#endif  // QS_COMMON_BASE_JSON_ESCAPE_H_
