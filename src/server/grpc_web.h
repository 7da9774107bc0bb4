// gRPC-web over HTTP/1.1 on the server: which requests are gRPC-web calls and the HTTP response
// that carries a call's messages and status (docs/protocol.md §9.1). Only the binary encoding
// (application/grpc-web, application/grpc-web+proto) is served; the base64 `-text` variant is what
// browsers use, and no libSQL client sends it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/grpc_web_framing.h"
#include "server/http_message.h"
#include "server/streamed_body.h"

namespace edgelite::server {

// The framing lives in protocol/ (the SDK's replica client reads what these write); the server
// names its types here.
using protocol::GrpcCode;
using protocol::GrpcReply;
using protocol::GrpcStatus;
using protocol::GrpcStream;
using protocol::EncodeDataFrame;
using protocol::EncodeTrailersFrame;
using protocol::ReadSingleMessage;

// True for the content types of binary gRPC-web requests (parameters after ';' are ignored).
bool IsGrpcWebContentType(std::string_view content_type);

// A complete response: HTTP 200, the messages as data frames, then the trailers. A failure with
// no messages is "trailers-only": its status goes into the HTTP headers and the body is empty.
HttpResponse MakeGrpcWebResponse(const std::vector<std::string>& messages,
                                 const GrpcStatus& status);

// A response sent while `body` produces it: HTTP 200, then data frames and trailers as they come
// (a server-streaming call that may last as long as the client stays).
HttpResponse MakeStreamedGrpcWebResponse(std::shared_ptr<StreamedBody> body);

}  // namespace edgelite::server
