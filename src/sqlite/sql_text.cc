// A tiny keyword scanner: enough to classify statements, never a parser.
#include "sqlite/sql_text.h"

#include <sqlite3.h>

#include <cctype>
#include <string>

namespace edgelite::sqlite {
namespace {

// Blanks are what SQLite's tokenizer skips, no more and no less: what it would reject must not be
// skipped as blank, and what it skips must not hide the statement's first word from the classifier.
// A run of white space starts with one of these...
bool StartsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// ...and goes on over these: a vertical tab is white space only inside a run.
bool IsSpace(char c) {
  return StartsSpace(c) || c == '\v';
}

// A UTF-8 byte order mark, which SQLite skips between any two tokens.
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The characters of an identifier (and so of a keyword) after its first, as SQLite reads them.
bool IsIdChar(char c) {
  auto byte = static_cast<unsigned char>(c);
  return std::isalnum(byte) || c == '_' || c == '$' || byte >= 0x80;
}

// Reads the next identifier-like word after blanks; advances `text` past it.
std::string_view NextWord(std::string_view& text) {
  text = SkipBlanks(text);
  size_t n = 0;
  while (n < text.size() && IsIdChar(text[n])) ++n;
  std::string_view word = text.substr(0, n);
  text.remove_prefix(n);
  return word;
}

bool WordIs(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(word[i])) != keyword[i]) return false;
  }
  return true;
}

// The length of the quoted string or name at the start of `text` ('...', "...", `...` or [...]),
// quotes doubled inside it included; npos if it never closes.
size_t QuotedLength(std::string_view text) {
  char close = text.front() == '[' ? ']' : text.front();
  size_t i = 1;
  while (true) {
    size_t end = text.find(close, i);
    if (end == std::string_view::npos) return end;
    if (close == ']' || end + 1 == text.size() || text[end + 1] != close) return end + 1;
    i = end + 2;
  }
}

// Skips a parenthesized group at the start of `text` (after blanks), strings, quoted names and
// comments inside it included; false when `text` does not start with one or it never closes.
bool SkipParenthesized(std::string_view& text) {
  text = SkipBlanks(text);
  if (text.empty() || text.front() != '(') return false;
  int depth = 0;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      size_t length = QuotedLength(text.substr(i));
      if (length == std::string_view::npos) return false;
      i += length;
      continue;
    }
    if (c == '-' || c == '/') {
      std::string_view rest = SkipBlanks(text.substr(i));
      if (rest.size() != text.size() - i) {
        i = text.size() - rest.size();
        continue;
      }
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) {
      text.remove_prefix(i + 1);
      return true;
    }
    ++i;
  }
  return false;
}

// Reads a name, bare or quoted ("x", [x], `x`); advances `text` past it. Empty if there is none.
std::string_view NextName(std::string_view& text) {
  text = SkipBlanks(text);
  if (text.empty() || (text.front() != '"' && text.front() != '[' && text.front() != '`')) {
    return NextWord(text);
  }
  size_t length = QuotedLength(text);
  if (length == std::string_view::npos) return {};
  std::string_view name = text.substr(0, length);
  text.remove_prefix(length);
  return name;
}

// Skips the common table expressions of a WITH clause ("WITH" already read) and returns the word
// of the statement they belong to (SELECT, INSERT, ...), or an empty word if the text ends first.
std::string_view SkipCommonTableExpressions(std::string_view& text) {
  std::string_view saved = text;
  std::string_view word = NextWord(text);
  if (!WordIs(word, "RECURSIVE")) text = saved;
  word = NextName(text);
  while (!word.empty()) {
    SkipParenthesized(text);  // the optional column list
    if (!WordIs(NextWord(text), "AS")) return {};
    std::string_view saved = text;
    word = NextWord(text);
    if (WordIs(word, "NOT")) word = NextWord(text);
    if (!WordIs(word, "MATERIALIZED")) text = saved;
    if (!SkipParenthesized(text)) return {};
    text = SkipBlanks(text);
    if (text.empty() || text.front() != ',') return NextWord(text);
    text.remove_prefix(1);
    word = NextName(text);
  }
  return {};
}

// The first word of the first statement in `text`; advances `text` past it. Empty statements
// before it are skipped, as SQLite's parser does: a text cut from a sequence may start with them.
std::string_view FirstWord(std::string_view& text) {
  text = SkipBlanks(text);
  while (!text.empty() && text.front() == ';') text = SkipBlanks(text.substr(1));
  return NextWord(text);
}

}  // namespace

