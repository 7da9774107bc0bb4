// The commands of edgelite_sdk_bench, one per measurement that bench/run_sdk_bench.sh makes
// through the SDK. Each prints one JSON result line (JsonLine) and returns the exit status.
#ifndef EDGELITE_BENCH_SDK_SDK_COMMANDS_H_
#define EDGELITE_BENCH_SDK_SDK_COMMANDS_H_

#include "flags.h"

namespace edgelite::bench {

// make-local --path P --rows N: a local-mode file with `bench` filled like edgelite_loadgen's.
int MakeLocal(const Flags& flags);
// read --path P [--sync-url U] [--api prepare|execute] --seconds S --warmup S --rows N: point
// reads by primary key on a local-mode file or an embedded replica.
int PointReads(const Flags& flags);
// sync --path P --sync-url U [--workload initial-sync|catch-up] [--check-table T]: Sync() until
// the replica is at the primary's head, timed.
int SyncToHead(const Flags& flags);
// sustain --path P --sync-url U --mode live|loop -- WRITER...: the replica follows the primary
// while the writer runs; rows behind, frame_lag, frames/s applied, catch-up.
int Sustain(const Flags& flags);
// lag --path P --sync-url U --visible-log F -- WRITER...: a live replica records when each row
// the writer inserts becomes visible.
int Lag(const Flags& flags);
// lag-report --ack-log A --visible-log V: joins a writer's acknowledgements with a replica's
// arrivals into lag percentiles (for the SDK and for the official client alike).
int LagReport(const Flags& flags);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_SDK_COMMANDS_H_
