// RFC 6455 framing for a client: AppendClientFrame writes one masked frame (clients must mask
// every frame they send, section 5.3), and WebSocketFrameReader takes the server's unmasked
// frames out of a connection's receive buffer and yields whole messages, joining fragmented ones
// and passing control frames (ping, pong, close) through as they come, since they may arrive in
// the middle of a fragmented message. Extensions are never negotiated, so any RSV bit is an error.
#ifndef EDGELITE_BENCH_LOADGEN_WEBSOCKET_FRAMES_H_
#define EDGELITE_BENCH_LOADGEN_WEBSOCKET_FRAMES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgelite::bench {

enum class WebSocketOpcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Appends one final (FIN) frame carrying `payload`, masked with `mask_key`, to `out`.
void AppendClientFrame(WebSocketOpcode opcode, std::string_view payload, uint32_t mask_key,
                       std::string* out);

struct WebSocketMessage {
  WebSocketOpcode opcode;    // kText, kBinary, kClose, kPing or kPong; never kContinuation.
  std::string_view payload;  // Valid until the next call to Next() or Consume().
};

class WebSocketFrameReader {
 public:
  enum class Result { kMessage, kNeedMore, kError };

  // Reads the next message from `buffer`, which holds the connection's received bytes from the
  // last Consume() on. Call repeatedly until kNeedMore, then Consume() the bytes read so far.
  Result Next(std::string_view buffer, WebSocketMessage* message);

  // How many bytes at the start of the buffer have been fully read; the caller erases them and
  // tells the reader with Consume().
  size_t consumed() const { return position_; }
  void Consume() { position_ = 0; }

  void Reset();
  const std::string& error() const { return error_; }

 private:
  Result Fail(std::string message);

  size_t position_ = 0;
  bool in_fragmented_message_ = false;
  WebSocketOpcode fragmented_opcode_ = WebSocketOpcode::kText;
  std::string fragments_;  // Payload of the fragmented message so far.
  std::string error_;
};

// The close code (or 1005, "no status", when absent) and reason in a close frame's payload, as
// text.
std::string DescribeClose(std::string_view payload);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_WEBSOCKET_FRAMES_H_
