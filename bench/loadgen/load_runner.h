// RunLoad is the closed-loop load engine: it keeps `connections` HTTP/1.1 keep-alive connections,
// each with exactly one request in flight, and sends the next request on a connection as soon as
// the previous response has been read and checked (for ws-point-read it runs the WebSocket engine
// of ws_load_worker.h instead, with `pipeline` requests in flight per socket). One or more threads
// each run an epoll loop over their share of the connections with non-blocking sockets. Only
// responses that complete inside the measured window (after the warm-up) count; the run ends on
// time even if the server stops answering, and requests still outstanding then are reported as
// unfinished, not as done.
#ifndef EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_
#define EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_

#include "load_result.h"
#include "options.h"
#include "socket_util.h"

namespace edgelite::bench {

// Also samples the generator's own CPU time at the measured window's edges, and the server's
// when options.server_pid is set.
LoadResult RunLoad(const Options& options, const Endpoint& endpoint);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_LOAD_RUNNER_H_
