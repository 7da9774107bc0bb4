// Thin helpers over the BSD socket calls the load generator needs: resolve the server address
// once, open TCP connections with Nagle disabled (requests are small and latency matters), and
// turn errno into a message. Kept apart so the event loop reads as protocol logic only.
#ifndef EDGELITE_BENCH_LOADGEN_SOCKET_UTIL_H_
#define EDGELITE_BENCH_LOADGEN_SOCKET_UTIL_H_

#include <sys/socket.h>

#include <string>

namespace edgelite::bench {

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
};

// Resolves `host` (a name or an IPv4/IPv6 literal) and `port`; false with `error` set on failure.
bool ResolveEndpoint(const std::string& host, int port, Endpoint* out, std::string* error);

// Opens a TCP socket to `endpoint` with TCP_NODELAY. A non-blocking socket may still be
// connecting when this returns (wait for it to become writable, then check ConnectError).
// Returns the descriptor, or -1 with `error` set.
int OpenConnection(const Endpoint& endpoint, bool non_blocking, std::string* error);

// The pending error of a non-blocking connect (0 when it succeeded).
int ConnectError(int fd);

// "<what>: <strerror(errno)>".
std::string ErrnoMessage(const char* what);
std::string ErrnoMessage(const char* what, int error_number);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_SOCKET_UTIL_H_
