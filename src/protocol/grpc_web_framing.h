// gRPC-web framing (docs/protocol.md §9.1), both directions: the server reads a call's request
// message and writes data and trailers frames; the SDK writes a request and reads a response as it
// streams in. A body is a sequence of frames, each a flag byte (0x00 data, 0x80 trailers, 0x01
// compressed) and a 4-byte big-endian length; a response ends with a trailers frame holding
// `grpc-status` and a percent-encoded `grpc-message` as HTTP header lines (or, when a call fails
// before any message, carries them as real HTTP headers with an empty body, as sqld does). Only
// framing: nothing here knows protobuf, HTTP or the services.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace edgelite::protocol {

// The gRPC status codes (the numbers are part of the wire protocol).
enum class GrpcCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// How a call ended, as the client sees it in the trailers. Messages that clients match on
// (NEED_SNAPSHOT, NO_HELLO, ...) are sent verbatim.
struct GrpcStatus {
  GrpcCode code = GrpcCode::kOk;
  std::string message;

  bool ok() const { return code == GrpcCode::kOk; }
  bool operator==(const GrpcStatus&) const = default;
};

// A unary reply: the response message, or the status the call failed with.
template <typename Message>
using GrpcReply = std::variant<Message, GrpcStatus>;

// A server-streaming reply: the messages sent, then the status that ends the stream (a stream can
// fail after some messages went out).
template <typename Message>
struct GrpcStream {
  std::vector<Message> messages;
  GrpcStatus status;
};

// The one request message of a unary or server-streaming call: the payload of the body's single
// data frame. Otherwise the status to fail the call with: the body is truncated, holds trailers,
// holds a compressed message (no compression is negotiated, so clients never send one), or does
// not hold exactly one message.
GrpcReply<std::string> ReadSingleMessage(std::string_view body);

// One data frame carrying `message`.
std::string EncodeDataFrame(std::string_view message);
// The trailers frame that ends every response.
std::string EncodeTrailersFrame(const GrpcStatus& status);

// grpc-message's percent-encoding, and its inverse (which leaves malformed escapes as they are).
std::string PercentEncodeGrpcMessage(std::string_view text);
std::string PercentDecodeGrpcMessage(std::string_view text);

// The status carried by trailers (a trailers frame's payload, or the HTTP headers of a
// trailers-only response): `grpc_status` and `grpc_message` as found, nullopt when absent.
GrpcStatus StatusFromTrailers(std::optional<std::string_view> grpc_status,
                              std::optional<std::string_view> grpc_message);

// Reads a response body incrementally, as a client receives it: Feed what arrived, then take the
// complete messages; the trailers frame ends the response. Bounded: a frame that announces more
// than `max_message_size` bytes is an error rather than a reason to buffer it.
class GrpcWebResponseReader {
 public:
  explicit GrpcWebResponseReader(size_t max_message_size = size_t(64) << 20)
      : max_message_size_(max_message_size) {}

  // Appends bytes; complete data frames become messages. After an error or the trailers, further
  // bytes are an error.
  void Feed(std::string_view bytes);
  // Moves out the messages completed so far.
  std::vector<std::string> TakeMessages();
  // The status the response ended with: from the trailers frame, or the framing error found.
  // nullopt while the response is still open.
  const std::optional<GrpcStatus>& ending() const { return ending_; }
  // True when bytes are buffered that do not yet form a whole frame.
  bool has_partial_frame() const { return !pending_.empty(); }

 private:
  size_t max_message_size_;
  std::string pending_;
  std::vector<std::string> messages_;
  std::optional<GrpcStatus> ending_;
};

}  // namespace edgelite::protocol
