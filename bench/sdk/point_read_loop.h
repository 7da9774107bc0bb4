// RunPointReads: the timed loop that every point-read variant shares (SDK prepared statement, SDK
// Execute, raw SQLite autocommit, raw SQLite in one read transaction), so that they differ only
// in the read itself. Ids are uniform in 1..rows from a fixed seed (the same sequence for every
// variant); the clock is read once per block of reads, not per read, since a clock read costs a
// noticeable fraction of a microsecond-long read. A warm-up runs first and is not counted.
#ifndef EDGELITE_BENCH_SDK_POINT_READ_LOOP_H_
#define EDGELITE_BENCH_SDK_POINT_READ_LOOP_H_

#include <cstdint>

#include "../loadgen/fast_random.h"
#include "json_line.h"
#include "timing.h"

namespace edgelite::bench {

struct PointReadResult {
  int64_t reads = 0;   // reads that returned exactly the expected row
  int64_t errors = 0;  // reads that failed or returned something else
  double seconds = 0;  // measured time (warm-up excluded)

  // Adds reads, reads_per_s, ns_per_read, errors and seconds to a result line.
  void AddTo(JsonLine& line) const {
    line.Integer("reads", reads)
        .Real("reads_per_s", seconds > 0 ? double(reads) / seconds : 0, 0)
        .Real("ns_per_read", reads > 0 ? seconds * 1e9 / double(reads) : 0, 1)
        .Integer("errors", errors)
        .Real("seconds", seconds);
  }
};

// `read(id)` reads the row with that id and says whether it got exactly that one row.
template <typename ReadFunction>
PointReadResult RunPointReads(double warmup_seconds, double seconds, int64_t rows,
                              ReadFunction&& read) {
  constexpr int kBlock = 256;
  FastRandom random(0x5eedbe4c);
  PointReadResult result;
  auto run_for = [&](double duration, bool counted) {
    double started = SteadySeconds();
    double now = started;
    while (now - started < duration) {
      for (int i = 0; i < kBlock; ++i) {
        bool ok = read(random.Between1And(rows));
        if (counted) ++(ok ? result.reads : result.errors);
      }
      now = SteadySeconds();
    }
    return now - started;
  };
  run_for(warmup_seconds, false);
  result.seconds = run_for(seconds, true);
  return result;
}

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_POINT_READ_LOOP_H_
