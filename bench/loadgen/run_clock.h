// The clock and time window shared by the load engines (HTTP and WebSocket): a run sends load
// from its start, counts only what completes after `measure_start` (the warm-up is over), and
// stops at `end` whatever state the server is in.
#ifndef EDGELITE_BENCH_LOADGEN_RUN_CLOCK_H_
#define EDGELITE_BENCH_LOADGEN_RUN_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace edgelite::bench {

using Nanoseconds = int64_t;

// Monotonic time; never jumps with the wall clock.
inline Nanoseconds Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Timing {
  Nanoseconds measure_start;
  Nanoseconds end;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_RUN_CLOCK_H_
