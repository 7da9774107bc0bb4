// Writing the dump: the schema and rows as sqld writes them, value by value.
#include "server/dump_exporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/text.h"
#include "sqlite/statement.h"

namespace edgelite::server {
namespace {

// Collects the text and hands it to the sink in pieces of kDumpPieceBytes. Once the sink has
// refused a piece, everything else is dropped.
class DumpWriter {
 public:
  explicit DumpWriter(const DumpSink& sink) : sink_(sink) { buffer_.reserve(kDumpPieceBytes); }

  void Append(std::string_view text) {
    while (!text.empty() && !stopped_) {
      size_t taken = std::min(text.size(), kDumpPieceBytes - buffer_.size());
      buffer_.append(text.substr(0, taken));
      text.remove_prefix(taken);
      if (buffer_.size() == kDumpPieceBytes) Flush();
    }
  }
  void Flush() {
    if (!stopped_ && !buffer_.empty()) stopped_ = !sink_(buffer_);
    buffer_.clear();
  }
  bool stopped() const { return stopped_; }

 private:
  const DumpSink& sink_;
  std::string buffer_;
  bool stopped_ = false;
};

Status SqliteFailure(sqlite3* db, std::string_view doing) {
  return Status::Internal(fmt::format("dump failed while {}: {}", doing, sqlite3_errmsg(db)));
}

Result<sqlite::Statement> Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* handle = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &handle, nullptr) != SQLITE_OK) {
    sqlite3_finalize(handle);
    return SqliteFailure(db, fmt::format("preparing `{}`", sql));
  }
  return sqlite::Statement(handle);
}

std::string_view TextColumn(const sqlite::Statement& statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.handle(), column));
  return text ? std::string_view(text, size_t(sqlite3_column_bytes(statement.handle(), column)))
              : std::string_view();
}

bool IsIdentifierStart(unsigned char c) {
  return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool IsIdentifierPart(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

// An identifier as SQL: bare when it is a plain word that is no keyword (sqld's rule; SQLite
// takes every byte from 0x80 up as a letter), else in double quotes. sqld does not double the
// quotes inside (a table named `a"b` makes its dump fail); edgelite does.
std::string QuotedIdentifier(std::string_view name) {
  bool plain =
      !name.empty() && IsIdentifierStart(static_cast<unsigned char>(name[0])) &&
      std::all_of(name.begin(), name.end(),
                  [](char c) { return IsIdentifierPart(static_cast<unsigned char>(c)); }) &&
      sqlite3_keyword_check(name.data(), int(name.size())) == 0;
  if (plain) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

// A stand-in for newlines (or carriage returns) that `text` does not contain, as the shell
// chooses it: `\n`, else `\012`, else `(\n0)`, `(\n1)`, ...
std::string UnusedToken(std::string_view text, std::string_view first, std::string_view second) {
  if (text.find(first) == std::string_view::npos) return std::string(first);
  if (text.find(second) == std::string_view::npos) return std::string(second);
  for (int i = 0;; ++i) {
    std::string token = fmt::format("({}{})", first, i);
    if (text.find(token) == std::string_view::npos) return token;
  }
}

// A text value as a literal, as sqld writes it: quotes doubled, and newlines and carriage returns
// written as tokens that replace() turns back (a dump's line holds one statement). A NUL stays in
// the value as `'||char(0)||'` (sqld writes it raw, and the sqlite3 shell ends the statement
// there).
void AppendText(DumpWriter& out, std::string_view text) {
  constexpr std::string_view kSpecial("'\n\r\0", 4);
  if (text.find_first_of(kSpecial) == std::string_view::npos) {
    out.Append("'");
    out.Append(text);
    out.Append("'");
    return;
  }
  bool has_newline = text.find('\n') != std::string_view::npos;
  bool has_return = text.find('\r') != std::string_view::npos;
  std::string newline_token, return_token;
  if (has_newline) {
    out.Append("replace(");
    newline_token = UnusedToken(text, "\\n", "\\012");
  }
  if (has_return) {
    out.Append("replace(");
    return_token = UnusedToken(text, "\\r", "\\015");
  }
  out.Append("'");
  for (std::string_view rest = text; !rest.empty();) {
    size_t special = rest.find_first_of(kSpecial);
    out.Append(rest.substr(0, special));
    if (special == std::string_view::npos) break;
    switch (rest[special]) {
      case '\'':
        out.Append("''");
        break;
      case '\n':
        out.Append(newline_token);
        break;
      case '\r':
        out.Append(return_token);
        break;
      default:
        out.Append("'||char(0)||'");
        break;
    }
    rest.remove_prefix(special + 1);
  }
  out.Append("'");
  if (has_return) out.Append(fmt::format(",'{}',char(13))", return_token));
  if (has_newline) out.Append(fmt::format(",'{}',char(10))", newline_token));
}

void AppendBlob(DumpWriter& out, const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.Append("X'");
  char hex[4096];
  for (size_t done = 0; done < size;) {
    size_t taken = std::min(size - done, sizeof hex / 2);
    for (size_t i = 0; i < taken; ++i) {
      hex[2 * i] = kDigits[bytes[done + i] >> 4];
      hex[2 * i + 1] = kDigits[bytes[done + i] & 15];
    }
    out.Append(std::string_view(hex, 2 * taken));
    done += taken;
  }
  out.Append("'");
}

// A real as sqld writes it (Rust's formatting: the shortest digits that read back as the same
// double, never an exponent), with two fixes. A whole number keeps a `.0`: sqld's `1` for 1.0
// would load as an integer wherever the column has no REAL affinity. Infinities are `1e999`
// and `-1e999`, which SQLite reads back as infinities (sqld means to, but writes `inf`).
std::string RealText(double value) {
  if (std::isinf(value)) return value > 0 ? "1e999" : "-1e999";
  char scientific[32];
  auto written = std::to_chars(scientific, scientific + sizeof scientific, value,
                               std::chars_format::scientific);
  std::string_view text(scientific, size_t(written.ptr - scientific));
  std::string result;
  if (text.front() == '-') {
    result = "-";
    text.remove_prefix(1);
  }
  size_t e = text.find('e');
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  if (exponent < 0) {
    result += "0." + std::string(size_t(-exponent - 1), '0') + digits;
  } else if (size_t(exponent) + 1 >= digits.size()) {
    result += digits + std::string(size_t(exponent) + 1 - digits.size(), '0') + ".0";
  } else {
    result += digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
  }
  return result;
}

void AppendValue(DumpWriter& out, sqlite3_stmt* row, int column) {
  switch (sqlite3_column_type(row, column)) {
    case SQLITE_INTEGER:
      out.Append(std::to_string(sqlite3_column_int64(row, column)));
      return;
    case SQLITE_FLOAT:
      out.Append(RealText(sqlite3_column_double(row, column)));
      return;
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(row, column));
      AppendText(out, std::string_view(text, size_t(sqlite3_column_bytes(row, column))));
      return;
    }
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(row, column));
      AppendBlob(out, bytes, size_t(sqlite3_column_bytes(row, column)));
      return;
    }
    default:
      out.Append("NULL");
      return;
  }
}

