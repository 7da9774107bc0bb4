// LoadResult is what one run of a load engine measured: verified successes with their latencies,
// failures by kind, and the state at the end. Each worker thread fills its own and the results
// are merged, so nothing here is shared between threads while a run is going.
#ifndef EDGELITE_BENCH_LOADGEN_LOAD_RESULT_H_
#define EDGELITE_BENCH_LOADGEN_LOAD_RESULT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "latency_histogram.h"
#include "workload.h"

namespace edgelite::bench {

struct LoadResult {
  LatencyHistogram latency;  // Of successful requests only.
  uint64_t ok = 0;
  std::array<uint64_t, kFailureKinds> failures{};  // Indexed by Failure.
  uint64_t unfinished = 0;  // Requests still waiting for a response when time ran out.
  uint64_t reconnects = 0;
  std::string first_error;
  double measured_seconds = 0;
  // The server's CPU time over the measured window, when --server-pid was given.
  std::optional<double> server_cpu_seconds;
  // The load generator's own CPU time over the measured window (all its threads).
  std::optional<double> client_cpu_seconds;

  uint64_t errors() const;
  void Merge(const LoadResult& other);
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_LOAD_RESULT_H_
