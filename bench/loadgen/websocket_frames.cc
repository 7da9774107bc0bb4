// Frame layout (RFC 6455 section 5.2): FIN|RSV1-3|opcode, MASK|7-bit length, then a 16- or 64-bit
// length when the 7-bit one is 126 or 127, the 4-byte mask key when MASK is set, then payload.
// Unfragmented messages are returned as views into the receive buffer, so the common case copies
// nothing; only fragmented ones are joined in a side buffer.
#include "websocket_frames.h"

namespace edgelite::bench {
namespace {

// No Hrana response the benchmark provokes is anywhere near this; a larger one means the stream
// of bytes has lost its framing.
constexpr uint64_t kMaxMessageBytes = 64 * 1024 * 1024;

bool IsControl(uint8_t opcode) {
  return (opcode & 0x8) != 0;
}

}  // namespace

void AppendClientFrame(WebSocketOpcode opcode, std::string_view payload, uint32_t mask_key,
                       std::string* out) {
  out->push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  const uint64_t size = payload.size();
  if (size < 126) {
    out->push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xFFFF) {
    out->push_back(static_cast<char>(0x80 | 126));
    out->push_back(static_cast<char>(size >> 8));
    out->push_back(static_cast<char>(size));
  } else {
    out->push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(size >> shift));
  }
  const uint8_t mask[4] = {static_cast<uint8_t>(mask_key >> 24),
                           static_cast<uint8_t>(mask_key >> 16),
                           static_cast<uint8_t>(mask_key >> 8), static_cast<uint8_t>(mask_key)};
  out->append(reinterpret_cast<const char*>(mask), 4);
  const size_t start = out->size();
  out->append(payload);
  char* data = out->data() + start;
  for (size_t i = 0; i < payload.size(); ++i) data[i] = static_cast<char>(data[i] ^ mask[i & 3]);
}

WebSocketFrameReader::Result WebSocketFrameReader::Next(std::string_view buffer,
                                                        WebSocketMessage* message) {
  while (true) {
    const std::string_view rest = buffer.substr(position_);
    if (rest.size() < 2) return Result::kNeedMore;
    const auto byte0 = static_cast<uint8_t>(rest[0]);
    const auto byte1 = static_cast<uint8_t>(rest[1]);
    const bool fin = (byte0 & 0x80) != 0;
    const uint8_t opcode = byte0 & 0x0F;
    if ((byte0 & 0x70) != 0) return Fail("frame with RSV bits set (no extension was negotiated)");
    if ((byte1 & 0x80) != 0) return Fail("server frame is masked (RFC 6455 forbids it)");
    size_t header = 2;
    uint64_t size = byte1 & 0x7F;
    if (size == 126) {
      if (rest.size() < 4) return Result::kNeedMore;
      size = (uint64_t{static_cast<uint8_t>(rest[2])} << 8) | static_cast<uint8_t>(rest[3]);
      header = 4;
    } else if (size == 127) {
      if (rest.size() < 10) return Result::kNeedMore;
      size = 0;
      for (int i = 2; i < 10; ++i) size = (size << 8) | static_cast<uint8_t>(rest[i]);
      header = 10;
    }
    if (size > kMaxMessageBytes) return Fail("frame of " + std::to_string(size) + " bytes");
    if (rest.size() < header + size) return Result::kNeedMore;
    const std::string_view payload = rest.substr(header, size);
    position_ += header + size;

    if (IsControl(opcode)) {
      if (!fin || size > 125) return Fail("fragmented or oversized control frame");
      if (opcode != 0x8 && opcode != 0x9 && opcode != 0xA) {
        return Fail("unknown control opcode " + std::to_string(opcode));
      }
      *message = {static_cast<WebSocketOpcode>(opcode), payload};
      return Result::kMessage;
    }
    if (opcode == 0x0) {
      if (!in_fragmented_message_) return Fail("continuation frame outside a message");
      fragments_.append(payload);
      if (fragments_.size() > kMaxMessageBytes) return Fail("message too large");
      if (!fin) continue;
      in_fragmented_message_ = false;
      *message = {fragmented_opcode_, fragments_};
      return Result::kMessage;
    }
    if (opcode != 0x1 && opcode != 0x2) return Fail("unknown opcode " + std::to_string(opcode));
    if (in_fragmented_message_) return Fail("new message before the fragmented one ended");
    if (fin) {
      *message = {static_cast<WebSocketOpcode>(opcode), payload};
      return Result::kMessage;
    }
    in_fragmented_message_ = true;
    fragmented_opcode_ = static_cast<WebSocketOpcode>(opcode);
    fragments_.assign(payload);
  }
}

void WebSocketFrameReader::Reset() {
  position_ = 0;
  in_fragmented_message_ = false;
  fragments_.clear();
  error_.clear();
}

WebSocketFrameReader::Result WebSocketFrameReader::Fail(std::string message) {
  error_ = std::move(message);
  return Result::kError;
}

std::string DescribeClose(std::string_view payload) {
  if (payload.size() < 2) return "close code 1005 (no status)";
  const int code = (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]);
  std::string text = "close code " + std::to_string(code);
  if (payload.size() > 2) {
    text += ": ";
    text += payload.substr(2);
  }
  return text;
}

}  // namespace edgelite::bench
