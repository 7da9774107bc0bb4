// The WebSocket client: non-blocking socket, poll() with deadlines, RFC 6455 framing.
#include "integration/differential/websocket_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "integration/http_client.h"

namespace edgelite::differential {
namespace {

using Clock = WebSocketClient::Clock;

constexpr uint8_t kContinuation = 0x0;
constexpr uint8_t kText = 0x1;
constexpr uint8_t kBinary = 0x2;
constexpr uint8_t kClose = 0x8;
constexpr uint8_t kPing = 0x9;
constexpr uint8_t kPong = 0xA;

using integration::Lower;
using integration::PollFor;

}  // namespace

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(uint16_t port,
                                                                  std::string_view subprotocol,
                                                                  Clock::time_point deadline) {
  Result<int> fd = integration::ConnectLoopback(port, deadline);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<WebSocketClient> client(new WebSocketClient(*fd));
  std::string upgrade =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: " +
      std::string(subprotocol) + "\r\n\r\n";
  if (Status sent = client->SendAll(upgrade, deadline); !sent.ok()) return sent;
  size_t head_end;
  while ((head_end = client->buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (Status read = client->ReadMore(deadline); !read.ok()) return read;
  }
  std::string head = client->buffer_.substr(0, head_end);
  client->buffer_.erase(0, head_end + 4);
  if (head.compare(0, 12, "HTTP/1.1 101") != 0) {
    return Status::Io("the WebSocket upgrade was refused: " + head);
  }
  if (Lower(head).find("sec-websocket-protocol: " + Lower(subprotocol)) == std::string::npos) {
    return Status::Io("the server did not choose subprotocol " + std::string(subprotocol) + ": " +
                      head);
  }
  return client;
}

WebSocketClient::~WebSocketClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status WebSocketClient::SendAll(std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(size_t(sent));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return Status::Io(std::string("WebSocket send: ") + std::strerror(errno));
    if (!PollFor(fd_, POLLOUT, deadline)) return Status::Io("WebSocket send timed out");
  }
  return Status::Ok();
}

Status WebSocketClient::ReadMore(Clock::time_point deadline) {
  char chunk[64 * 1024];
  while (true) {
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer_.append(chunk, size_t(got));
      return Status::Ok();
    }
    if (got == 0) return Status::Io("the server closed the WebSocket connection");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return Status::Io(std::string("WebSocket recv: ") + std::strerror(errno));
    if (!PollFor(fd_, POLLIN, deadline)) return Status::Io("timed out waiting for the server");
  }
}

Status WebSocketClient::SendFrame(uint8_t opcode, std::string_view payload,
                                  Clock::time_point deadline) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame += char(0x80 | opcode);
  if (payload.size() < 126) {
    frame += char(0x80 | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    frame += char(0x80 | 126);
    frame += char(payload.size() >> 8);
    frame += char(payload.size() & 0xFF);
  } else {
    frame += char(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      frame += char((uint64_t(payload.size()) >> shift) & 0xFF);
  }
  // xorshift: the mask only has to vary, not to be secret, between a test and its own server.
  mask_seed_ ^= mask_seed_ << 13;
  mask_seed_ ^= mask_seed_ >> 17;
  mask_seed_ ^= mask_seed_ << 5;
  char mask[4];
  std::memcpy(mask, &mask_seed_, 4);
  frame.append(mask, 4);
  for (size_t i = 0; i < payload.size(); ++i) frame += char(payload[i] ^ mask[i % 4]);
  return SendAll(frame, deadline);
}

Status WebSocketClient::SendText(std::string_view text, Clock::time_point deadline) {
  return SendFrame(kText, text, deadline);
}

Result<std::string> WebSocketClient::ReceiveText(Clock::time_point deadline) {
  std::string message;
  bool in_message = false;
  while (true) {
    // One whole frame in buffer_, or read more.
    if (buffer_.size() < 2) {
      if (Status read = ReadMore(deadline); !read.ok()) return read;
      continue;
    }
    auto byte = [&](size_t i) { return uint8_t(buffer_[i]); };
    bool fin = byte(0) & 0x80;
    uint8_t opcode = byte(0) & 0x0F;
    bool masked = byte(1) & 0x80;
    uint64_t length = byte(1) & 0x7F;
    size_t header = 2;
    if (length == 126) {
      header = 4;
      if (buffer_.size() < header) {
        if (Status read = ReadMore(deadline); !read.ok()) return read;
        continue;
      }
      length = (uint64_t(byte(2)) << 8) | byte(3);
    } else if (length == 127) {
      header = 10;
      if (buffer_.size() < header) {
        if (Status read = ReadMore(deadline); !read.ok()) return read;
        continue;
      }
      length = 0;
      for (size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    }
    if (masked) header += 4;
    if (buffer_.size() < header + length) {
      if (Status read = ReadMore(deadline); !read.ok()) return read;
      continue;
    }
    std::string payload = buffer_.substr(header, size_t(length));
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= buffer_[header - 4 + i % 4];
    }
    buffer_.erase(0, header + size_t(length));
    switch (opcode) {
      case kPing:
        if (Status sent = SendFrame(kPong, payload, deadline); !sent.ok()) return sent;
        continue;
      case kPong:
        continue;
      case kClose: {
        unsigned code = payload.size() >= 2 ? (uint8_t(payload[0]) << 8) | uint8_t(payload[1]) : 0;
        return Status::Io("the server closed the WebSocket with code " + std::to_string(code) +
                          (payload.size() > 2 ? ": " + payload.substr(2) : std::string()));
      }
      case kBinary:
        return Status::Io("the server sent a binary WebSocket message on a JSON subprotocol");
      case kText:
      case kContinuation:
        if ((opcode == kText) == in_message) {
          return Status::Io("the server sent a malformed fragmented WebSocket message");
        }
        in_message = true;
        message += payload;
        if (fin) return message;
        continue;
      default:
        return Status::Io("the server sent WebSocket opcode " + std::to_string(opcode));
    }
  }
}

}  // namespace edgelite::differential
