// RunSetup creates and fills the benchmark tables through the server's own Hrana HTTP API, so
// every server kind under test gets the same data by the same route:
//   CREATE TABLE bench(id INTEGER PRIMARY KEY, v TEXT)    -- `rows` rows, ids 1..rows, v = 100
//                                                           -- random lowercase letters (fixed
//                                                           seed)
//   CREATE TABLE bench_w(id INTEGER PRIMARY KEY, v TEXT)  -- empty, the insert workload's target
// The rows go in one transaction: BEGIN opens a Hrana stream whose baton is passed along with
// each multi-row INSERT request, and COMMIT closes it. A final count(*) proves the data landed.
#ifndef EDGELITE_BENCH_LOADGEN_TABLE_SETUP_H_
#define EDGELITE_BENCH_LOADGEN_TABLE_SETUP_H_

#include "options.h"
#include "socket_util.h"

namespace edgelite::bench {

// Returns a process exit code; prints one JSON line on success and the reason on failure.
int RunSetup(const Options& options, const Endpoint& endpoint);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_TABLE_SETUP_H_
