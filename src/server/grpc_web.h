// gRPC-web over HTTP/1.1: the framing embedded replicas use to call wal_log.ReplicationLog and
// proxy.Proxy on the user HTTP port (docs/protocol.md §9.1). A body is a sequence of frames, each a
// flag byte (0x00 data, 0x80 trailers, 0x01 compressed) and a 4-byte big-endian length; a
// response ends with a trailers frame holding `grpc-status` and `grpc-message` as HTTP header
// lines (or, when a call fails before any message, carries them as real HTTP headers with an empty
// body, as sqld does). This layer only frames: it knows nothing of protobuf or of the services.
// Only the binary encoding (application/grpc-web, application/grpc-web+proto) is served; the base64
// `-text` variant is what browsers use, and no libSQL client sends it.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/http_message.h"

namespace edgelite::server {

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

// True for the content types of binary gRPC-web requests (parameters after ';' are ignored).
bool IsGrpcWebContentType(std::string_view content_type);

// The one request message of a unary or server-streaming call: the payload of the body's single
// data frame. Otherwise the status to fail the call with: the body is truncated, holds trailers,
// holds a compressed message (no compression is negotiated, so clients never send one), or does
// not hold exactly one message.
GrpcReply<std::string> ReadSingleMessage(std::string_view body);

// One data frame carrying `message`.
std::string EncodeDataFrame(std::string_view message);
// The trailers frame that ends every response.
std::string EncodeTrailersFrame(const GrpcStatus& status);

// A complete response: HTTP 200, the messages as data frames, then the trailers. A failure with
// no messages is "trailers-only": its status goes into the HTTP headers and the body is empty.
HttpResponse MakeGrpcWebResponse(const std::vector<std::string>& messages,
                                 const GrpcStatus& status);

}  // namespace edgelite::server
