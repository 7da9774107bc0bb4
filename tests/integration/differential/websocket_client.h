// A minimal blocking WebSocket client (RFC 6455) over a loopback socket, enough to speak Hrana's
// JSON subprotocol to the server: the upgrade handshake, masked text frames out, text frames in
// (reassembled from fragments, with pings answered). Every wait has a deadline, so a wedged
// server fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::differential {

class WebSocketClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to 127.0.0.1:`port`, upgrades `GET /` offering `subprotocol`, and checks that the
  // server chose it.
  static Result<std::unique_ptr<WebSocketClient>> Connect(uint16_t port,
                                                          std::string_view subprotocol,
                                                          Clock::time_point deadline);
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;
  ~WebSocketClient();

  Status SendText(std::string_view text, Clock::time_point deadline);
  // The next text message. A close frame, a binary message or a dropped connection is an error.
  Result<std::string> ReceiveText(Clock::time_point deadline);

 private:
  explicit WebSocketClient(int fd) : fd_(fd) {}
  Status SendFrame(uint8_t opcode, std::string_view payload, Clock::time_point deadline);
  Status SendAll(std::string_view bytes, Clock::time_point deadline);
  // Appends what the socket has to buffer_; an error at EOF or on timeout.
  Status ReadMore(Clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  uint32_t mask_seed_ = 0x9e3779b9u;
};

}  // namespace edgelite::differential
