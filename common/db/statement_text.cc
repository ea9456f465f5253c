#include "common/db/statement_text.h"

#include <cctype>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace qs::db {
namespace {

bool IsTagStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsTagChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The end (one past) of the quoted run starting at `begin` with `quote`;
// a doubled quote inside stays inside. `backslashes`: E'...' strings, where
// a backslash escapes the next character.
size_t QuotedEnd(std::string_view sql, size_t begin, char quote, bool backslashes) {
  size_t i = begin + 1;
  while (i < sql.size()) {
    if (backslashes && sql[i] == '\\') {
      i += 2;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      ++i;
    }
  }
  return sql.size();
}

// The tag ("$" or "$name$") of a dollar quote starting at `begin`, or empty.
std::string_view DollarTag(std::string_view sql, size_t begin) {
  size_t i = begin + 1;
  if (i < sql.size() && sql[i] == '$') return sql.substr(begin, 2);
  if (i >= sql.size() || !IsTagStart(sql[i])) return {};
  while (i < sql.size() && IsTagChar(sql[i])) ++i;
  if (i < sql.size() && sql[i] == '$') return sql.substr(begin, i + 1 - begin);
  return {};
}

size_t CommentEnd(std::string_view sql, size_t begin) {
  if (sql[begin + 1] == '-') {
    size_t end = sql.find('\n', begin);
    return end == std::string_view::npos ? sql.size() : end;
  }
  // Block comments nest in PostgreSQL.
  int depth = 0;
  size_t i = begin;
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

}  // namespace

std::string BindLiterals(std::string_view sql, const std::vector<std::string>& literals) {
  std::string out;
  out.reserve(sql.size() + 16 * literals.size());
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    size_t skip_to = i;  // past a run copied as it is
    if (c == '\'') {
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !IsTagChar(sql[i - 2]));
      skip_to = QuotedEnd(sql, i, '\'', escapes);
    } else if (c == '"') {
      skip_to = QuotedEnd(sql, i, '"', false);
    } else if ((c == '-' || c == '/') && i + 1 < sql.size() &&
               sql[i + 1] == (c == '-' ? '-' : '*')) {
      skip_to = CommentEnd(sql, i);
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1])) &&
               (i == 0 || !IsTagChar(sql[i - 1]))) {
      size_t end = i + 1;
      size_t number = 0;
      while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) {
        number = number * 10 + static_cast<size_t>(sql[end] - '0');
        if (number > literals.size()) break;
        ++end;
      }
      if (number == 0 || number > literals.size()) {
        throw std::invalid_argument(absl::StrCat("statement placeholder $",
                                                 std::string(sql.substr(i + 1, end - i)),
                                                 " has no value (", literals.size(), " given)"));
      }
      out += literals[number - 1];
      i = end;
      continue;
    } else if (c == '$' && (i == 0 || !IsTagChar(sql[i - 1]))) {
      if (std::string_view tag = DollarTag(sql, i); !tag.empty()) {
        size_t close = sql.find(tag, i + tag.size());
        skip_to = close == std::string_view::npos ? sql.size() : close + tag.size();
      }
    }
    if (skip_to > i) {
      out.append(sql.substr(i, skip_to - i));
      i = skip_to;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace qs::db
