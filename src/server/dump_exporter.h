// ExportDump: a database as the SQL text that rebuilds it, in the form sqld's `GET /dump` gives
// (upstream `connection/dump/exporter.rs`, itself a port of the sqlite3 shell's `.dump`): `PRAGMA
// foreign_keys=OFF;`, `BEGIN TRANSACTION;`, each table's `CREATE TABLE IF NOT EXISTS` and its rows
// as `INSERT INTO t VALUES(...);`, `sqlite_sequence` last among the tables, then indexes, triggers
// and views, and `COMMIT;`. Virtual tables are written into sqlite_schema under `PRAGMA
// writable_schema=ON` (their shadow tables are ordinary tables, dumped with their rows), as the
// shell does. The text loads into an empty database with the `sqlite3` shell and gives the same
// content.
//
// Where sqld's text would not load or would change a value, edgelite writes what keeps the content
// (each case is marked in dump_exporter.cc): reals keep their type and infinities load, text with
// NUL characters keeps them, quotes inside identifiers and virtual tables' SQL are escaped.
//
// The dump reads in one read transaction of its own, so it is consistent at one commit. It knows
// nothing of HTTP: it hands its text to a sink in pieces of about kDumpPieceBytes, so memory stays
// bounded whatever the size of the database (one value is held whole, as SQLite holds it).
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <functional>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::server {

constexpr size_t kDumpPieceBytes = 64 * 1024;

struct DumpOptions {
  // sqld's `preserve_row_ids`: rows of tables whose rowid is not a column keep their rowid (the
  // column list then starts with `rowid`), so that references to rowids survive a reload.
  bool preserve_row_ids = false;
};

// Takes the next piece of the text; false stops the dump (its reader has gone).
using DumpSink = std::function<bool(std::string_view piece)>;

// Writes the dump of `db`'s main database to `sink`. `db` must be in autocommit mode; the read
// transaction the dump opens is ended before it returns. A sink that refuses a piece ends the
// dump with kUnavailable.
Status ExportDump(sqlite3* db, const DumpOptions& options, const DumpSink& sink);

}  // namespace edgelite::server