struct TableColumns {
  std::vector<std::string> names;         // without generated columns, which are computed on load
  std::optional<std::string> rowid_name;  // set when the rowid is written too
};

// The columns to insert and whether the rowid goes with them. sqld's rule, which differs from the
// shell's: rowids are kept when asked for, and also, asked or not, for a table whose single
// primary key column has the type `INTEGER` but is not the rowid (`INTEGER PRIMARY KEY DESC`, a
// WITHOUT ROWID table). The rowid is then written under the first of rowid, _rowid_ and oid
// that no column takes (sqld looks for `_row_id_`, a typo, and compares case-sensitively).
Result<TableColumns> ListColumns(sqlite3* db, const std::string& table, bool preserve_row_ids) {
  auto info = Prepare(db, "SELECT name, type, pk FROM pragma_table_info(?1, 'main')");
  if (!info.ok()) return info.status();
  sqlite3_bind_text(info->handle(), 1, table.data(), int(table.size()), SQLITE_STATIC);
  TableColumns columns;
  int primary_keys = 0;
  bool integer_primary_key = false;
  int rc;
  while ((rc = info->Step()) == SQLITE_ROW) {
    columns.names.emplace_back(TextColumn(*info, 0));
    if (sqlite3_column_int(info->handle(), 2) != 0) {
      ++primary_keys;
      integer_primary_key = primary_keys == 1 && TextColumn(*info, 1) == "INTEGER";
    }
  }
  if (rc != SQLITE_DONE) return SqliteFailure(db, "listing the columns of " + table);

  if (integer_primary_key) {
    // No "pk" index when the column is the rowid itself.
    auto index = Prepare(db, "SELECT 1 FROM pragma_index_list(?1, 'main') WHERE origin = 'pk'");
    if (!index.ok()) return index.status();
    sqlite3_bind_text(index->handle(), 1, table.data(), int(table.size()), SQLITE_STATIC);
    rc = index->Step();
    if (rc == SQLITE_ROW) preserve_row_ids = true;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return SqliteFailure(db, "listing the indexes of " + table);
    }
  }
  if (!preserve_row_ids) return columns;
  for (const char* name : {"rowid", "_rowid_", "oid"}) {
    bool taken =
        std::any_of(columns.names.begin(), columns.names.end(),
                    [name](const std::string& column) { return EqualsIgnoringCase(column, name); });
    // Fails for WITHOUT ROWID tables, which have no rowid to keep.
    if (!taken && sqlite3_table_column_metadata(db, "main", table.c_str(), name, nullptr, nullptr,
                                                nullptr, nullptr, nullptr) == SQLITE_OK) {
      columns.rowid_name = name;
      break;
    }
  }
  return columns;
}

