// Clocks and small statistics shared by the SDK benchmark programs. Wall-clock seconds since the
// epoch are what crosses process boundaries (a writer in node stamps its rows, a replica here
// stamps their arrival); the steady clock times everything within one process.
#ifndef EDGELITE_BENCH_SDK_TIMING_H_
#define EDGELITE_BENCH_SDK_TIMING_H_

#include <vector>

namespace edgelite::bench {

// Seconds since the Unix epoch, microsecond resolution; comparable between processes.
double WallSeconds();
// Seconds on the monotonic clock, for durations within this process.
double SteadySeconds();
// The p-th percentile (0..100) of `values`, nearest rank on the sorted values; 0 when empty.
// Sorts `values` in place.
double Percentile(std::vector<double>& values, double p);
void SleepSeconds(double seconds);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_TIMING_H_
