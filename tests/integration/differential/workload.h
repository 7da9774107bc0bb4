// The random workload of the differential test: a small shared schema full of constraints, and a
// generator of Hrana requests over it — statements of every kind (DML with conflict clauses and
// RETURNING, reads, transactions and savepoints, DDL, temp objects, PRAGMAs, deliberate errors),
// batches with conditions, sequences, describes, cursors, stored SQL — whose values come from small
// ranges so that constraints and lock conflicts fire often. Everything it draws comes from one
// seeded generator per client, and nothing it generates is nondeterministic in SQLite itself (no
// random(), no clocks), so the reference can reproduce every answer.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "integration/differential/model.h"

namespace edgelite::differential {

// Parts of the workload that can be switched off (DIFFERENTIAL_DISABLE=temp,ddl,...), to look past
// a known difference for the next one.
struct Features {
  bool http = true;
  bool websocket = true;
  bool ddl = true;
  bool temp = true;
  bool pragmas = true;
  bool cursors = true;
  bool savepoints = true;
  bool errors = true;
  bool batches = true;
  bool stored_sql = true;
  bool connection_state = true;  // changes(), total_changes(), last_insert_rowid() in SQL
  bool describe = true;
  // Statements that open a transaction or set connection state (BEGIN, SAVEPOINT, PRAGMA,
  // CREATE TEMP ...) after the first step of a batch.
  bool state_in_batches = true;
  bool autocommit_conditions = true;  // is_autocommit in batch conditions
  bool stale_rowid = true;  // compare last_insert_rowid of INSERTs that inserted no rowid row

  // Parses a comma-separated list of the names above; unknown names are an error message.
  static std::string Disable(Features& features, const std::string& list);
};

// The schema every run starts from, one statement each.
std::vector<std::string> SchemaStatements();

// What a client knows about the stream it drives.
struct StreamState {
  bool in_transaction = false;                    // as the last get_autocommit said
  int requests_in_transaction = 0;                // rounds since it was first seen in a transaction
  int transaction_limit = 3;                      // rounds after which the client ends it
  std::map<int32_t, StmtSpec>* stored = nullptr;  // the SQL store in scope (stream or connection)
  int32_t* next_sql_id = nullptr;
};

class Workload {
 public:
  Workload(uint64_t seed, int client, Features features);

  std::mt19937_64& rng() { return rng_; }
  bool Chance(double probability);
  int Uniform(int low, int high);  // inclusive

  // The requests of the next round on a stream: sent together (one HTTP pipeline, or WebSocket
  // messages back to back). A cursor goes alone. Ends a transaction that has run long enough.
  std::vector<Request> NextRound(StreamState& state);
  // A round that ends the stream's transaction (COMMIT or ROLLBACK), then asks get_autocommit.
  std::vector<Request> EndTransaction(bool rollback);
  Request Close();
  Request GetAutocommit();

 private:
  Request Execute(StmtSpec stmt);
  Request Batch(StreamState& state, bool cursor);
  Request Sequence();
  Request DescribeRequest();
  // Prefixes the request's first SQL with its marker comment.
  void Mark(Request& request);

  StmtSpec Statement();        // a random statement, values bound or inlined
  StmtSpec InlineStatement();  // a random statement with every value written in the SQL
  StmtSpec TransactionControl();

  std::mt19937_64 rng_;
  int client_;
  Features features_;
  uint64_t counter_ = 0;
};

}  // namespace edgelite::differential