std::string_view SkipBlanks(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (StartsSpace(text[i])) {
      while (i < text.size() && IsSpace(text[i])) ++i;
    } else if (text.substr(i, 2) == "--") {
      // Up to the end of the line, whose newline starts a run of white space.
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end;
    } else if (text.substr(i, 2) == "/*" && i + 2 < text.size()) {
      // An unterminated comment runs to the end of the text, but a bare "/*" there is a "/".
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else if (text.substr(i, 3) == kByteOrderMark) {
      i += 3;
    } else {
      break;
    }
  }
  return text.substr(i);
}

bool IsBlankSql(std::string_view text) {
  while (true) {
    text = SkipBlanks(text);
    if (text.empty()) return true;
    if (text.front() != ';') return false;
    text.remove_prefix(1);
  }
}

StatementKind ClassifyStatement(std::string_view sql) {
  std::string_view rest = sql;
  std::string_view first = FirstWord(rest);
  // A WITH clause belongs to the statement after it: `WITH x AS (...) INSERT ...` counts changes
  // as an INSERT does.
  if (WordIs(first, "WITH")) first = SkipCommonTableExpressions(rest);
  if (WordIs(first, "BEGIN")) {
    std::string_view next = NextWord(rest);
    // Turso's syntax has CONCURRENT right after BEGIN; after TRANSACTION, SQLite reads it as the
    // transaction's name.
    if (WordIs(next, "CONCURRENT")) return StatementKind::kBeginImmediate;
    if (WordIs(next, "TRANSACTION")) next = NextWord(rest);
    if (WordIs(next, "READONLY")) return StatementKind::kBeginReadOnly;
    if (WordIs(next, "IMMEDIATE") || WordIs(next, "EXCLUSIVE")) {
      return StatementKind::kBeginImmediate;
    }
    return StatementKind::kBegin;
  }
  if (WordIs(first, "COMMIT") || WordIs(first, "END")) return StatementKind::kCommit;
  if (WordIs(first, "ROLLBACK")) {
    std::string_view next = NextWord(rest);
    if (WordIs(next, "TRANSACTION")) next = NextWord(rest);
    return WordIs(next, "TO") ? StatementKind::kRollbackTo : StatementKind::kRollback;
  }
  if (WordIs(first, "SAVEPOINT")) return StatementKind::kSavepoint;
  if (WordIs(first, "RELEASE")) return StatementKind::kRelease;
  if (WordIs(first, "PRAGMA")) return StatementKind::kPragma;
  if (WordIs(first, "VACUUM")) return StatementKind::kVacuum;
  if (WordIs(first, "INSERT") || WordIs(first, "REPLACE")) return StatementKind::kInsert;
  if (WordIs(first, "UPDATE")) return StatementKind::kUpdate;
  if (WordIs(first, "DELETE")) return StatementKind::kDelete;
  if (WordIs(first, "CREATE") || WordIs(first, "DROP") || WordIs(first, "ALTER")) {
    return StatementKind::kSchemaChange;
  }
  return StatementKind::kOther;
}

std::optional<std::string> BeginConcurrentAsImmediate(std::string_view sql) {
  static constexpr std::string_view kConcurrent = "CONCURRENT";
  static constexpr std::string_view kImmediate = "IMMEDIATE ";
  static_assert(kConcurrent.size() == kImmediate.size());
  std::string_view rest = sql;
  if (!WordIs(FirstWord(rest), "BEGIN")) return std::nullopt;
  std::string_view mode = NextWord(rest);
  if (!WordIs(mode, kConcurrent)) return std::nullopt;
  std::string text(sql);
  text.replace(size_t(mode.data() - sql.data()), mode.size(), kImmediate);
  return text;
}

bool IsTransactionControl(StatementKind kind) {
  switch (kind) {
    case StatementKind::kBegin:
    case StatementKind::kBeginImmediate:
    case StatementKind::kBeginReadOnly:
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kRollbackTo:
    case StatementKind::kSavepoint:
    case StatementKind::kRelease:
      return true;
    default:
      return false;
  }
}

std::vector<std::string_view> SplitSqlStatements(std::string_view script) {
  std::vector<std::string_view> statements;
  std::string candidate;
  size_t start = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    if (script[i] != ';') continue;
    candidate.assign(script.substr(start, i + 1 - start));
    if (!sqlite3_complete(candidate.c_str())) continue;
    std::string_view statement = script.substr(start, i + 1 - start);
    if (!IsBlankSql(statement)) statements.push_back(statement);
    start = i + 1;
  }
  std::string_view rest = script.substr(start);
  if (!IsBlankSql(rest)) statements.push_back(rest);
  return statements;
}

}  // namespace edgelite::sqlite
