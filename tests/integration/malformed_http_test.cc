// Requests that are not valid HTTP/1.1 at all: garbage and binary request lines, unknown
// versions, bad Content-Length, broken chunking, and heads over the server's header limit. Each
// must get a 4xx that names the problem, the connection must be closed (the server cannot know
// where the next request would start), the rejection is logged once, and the server keeps serving.
#include <string>
#include <vector>

#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

class MalformedHttpTest : public SharedServerTest<MalformedHttpTest> {};

// Sends `bytes` on a fresh connection and returns the answer, after checking that the server
// closes the connection behind it.
HttpResponse SendRaw(uint16_t port, const std::string& bytes) {
  Result<HttpConnection> connection = HttpConnection::Open(port);
  if (!connection.ok()) {
    ADD_FAILURE() << connection.status().message();
    return {};
  }
  if (Status sent = connection->Send(bytes); !sent.ok()) {
    ADD_FAILURE() << sent.message();
    return {};
  }
  Result<HttpResponse> response = connection->ReadResponse();
  if (!response.ok()) {
    ADD_FAILURE() << response.status().message();
    return {};
  }
  EXPECT_TRUE(response->closes_connection());
  EXPECT_TRUE(connection->AwaitClose()) << "the server kept a connection it cannot parse open";
  return std::move(response).value();
}

TEST_F(MalformedHttpTest, UnparsableRequestsGet400) {
  struct Case {
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"GARBAGE\r\n\r\n", "Malformed HTTP request: bad method"},
      {std::string("\x00\xff\xfe\x16\x03\x01\r\n\r\n", 10), "Malformed HTTP request: bad method"},
      // A TLS ClientHello sent to the plain-HTTP port.
      {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(500, 'A') +
           "\r\n\r\n",
       "Malformed HTTP request: bad method"},
      {"GET /health HTTP/9.9\r\n\r\n", "Malformed HTTP request: bad version"},
      {"GET /health\r\n\r\n", "Malformed HTTP request"},
      {"POST /v2/pipeline HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
       "Malformed HTTP request: bad Content-Length"},
      {"POST /v2/pipeline HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
       "Malformed HTTP request: multiple Content-Length"},
      {"POST /v2/pipeline HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "Malformed HTTP request: bad chunk"},
      {"GET /health HTTP/1.1\r\nNo colon here\r\n\r\n", "Malformed HTTP request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.bytes.substr(0, 60)));
    size_t offset = server().ReadLog().size();
    HttpResponse response = SendRaw(port(), c.bytes);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.Header("content-type"), "text/plain; charset=utf-8");
    EXPECT_TRUE(response.body.starts_with(c.message)) << response.body;
    ExpectServerServes(server());
    EXPECT_EQ(LogLinesSince(server(), offset).size(), 1u)
        << ::testing::PrintToString(LogLinesSince(server(), offset));
  }
}

TEST_F(MalformedHttpTest, TransferCodingsOtherThanChunkedGet501) {
  // The parser undoes the chunking only: a gzip body would otherwise be read as plain text.
  for (const char* codings : {"gzip, chunked", "deflate,chunked", "x-custom , chunked"}) {
    SCOPED_TRACE(codings);
    std::string body = R"({"requests":[{"type":"close"}]})";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    HttpResponse response =
        SendRaw(port(), std::string("POST /v2/pipeline HTTP/1.1\r\nTransfer-Encoding: ") + codings +
                            "\r\n\r\n" + size + "\r\n" + body + "\r\n0\r\n\r\n");
    EXPECT_EQ(response.status, 501);
    EXPECT_NE(response.body.find("is not supported"), std::string::npos) << response.body;
  }
  ExpectServerServes(server());
}

TEST_F(MalformedHttpTest, OversizedHeadGets431) {
  // Heads are limited to 64 KiB. The answer is 431 Request Header Fields Too Large (RFC 6585),
  // not 413 with the body limit's message: only the head was too large.
  const std::vector<std::string> heads = {
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(70'000, 'a') + "\r\n\r\n",
      "GET /" + std::string(70'000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  };
  for (const std::string& head : heads) {
    HttpResponse response = SendRaw(port(), head);
    EXPECT_EQ(response.status, 431) << response.body;
    EXPECT_EQ(response.body.find("33554432"), std::string::npos) << response.body;
  }
}

TEST_F(MalformedHttpTest, ManyHeadersUnderTheLimitAreFine) {
  std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 1000; ++i) request += "X-Header-" + std::to_string(i) + ": value\r\n";
  request += "\r\n";
  Result<HttpConnection> connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  ASSERT_TRUE(connection->Send(request).ok());
  Result<HttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
}

TEST_F(MalformedHttpTest, UnknownRoutesAndMethodsDoNotDisturbTheConnection) {
  // Well-formed HTTP the server has no use for: the connection stays usable afterwards.
  Result<HttpConnection> connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  struct Case {
    std::string method;
    std::string target;
    int status;
  };
  for (const Case& c : std::vector<Case>{{"GET", "/nope", 404},
                                         {"POST", "/v9/pipeline", 404},
                                         {"DELETE", "/v2/pipeline", 405},
                                         {"PUT", "/", 405},
                                         {"GET", "/health", 200}}) {
    Result<HttpResponse> response = connection->Request(c.method, c.target);
    ASSERT_TRUE(response.ok()) << c.method << " " << c.target << ": "
                               << response.status().message();
    EXPECT_EQ(response->status, c.status) << c.method << " " << c.target;
  }
}

}  // namespace
}  // namespace edgelite::integration
