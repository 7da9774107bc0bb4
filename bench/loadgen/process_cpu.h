// Reads how much CPU time another process (the server under test) has used, from
// /proc/<pid>/stat, so a run can report the server's CPU cost per request. The load generator
// samples it exactly at the start and the end of the measured window, which a script sampling
// before and after the whole run (warm-up included) could not do.
#ifndef EDGELITE_BENCH_LOADGEN_PROCESS_CPU_H_
#define EDGELITE_BENCH_LOADGEN_PROCESS_CPU_H_

#include <optional>

namespace edgelite::bench {

// User + system CPU seconds used so far by every thread of process `pid`; nullopt if it is gone
// or /proc is unreadable. Resolution is one clock tick (usually 10 ms).
std::optional<double> ProcessCpuSeconds(int pid);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_PROCESS_CPU_H_