Status DumpRows(sqlite3* db, DumpWriter& out, const std::string& table, bool preserve_row_ids) {
  auto columns = ListColumns(db, table, preserve_row_ids);
  if (!columns.ok()) return columns.status();
  std::string insert = "INSERT INTO " + QuotedIdentifier(table);
  std::string select = "SELECT ";
  if (columns->rowid_name) {
    insert += "(" + *columns->rowid_name;
    select += *columns->rowid_name + ",";
  }
  for (size_t i = 0; i < columns->names.size(); ++i) {
    std::string column = QuotedIdentifier(columns->names[i]);
    if (columns->rowid_name) insert += "," + column;
    select += (i == 0 ? "" : ",") + column;
  }
  if (columns->rowid_name) insert += ")";
  insert += " VALUES(";
  select += " FROM " + QuotedIdentifier(table);

  auto rows = Prepare(db, select);
  if (!rows.ok()) return rows.status();
  int count = rows->column_count();
  int rc = SQLITE_DONE;
  while (!out.stopped() && (rc = rows->Step()) == SQLITE_ROW) {
    out.Append(insert);
    for (int i = 0; i < count; ++i) {
      if (i > 0) out.Append(",");
      AppendValue(out, rows->handle(), i);
    }
    out.Append(");\n");
  }
  if (!out.stopped() && rc != SQLITE_DONE) return SqliteFailure(db, "reading " + table);
  return Status::Ok();
}

Status WriteDump(sqlite3* db, bool preserve_row_ids, DumpWriter& out) {
  auto tables = Prepare(db,
                        "SELECT name, sql FROM sqlite_schema AS o WHERE type == 'table' AND "
                        "sql NOT NULL ORDER BY tbl_name = 'sqlite_sequence', rowid");
  if (!tables.ok()) return tables.status();
  // The first step takes the snapshot: a dump that cannot be read writes nothing.
  int rc = tables->Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteFailure(db, "reading the schema");
  out.Append("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
  bool writable_schema = false;
  for (; rc == SQLITE_ROW && !out.stopped(); rc = tables->Step()) {
    std::string name(TextColumn(*tables, 0));
    std::string_view sql = TextColumn(*tables, 1);
    if (name == "sqlite_sequence") {
      out.Append("DELETE FROM sqlite_sequence;\n");
    } else if (name.starts_with("sqlite_stat")) {
      out.Append("ANALYZE sqlite_schema;\n");
    } else if (name.starts_with("sqlite_")) {
      continue;
    } else if (sql.starts_with("CREATE VIRTUAL TABLE")) {
      // A virtual table cannot be created before its module is loaded; its rows live in its
      // shadow tables, dumped as ordinary tables. sqld escapes neither the name nor the SQL here
      // (`fts5vocab(t, 'row')` breaks its dump); edgelite does.
      if (!writable_schema) {
        out.Append("PRAGMA writable_schema=ON;\n");
        writable_schema = true;
      }
      out.Append("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table',");
      AppendText(out, name);
      out.Append(",");
      AppendText(out, name);
      out.Append(",0,");
      AppendText(out, sql);
      out.Append(");\n");
      continue;
    } else {
      constexpr std::string_view kCreateTable = "CREATE TABLE ";
      if (sql.starts_with(kCreateTable)) {
        out.Append("CREATE TABLE IF NOT EXISTS ");
        sql.remove_prefix(kCreateTable.size());
      }
      out.Append(sql);
      out.Append(";\n");
    }
    if (Status status = DumpRows(db, out, name, preserve_row_ids); !status.ok()) return status;
  }
  if (!out.stopped() && rc != SQLITE_DONE) return SqliteFailure(db, "reading the schema");

  auto others = Prepare(db,
                        "SELECT sql FROM sqlite_schema AS o WHERE sql NOT NULL AND "
                        "type IN ('index', 'trigger', 'view')");
  if (!others.ok()) return others.status();
  while (!out.stopped() && (rc = others->Step()) == SQLITE_ROW) {
    out.Append(TextColumn(*others, 0));
    out.Append(";\n");
  }
  if (!out.stopped() && rc != SQLITE_DONE) return SqliteFailure(db, "reading the schema");
  if (writable_schema) out.Append("PRAGMA writable_schema=OFF;\n");
  out.Append("COMMIT;\n");
  out.Flush();
  return Status::Ok();
}

}  // namespace

Status ExportDump(sqlite3* db, const DumpOptions& options, const DumpSink& sink) {
  if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteFailure(db, "starting a read transaction");
  }
  DumpWriter out(sink);
  Status status = WriteDump(db, options.preserve_row_ids, out);
  // Only read: nothing to commit. Every statement of the dump is finalized by now.
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  if (out.stopped()) return Status::Unavailable("the dump's reader went away before its end");
  return status;
}

}  // namespace edgelite::server
