// A GrpcRoutes over a real database in a temporary directory and a fake frame log, driven the way
// the HTTP listener drives it: an HTTP request with a gRPC-web body in, an HTTP response out, whose
// frames the tests unpack like a client would.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cctype>
#include <chrono>
#include <future>

#include "server/database.h"
#include "server/grpc_web.h"
#include "server/replication/grpc_routes.h"
#include "server/streamed_body.h"
#include "unit/server/replication/fake_frame_source.h"
#include "unit/server/test_database.h"

namespace edgelite::replication::test {

// A response as a gRPC-web client reads it.
struct GrpcWebReply {
  int http_status = 0;
  std::vector<std::string> messages;
  server::GrpcStatus status;
  bool has_trailers = false;
};

// grpc-message as a client reads it.
inline std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(uint8_t(text[i + 1])) &&
        std::isxdigit(uint8_t(text[i + 2]))) {
      out += char(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline GrpcWebReply Unframe(const server::HttpResponse& response) {
  GrpcWebReply reply;
  reply.http_status = response.status;
  if (response.content_type != "application/grpc-web+proto") return reply;
  // A trailers-only failure: the status is in the HTTP headers.
  for (const auto& [name, value] : response.headers) {
    if (name == "grpc-status") reply.status.code = server::GrpcCode(std::stoi(value));
    if (name == "grpc-message") reply.status.message = PercentDecode(value);
  }
  std::string_view body = response.body;
  while (body.size() >= 5) {
    auto flag = uint8_t(body[0]);
    uint32_t length = uint32_t(uint8_t(body[1])) << 24 | uint32_t(uint8_t(body[2])) << 16 |
                      uint32_t(uint8_t(body[3])) << 8 | uint32_t(uint8_t(body[4]));
    std::string payload(body.substr(5, length));
    body.remove_prefix(5 + length);
    if (flag == 0x00) {
      reply.messages.push_back(std::move(payload));
      continue;
    }
    reply.has_trailers = true;
    size_t start = 0;
    while (start < payload.size()) {
      size_t end = payload.find("\r\n", start);
      if (end == std::string::npos) break;
      std::string line = payload.substr(start, end - start);
      start = end + 2;
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      if (name == "grpc-status") reply.status.code = server::GrpcCode(std::stoi(value));
      if (name == "grpc-message") reply.status.message = PercentDecode(value);
    }
  }
  return reply;
}

class GrpcRoutesHarness {
 public:
  explicit GrpcRoutesHarness(auth::AuthConfig auth_config = {}, ProxyLimits limits = {}) {
    auto authenticator = auth::Authenticator::Create(std::move(auth_config));
    EXPECT_TRUE(authenticator.ok()) << authenticator.status().message();
    authenticator_ = std::move(authenticator).value();
    routes_ = std::make_unique<GrpcRoutes>(authenticator_.get(), &streams_, limits);
  }

  ~GrpcRoutesHarness() {
    routes_->proxy().DisconnectAll();
    database_->Stop();
    routes_.reset();
  }

  server::HttpRequest Request(std::string path, const google::protobuf::MessageLite& message,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
    server::HttpRequest request;
    request.method = "POST";
    request.target = std::move(path);
    request.headers = {{"content-type", "application/grpc-web"}};
    for (auto& header : headers) request.headers.push_back(std::move(header));
    request.body = server::EncodeDataFrame(message.SerializeAsString());
    return request;
  }

  // Starts a call; Run() drives every started call to completion.
  std::future<server::HttpResponse> Start(server::HttpRequest request) {
    std::string peer = "127.0.0.1:5555";
    ReplicationTarget target{database_.shared(), frames_enabled ? &frames : nullptr};
    return boost::asio::co_spawn(
        io_, routes_->Handle(std::move(request), std::move(peer), std::move(target)),
        boost::asio::use_future);
  }
  void Run() {
    io_.restart();
    io_.run();
  }

  // The next piece of a streamed answer, which must have one ready.
  server::StreamedBody::Piece NextPiece(server::StreamedBody& body) {
    auto future = boost::asio::co_spawn(io_, body.Next(), boost::asio::use_future);
    Run();
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ADD_FAILURE() << "the streamed answer has nothing ready";
      return {};
    }
    return future.get();
  }

  GrpcWebReply Send(server::HttpRequest request) {
    auto future = Start(std::move(request));
    Run();
    return Unframe(future.get());
  }

  GrpcWebReply Call(std::string path, const google::protobuf::MessageLite& message,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Send(Request(std::move(path), message, std::move(headers)));
  }

  GrpcRoutes& routes() { return *routes_; }
  server::Database& database() { return *database_; }

  FakeFrameSource frames;
  bool frames_enabled = true;

 private:
  edgelite::test::TestDatabase database_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  server::StreamRegistry streams_{server::StreamLimits{}};
  std::unique_ptr<GrpcRoutes> routes_;
  boost::asio::io_context io_;
};

template <typename Message>
Message Parse(const GrpcWebReply& reply) {
  Message message;
  EXPECT_EQ(reply.messages.size(), 1u) << reply.status.message;
  if (!reply.messages.empty()) {
    EXPECT_TRUE(message.ParseFromString(reply.messages[0]));
  }
  return message;
}

}  // namespace edgelite::replication::test
