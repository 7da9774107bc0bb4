// The client side of the RFC 6455 opening handshake: the HTTP/1.1 Upgrade request the load
// generator sends on a fresh connection, and the check of the server's answer (101 Switching
// Protocols, Upgrade: websocket, the Sec-WebSocket-Accept that proves the server read our key,
// and the subprotocol we asked for). The check is strict because a server that answers the
// handshake wrongly is broken for real clients too, and its later throughput would mean nothing.
#ifndef EDGELITE_BENCH_LOADGEN_WEBSOCKET_HANDSHAKE_H_
#define EDGELITE_BENCH_LOADGEN_WEBSOCKET_HANDSHAKE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgelite::bench {

class WebSocketHandshake {
 public:
  enum class Progress { kNeedMore, kComplete, kError };

  // `key_seed` makes the 16-byte Sec-WebSocket-Key; any value will do (RFC 6455 asks for a
  // random nonce, which only matters for proxies we never pass through).
  WebSocketHandshake(std::string_view host, int port, std::string_view path,
                     std::string_view subprotocol, uint64_t key_seed);

  // The bytes of the Upgrade request.
  const std::string& request() const { return request_; }

  // Checks the response at the start of `buffer` (everything received since the request was
  // sent). On kComplete, consumed() bytes belong to the handshake and the rest are WebSocket
  // frames; on kError, error() says what was wrong and status() holds the HTTP status if any.
  Progress Parse(std::string_view buffer);

  size_t consumed() const { return consumed_; }
  int status() const { return status_; }
  const std::string& error() const { return error_; }

 private:
  Progress Fail(std::string message);

  std::string request_;
  std::string expected_accept_;
  std::string subprotocol_;
  size_t consumed_ = 0;
  int status_ = 0;
  std::string error_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_WEBSOCKET_HANDSHAKE_H_
