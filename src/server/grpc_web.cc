// gRPC-web frame parsing and response building.
#include "server/grpc_web.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>

namespace edgelite::server {
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

// grpc-message is percent-encoded, which also keeps CR and LF out of the header line that carries
// it. The set is tonic's (so messages read as sqld's do in wire traces: spaces become %20) plus
// '%' itself, which the gRPC spec requires and tonic forgets.
std::string PercentEncode(std::string_view text) {
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

GrpcStatus Malformed(std::string_view what) {
  return {GrpcCode::kInvalidArgument, fmt::format("Malformed gRPC-web request body: {}", what)};
}

}  // namespace

bool IsGrpcWebContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower;
  for (char c : media) lower += char(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/grpc-web" || lower == "application/grpc-web+proto";
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
    trailers += fmt::format("grpc-message:{}\r\n", PercentEncode(status.message));
  }
  return EncodeFrame(kTrailersFlag, trailers);
}

HttpResponse MakeGrpcWebResponse(const std::vector<std::string>& messages,
                                 const GrpcStatus& status) {
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/grpc-web+proto";
  if (messages.empty() && !status.ok()) {
    // Trailers-only, with an empty body, exactly as sqld (tonic-web) answers a failed call.
    response.headers.emplace_back("grpc-status", std::to_string(int(status.code)));
    if (!status.message.empty()) {
      response.headers.emplace_back("grpc-message", PercentEncode(status.message));
    }
    return response;
  }
  for (const std::string& message : messages) response.body += EncodeDataFrame(message);
  response.body += EncodeTrailersFrame(status);
  return response;
}

}  // namespace edgelite::server
