// Conversions between the public SDK types (Params, Rows, Status) and the Hrana model that the
// server's executor and codecs use, so that every mode runs statements through the same model and a
// failure reads the same whether it happened in a local file or on a server.
#pragma once

#include <string_view>

#include "edgelite/rows.h"
#include "edgelite/status.h"
#include "hrana/model.h"

namespace edgelite::client {

// A statement with its arguments; named ones keep the name as given (the binder tries it as
// written, then without a prefix).
hrana::Stmt ToStmt(std::string_view sql, const Params& params);

Rows ToRows(hrana::StmtResult&& result);

// The Status for a statement's error: kSqlError for what SQLite or the statement's text caused
// ("SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: t.id"), other kinds for the
// protocol's own codes (STREAM_EXPIRED, ...).
Status ToStatus(const hrana::Error& error);

}  // namespace edgelite::client
