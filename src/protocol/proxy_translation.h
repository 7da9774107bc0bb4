// Translation between proxy.Proxy messages and the Hrana model, so that a delegated write runs
// through the one executor every other protocol uses (docs/protocol.md §10). A proxy Program is a
// Hrana batch under another name: steps with optional conditions over earlier steps' outcomes;
// values arrive and leave as bincode. Where sqld's proxy and its Hrana executor disagree, the
// differences are kept here and said so.
#pragma once

#include <variant>

#include "edgelite/status.h"
#include "hrana/model.h"
#include "proxy.pb.h"

namespace edgelite::replication {

// Fails (InvalidArgument) on what sqld rejects before running anything: a step without a query,
// a query without params, an empty condition, undecodable values; also on a condition naming a
// negative step, and on named params whose names and values do not pair up.
Result<hrana::Batch> ProgramToBatch(const proxy::Program& program);

// One QueryResult per step: its error, its rows, or, for a step whose condition was false, an
// empty result (as sqld reports it). `in_transaction` is the connection's state afterwards.
proxy::ExecuteResults ToExecuteResults(const hrana::BatchResult& result, bool in_transaction);

// A per-step error as sqld reports it: SQLite's own message, code INTERNAL (SQL_ERROR for bad
// arguments) and the SQLite result code.
proxy::Error ToProxyError(const hrana::Error& error);

// SQLite's own message inside a Hrana error: sqld's proxy reports rusqlite's text, which is just
// that, where the Hrana executor wraps it ("SQLite error: ...", "SQL input error: ... (at offset
// N)") for Hrana clients. Other errors keep their text.
std::string SqliteMessageOf(const hrana::Error& error);

proxy::Description ToDescription(const hrana::DescribeResult& result);

// --- The client direction: an embedded replica delegating statements to its primary ---

// A statement as a one-step program (values as bincode, params always present as sqld wants).
proxy::Program StmtToProgram(const hrana::Stmt& stmt);

// A step's outcome as the Hrana model has it: rows, or the error with SQLite's code restored
// from the extended code ("SQLITE_CONSTRAINT", message "SQLite error: ..." as the Hrana executor
// words it). InvalidArgument when a value does not decode.
Result<std::variant<hrana::StmtResult, hrana::Error>> FromQueryResult(
    const proxy::QueryResult& result);

}  // namespace edgelite::replication
