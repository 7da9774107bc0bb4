// gRPC-web request recognition and response building.
#include "server/grpc_web.h"

#include "common/text.h"

namespace edgelite::server {

bool IsGrpcWebContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower = AsciiLowercase(media);
  return lower == "application/grpc-web" || lower == "application/grpc-web+proto";
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
      response.headers.emplace_back("grpc-message", protocol::PercentEncodeGrpcMessage(status.message));
    }
    return response;
  }
  for (const std::string& message : messages) response.body += EncodeDataFrame(message);
  response.body += EncodeTrailersFrame(status);
  return response;
}

HttpResponse MakeStreamedGrpcWebResponse(std::shared_ptr<StreamedBody> body) {
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/grpc-web+proto";
  response.streamed_body = std::move(body);
  return response;
}

}  // namespace edgelite::server
