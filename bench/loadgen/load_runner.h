// RunLoad is the closed-loop load engine: it keeps `connections` HTTP/1.1 keep-alive connections,
// each with exactly one request in flight, and sends the next request on a connection as soon as
// the previous response has been read and checked. One or more threads each run an epoll loop
// over their share of the connections with non-blocking sockets. Only responses that complete
// inside the measured window (after the warm-up) count; the run ends on time even if the server
// stops answering, and requests still outstanding then are reported as unfinished, not as done.
#ifndef EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_
#define EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_

#include <array>
#include <cstdint>
#include <string>

#include "latency_histogram.h"
#include "options.h"
#include "socket_util.h"
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

  uint64_t errors() const;
  void Merge(const LoadResult& other);
};

LoadResult RunLoad(const Options& options, const Endpoint& endpoint);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_
