// gRPC-web frame encoding and decoding.
#include "protocol/grpc_web_framing.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>

#include "common/text.h"

namespace edgelite::protocol {
namespace {

constexpr uint8_t kDataFlag = 0x00;
constexpr uint8_t kCompressedFlag = 0x01;
constexpr uint8_t kTrailersFlag = 0x80;
constexpr size_t kFrameHeaderSize = 5;

std::string EncodeFrame(uint8_t flag, std::string_view payload) {
  std::string frame;
  frame.reserve(kFrameHeaderSize + payload.size());
  auto length = uint32_t(payload.size());
  frame += char(flag);
  frame += char(length >> 24);
  frame += char(length >> 16);
  frame += char(length >> 8);
  frame += char(length);
  frame += payload;
  return frame;
}

GrpcStatus Malformed(std::string_view what) {
  return {GrpcCode::kInvalidArgument, fmt::format("Malformed gRPC-web request body: {}", what)};
}

// A trailers frame holds header lines; names are case-insensitive.
GrpcStatus ParseTrailers(std::string_view block) {
  std::optional<std::string_view> status;
  std::optional<std::string_view> message;
  while (!block.empty()) {
    size_t end = block.find('\n');
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = AsciiLowercase(TrimSpaces(line.substr(0, colon)));
    if (name == "grpc-status") status = TrimSpaces(line.substr(colon + 1));
    if (name == "grpc-message") message = TrimSpaces(line.substr(colon + 1));
  }
  return StatusFromTrailers(status, message);
}

}  // namespace

// grpc-message is percent-encoded, which also keeps CR and LF out of the header line that carries
// it. The set is tonic's (so messages read as sqld's do in wire traces: spaces become %20) plus
// '%' itself, which the gRPC spec requires and tonic forgets.
std::string PercentEncodeGrpcMessage(std::string_view text) {
  constexpr std::string_view kEncoded = " \"#<>`?{}%";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = uint8_t(c);
    if (byte < 0x20 || byte > 0x7E || kEncoded.find(c) != std::string_view::npos) {
      out += fmt::format("%{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

GrpcReply<std::string> ReadSingleMessage(std::string_view body) {
  std::string message;
  size_t messages = 0;
  while (!body.empty()) {
    if (body.size() < kFrameHeaderSize) {
      return Malformed(
          fmt::format("{} trailing bytes are too few for a frame header", body.size()));
    }
    auto flag = uint8_t(body[0]);
    uint32_t length = uint32_t(uint8_t(body[1])) << 24 | uint32_t(uint8_t(body[2])) << 16 |
                      uint32_t(uint8_t(body[3])) << 8 | uint32_t(uint8_t(body[4]));
    body.remove_prefix(kFrameHeaderSize);
    if (body.size() < length) {
      return Malformed(
          fmt::format("a frame announces {} bytes but only {} follow", length, body.size()));
    }
    if (flag == kCompressedFlag) {
      return GrpcStatus{GrpcCode::kUnimplemented,
                        "Compressed gRPC messages are not supported; send them uncompressed"};
    }
    if (flag == kTrailersFlag) return Malformed("a request cannot carry a trailers frame");
    if (flag != kDataFlag) return Malformed(fmt::format("unknown frame flag 0x{:02x}", flag));
    message.assign(body.substr(0, length));
    body.remove_prefix(length);
    ++messages;
  }
  if (messages != 1) {
    return Malformed(fmt::format("expected exactly one request message, found {}", messages));
  }
  return message;
}

std::string EncodeDataFrame(std::string_view message) {
  return EncodeFrame(kDataFlag, message);
}

std::string EncodeTrailersFrame(const GrpcStatus& status) {
  std::string trailers = fmt::format("grpc-status:{}\r\n", int(status.code));
  if (!status.message.empty()) {
    trailers += fmt::format("grpc-message:{}\r\n", PercentEncodeGrpcMessage(status.message));
  }
  return EncodeFrame(kTrailersFlag, trailers);
}

std::string PercentDecodeGrpcMessage(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += char(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

GrpcStatus StatusFromTrailers(std::optional<std::string_view> grpc_status,
                              std::optional<std::string_view> grpc_message) {
  if (!grpc_status) {
    return {GrpcCode::kInternal, "the response ended without a grpc-status"};
  }
  int code = -1;
  auto [end, error] =
      std::from_chars(grpc_status->data(), grpc_status->data() + grpc_status->size(), code);
  if (error != std::errc() || end != grpc_status->data() + grpc_status->size() || code < 0 ||
      code > int(GrpcCode::kUnauthenticated)) {
    return {GrpcCode::kInternal,
            fmt::format("the response has an invalid grpc-status '{}'", *grpc_status)};
  }
  return {GrpcCode(code), grpc_message ? PercentDecodeGrpcMessage(*grpc_message) : std::string()};
}

void GrpcWebResponseReader::Feed(std::string_view bytes) {
  if (ending_) {
    if (!bytes.empty() && ending_->ok()) {
      ending_ = GrpcStatus{GrpcCode::kInternal, "the response continues after its trailers"};
    }
    return;
  }
  pending_.append(bytes);
  size_t offset = 0;
  while (pending_.size() - offset >= kFrameHeaderSize) {
    auto flag = uint8_t(pending_[offset]);
    uint32_t length = uint32_t(uint8_t(pending_[offset + 1])) << 24 |
                      uint32_t(uint8_t(pending_[offset + 2])) << 16 |
                      uint32_t(uint8_t(pending_[offset + 3])) << 8 |
                      uint32_t(uint8_t(pending_[offset + 4]));
    if (length > max_message_size_) {
      ending_ = GrpcStatus{GrpcCode::kResourceExhausted,
                           fmt::format("a response frame announces {} bytes, over the limit of {}",
                                       length, max_message_size_)};
      break;
    }
    if (pending_.size() - offset - kFrameHeaderSize < length) break;
    std::string_view payload(pending_.data() + offset + kFrameHeaderSize, length);
    offset += kFrameHeaderSize + length;
    if (flag == kDataFlag) {
      messages_.emplace_back(payload);
    } else if (flag == kTrailersFlag) {
      ending_ = ParseTrailers(payload);
      if (ending_->ok() && offset != pending_.size()) {
        ending_ = GrpcStatus{GrpcCode::kInternal, "the response continues after its trailers"};
      }
      break;
    } else {
      ending_ = GrpcStatus{GrpcCode::kInternal,
                           fmt::format("the response has a frame with flag 0x{:02x}, which is "
                                       "compressed or unknown",
                                       flag)};
      break;
    }
  }
  pending_.erase(0, offset);
  if (ending_) pending_.clear();
}

std::vector<std::string> GrpcWebResponseReader::TakeMessages() {
  return std::exchange(messages_, {});
}

}  // namespace edgelite::protocol
