#include "common/db/statement_text.h"

#include <algorithm>
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

// Walks `sql`, handing each run of SQL that is not a placeholder to
// `copy(run)` and each $n placeholder (outside strings, identifiers,
// comments and dollar quotes) to `placeholder(number, text)`; `number` is
// kTooLarge for one with more digits than any statement has values.
constexpr size_t kTooLarge = 100000;

template <typename Copy, typename Placeholder>
void Walk(std::string_view sql, Copy&& copy, Placeholder&& placeholder) {
  size_t i = 0;
  size_t run = 0;  // start of the run not yet handed to copy
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
        number = number < kTooLarge ? number * 10 + static_cast<size_t>(sql[end] - '0') : kTooLarge;
        ++end;
      }
      copy(sql.substr(run, i - run));
      placeholder(std::min(number, kTooLarge), sql.substr(i, end - i));
      i = run = end;
      continue;
    } else if (c == '$' && (i == 0 || !IsTagChar(sql[i - 1]))) {
      if (std::string_view tag = DollarTag(sql, i); !tag.empty()) {
        size_t close = sql.find(tag, i + tag.size());
        skip_to = close == std::string_view::npos ? sql.size() : close + tag.size();
      }
    }
    i = skip_to > i ? skip_to : i + 1;
  }
  copy(sql.substr(run));
}

}  // namespace

std::string BindLiterals(std::string_view sql, const std::vector<std::string>& literals) {
  std::string out;
  out.reserve(sql.size() + 16 * literals.size());
  Walk(
      sql, [&](std::string_view run) { out.append(run); },
      [&](size_t number, std::string_view text) {
        if (number == 0 || number > literals.size()) {
          throw std::invalid_argument(absl::StrCat("statement placeholder ", std::string(text),
                                                   " has no value (", literals.size(), " given)"));
        }
        out += literals[number - 1];
      });
  return out;
}

std::optional<int> PreparablePlaceholders(std::string_view sql) {
  std::vector<bool> used;
  bool valid = true;
  bool one_statement = true;
  Walk(
      sql,
      [&](std::string_view run) {
        // Any semicolon, even one inside a string: conservative, since a
        // text that is not prepared still runs (with its literals inlined).
        if (run.find(';') != std::string_view::npos) one_statement = false;
      },
      [&](size_t number, std::string_view) {
        if (number == 0 || number >= kTooLarge) {
          valid = false;
          return;
        }
        if (used.size() < number) used.resize(number, false);
        used[number - 1] = true;
      });
  if (!valid || !one_statement) return std::nullopt;
  for (bool is_used : used) {
    if (!is_used) return std::nullopt;
  }
  return static_cast<int>(used.size());
}

}  // namespace qs::db
