// Tests for the SDK's HTTP client against a scripted loopback server: the request arrives as it
// was given (and without headers libcurl would add of its own accord), one connection serves many
// requests, a streamed body arrives in pieces and can be stopped, and every way an exchange fails
// gives a Status that names the URL and says which limit or cause it was.
#include "client/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "unit/client/scripted_http_server.h"

namespace edgelite::client {
namespace {

using std::chrono::milliseconds;
using test::ScriptedHttpServer;

// A loopback port with nothing listening on it: bound, then closed.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

HttpRequest Get(const std::string& url) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  return request;
}

TEST(HttpClient, SendsTheRequestAsGivenAndReadsTheResponse) {
  ScriptedHttpServer server;
  server.Enqueue({201, "application/x-protobuf", std::string("\x00\x01", 2), {{"X-Reply", "yes"}}});
  HttpClient client;
  HttpRequest request;
  request.url = server.url() + "/v3-protobuf/pipeline?x=1";
  request.headers = {{"Content-Type", "application/x-protobuf"}, {"X-Test", "value"}};
  request.body = std::string("body\0with zero", 14);

  auto response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, std::string("\x00\x01", 2));
  ASSERT_TRUE(response->Header("x-reply"));  // names come lower-cased
  EXPECT_EQ(*response->Header("x-reply"), "yes");
  EXPECT_EQ(*response->Header("content-type"), "application/x-protobuf");
  EXPECT_FALSE(response->Header("x-absent"));

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v3-protobuf/pipeline?x=1");
  EXPECT_EQ(requests[0].Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(requests[0].Header("x-test"), "value");
  EXPECT_EQ(requests[0].body, request.body);
  // A large body would otherwise wait a round trip for "100 Continue".
  EXPECT_FALSE(requests[0].HasHeader("expect"));
}

TEST(HttpClient, AddsNoContentTypeOfItsOwn) {
  ScriptedHttpServer server;
  server.Enqueue({});
  HttpClient client;
  HttpRequest request;
  request.url = server.url() + "/";
  request.body = "x";
  ASSERT_TRUE(client.Send(request).ok());
  EXPECT_FALSE(server.requests().at(0).HasHeader("content-type"));
}

TEST(HttpClient, MethodsOtherThanPost) {
  ScriptedHttpServer server;
  server.Enqueue({200, "text/plain", "v", {}});
  server.Enqueue({204, "", "", {}});
  HttpClient client;
  auto got = client.Send(Get(server.url() + "/version"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->body, "v");
  HttpRequest deletion;
  deletion.method = "DELETE";
  deletion.url = server.url() + "/v1/namespaces/x";
  auto deleted = client.Send(deletion);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(deleted->status, 204);
  const auto requests = server.requests();
  EXPECT_EQ(requests.at(0).method, "GET");
  EXPECT_EQ(requests.at(0).body, "");
  EXPECT_EQ(requests.at(1).method, "DELETE");
}

TEST(HttpClient, KeepsTheConnectionAlive) {
  ScriptedHttpServer server;
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    server.Enqueue({200, "text/plain", std::to_string(i), {}});
    auto response = client.Send(Get(server.url() + "/"));
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->body, std::to_string(i));
  }
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(HttpClient, ARefusedConnectionNamesTheUrl) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v3-protobuf/pipeline";
  HttpClient client;
  auto response = client.Send(Get(url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(
      response.status().message(),
      "cannot reach " + url + ": Connection refused; is the server running, and is the URL right?");
}

TEST(HttpClient, AnUnknownHostSaysToCheckIt) {
  HttpClient client;
  auto response = client.Send(Get("http://no-such-host.invalid/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kUnavailable);
  EXPECT_TRUE(
      response.status().message().starts_with("cannot reach http://no-such-host.invalid/: "))
      << response.status().message();
  EXPECT_TRUE(response.status().message().ends_with("; check the host name in the URL"))
      << response.status().message();
}

TEST(HttpClient, OnlyHttpAndHttps) {
  HttpClient client;
  auto response = client.Send(Get("file:///etc/passwd"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(
      response.status().message().starts_with("cannot send a request to \"file:///etc/passwd\""))
      << response.status().message();
}

TEST(HttpClient, ATimeoutSaysWhichOne) {
  ScriptedHttpServer server;
  server.Enqueue(ScriptedHttpServer::Hang());
  HttpClient client;
  HttpRequest request = Get(server.url() + "/slow");
  request.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto response = client.Send(request);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kUnavailable);
  EXPECT_TRUE(response.status().message().starts_with("no complete response from " + request.url +
                                                      " within the timeout of 300 ms"))
      << response.status().message();
}

TEST(HttpClient, AnIdleTimeoutEndsAnUnlimitedExchangeThatWentQuiet) {
  ScriptedHttpServer server;
  server.Enqueue(ScriptedHttpServer::Hang());
  HttpClient client;
  HttpRequest request = Get(server.url() + "/stream");
  request.timeout = milliseconds(0);
  request.idle_timeout = milliseconds(1000);
  const auto start = std::chrono::steady_clock::now();
  auto response = client.SendStreaming(request, [](std::string_view) { return true; });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(response.status().message(),
            request.url +
                " sent nothing for 1 s (the idle timeout); the server or the network may be down");
}

TEST(HttpClient, StreamingDeliversTheBodyInPieces) {
  ScriptedHttpServer server;
  std::string big(3 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = char(i * 7919 % 251);
  server.Enqueue({200, "application/octet-stream", big, {}});
  HttpClient client;
  std::string received;
  int pieces = 0;
  auto response = client.SendStreaming(Get(server.url() + "/dump"), [&](std::string_view piece) {
    received.append(piece);
    ++pieces;
    return true;
  });
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(*response->Header("content-type"), "application/octet-stream");
  EXPECT_EQ(received, big);
  EXPECT_GT(pieces, 1);
}

TEST(HttpClient, StoppingAStreamEarlyIsNotAnError) {
  ScriptedHttpServer server;
  server.Enqueue({200, "text/plain", std::string(4 * 1024 * 1024, 'x'), {}});
  server.Enqueue({200, "text/plain", "after", {}});
  HttpClient client;
  std::size_t received = 0;
  auto response = client.SendStreaming(Get(server.url() + "/"), [&](std::string_view piece) {
    received += piece.size();
    return false;
  });
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_GT(received, 0u);
  EXPECT_LT(received, 4u * 1024 * 1024);
  // The client is still good for the next request.
  auto next = client.Send(Get(server.url() + "/"));
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->body, "after");
}

TEST(HttpClient, AnErrorStatusIsCollectedNotStreamed) {
  ScriptedHttpServer server;
  server.Enqueue({404, "application/json", R"({"error":"Namespace `x` doesn't exist"})", {}});
  HttpClient client;
  bool called = false;
  auto response = client.SendStreaming(Get(server.url() + "/"), [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, R"({"error":"Namespace `x` doesn't exist"})");
  EXPECT_FALSE(called);
}

TEST(HttpClient, AnExceptionInTheCallbackBecomesAStatus) {
  ScriptedHttpServer server;
  server.Enqueue({200, "text/plain", "data", {}});
  HttpClient client;
  auto response = client.SendStreaming(
      Get(server.url() + "/"), [](std::string_view) -> bool { throw std::runtime_error("boom"); });
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(response.status().message(), "an HTTP response callback threw: boom");
}

}  // namespace
}  // namespace edgelite::client
