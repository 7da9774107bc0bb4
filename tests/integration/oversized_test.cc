// Requests and responses over the server's size limits. A body over the 32 MiB request limit gets
// a 413 (announced by Content-Length, or discovered while a chunked body streams in) and the
// connection is closed; a result over --max-response-size (64 KiB here) is a RESPONSE_TOO_LARGE
// Hrana error in the shape of each route, without failing the rest of the request. Either way the
// server keeps serving, and a large body under the limit still works.
#include <algorithm>
#include <string>

#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

constexpr size_t kRequestLimit = 32 * 1024 * 1024;  // ServerConfig::max_request_size
constexpr size_t kOverLimit = kRequestLimit + 1024 * 1024;

class OversizedTest : public SharedServerTest<OversizedTest> {
 public:
  static std::vector<std::string> ServerArgs() { return {"--max-response-size", "64KiB"}; }
};

// Sends `head`, then `chunk` up to `chunk_count` times, then `tail`, stopping as soon as the server
// answers (it may reject the request part-way), and returns the answer. A send that fails because
// the server has closed is no error: its answer is what counts.
Result<HttpResponse> SendUntilAnswered(HttpConnection& connection, const std::string& head,
                                       const std::string& chunk, size_t chunk_count,
                                       const std::string& tail) {
  if (Status sent = connection.Send(head); !sent.ok()) return sent;
  for (size_t i = 0; i < chunk_count && !connection.Readable(std::chrono::milliseconds(0)); ++i) {
    if (!connection.Send(chunk).ok()) break;
  }
  if (!connection.Readable(std::chrono::milliseconds(0))) (void)connection.Send(tail);
  return connection.ReadResponse();
}

void ExpectTooLargeAndClosed(Result<HttpResponse> response, HttpConnection& connection) {
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, "Request body is larger than the limit of 33554432 bytes");
  EXPECT_TRUE(response->closes_connection());
  EXPECT_TRUE(connection.AwaitClose());
}

TEST_F(OversizedTest, DeclaredBodyOverTheLimitIsRejectedUpFront) {
  Result<HttpConnection> connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  // The head alone is enough to refuse: the server must not wait for 33 MiB it will not use.
  std::string head = "POST /v2/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(kOverLimit) + "\r\n\r\n";
  ASSERT_TRUE(connection->Send(head).ok());
  ExpectTooLargeAndClosed(connection->ReadResponse(), *connection);
}

TEST_F(OversizedTest, DeclaredBodyOverTheLimitIsRejectedWhileSending) {
  Result<HttpConnection> connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  std::string head = "POST /v3/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(kOverLimit) + "\r\n\r\n";
  // A client that streams its body without waiting for an answer must still get to read the 413,
  // not lose it to a reset.
  std::string chunk(1024 * 1024, 'x');
  ExpectTooLargeAndClosed(
      SendUntilAnswered(*connection, head, chunk, kOverLimit / chunk.size(), ""), *connection);
}

TEST_F(OversizedTest, ChunkedBodyOverTheLimitIsRejected) {
  // No Content-Length: the server only learns the size as the chunks arrive.
  Result<HttpConnection> connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  std::string head =
      "POST /v2/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string data(1024 * 1024, 'x');
  std::string chunk = "100000\r\n" + data + "\r\n";  // 0x100000 bytes: 1 MiB
  ExpectTooLargeAndClosed(
      SendUntilAnswered(*connection, head, chunk, kOverLimit / data.size(), "0\r\n\r\n"),
      *connection);
}

TEST_F(OversizedTest, LargeBodyUnderTheLimitIsServed) {
  std::string text(8 * 1024 * 1024, 'a');
  std::string execute = R"json({"type":"execute","stmt":{"sql":"SELECT length(?)",)json"
                        R"json("args":[{"type":"text","value":")json" +
                        text + R"json("}]}})json";
  std::string body = PipelineBody({execute, R"({"type":"close"})"});
  HttpResponse response = Post(port(), "/v2/pipeline", body);
  ASSERT_EQ(response.status, 200) << response.body.substr(0, 300);
  EXPECT_EQ(TextAt(ParseJson(response.body), "/results/0/response/result/rows/0/0/value"),
            std::to_string(text.size()));
}

// One value larger than the limit, and many small rows that add up to more than it.
const std::string kBigValue = "SELECT zeroblob(100000)";
const std::string kManyRows =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
    "SELECT x, 'some padding to make each row longer' FROM c";

TEST_F(OversizedTest, PipelineResultOverTheLimitIsAHranaError) {
  for (const std::string& sql : {kBigValue, kManyRows}) {
    SCOPED_TRACE(sql);
    HttpResponse response = Post(
        port(), "/v3/pipeline",
        PipelineBody({ExecuteJson(sql), ExecuteJson("SELECT 'after'"), R"({"type":"close"})"}));
    ASSERT_EQ(response.status, 200) << response.body.substr(0, 300);
    EXPECT_LT(response.body.size(), 4096u);
    boost::json::value json = ParseJson(response.body);
    EXPECT_EQ(TextAt(json, "/results/0/type"), "error");
    EXPECT_EQ(TextAt(json, "/results/0/error/code"), "RESPONSE_TOO_LARGE");
    EXPECT_EQ(TextAt(json, "/results/0/error/message"), "Response is too large");
    // The rest of the pipeline still runs.
    EXPECT_EQ(TextAt(json, "/results/1/response/result/rows/0/0/value"), "after");
  }
  // A result just under the limit is fine.
  HttpResponse small =
      Post(port(), "/v2/pipeline",
           PipelineBody({ExecuteJson("SELECT length(zeroblob(60000))"), R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(small.body), "/results/0/response/result/rows/0/0/value"), "60000");
}

TEST_F(OversizedTest, ResultOverTheLimitOnEveryOtherRoute) {
  std::string stmt = R"({"sql":")" + kManyRows + R"("})";

  HttpResponse v1 = Post(port(), "/v1/execute", R"({"stmt":)" + stmt + "}");
  EXPECT_EQ(v1.status, 400);
  EXPECT_EQ(TextAt(ParseJson(v1.body), "/code"), "RESPONSE_TOO_LARGE");

  HttpResponse batch = Post(port(), "/v1/batch", R"({"batch":{"steps":[{"stmt":)" + stmt + "}]}}");
  EXPECT_EQ(batch.status, 200);
  EXPECT_EQ(TextAt(ParseJson(batch.body), "/result/step_errors/0/code"), "RESPONSE_TOO_LARGE");

  HttpResponse cursor =
      Post(port(), "/v3/cursor", R"({"batch":{"steps":[{"stmt":)" + stmt + R"(}]}})");
  EXPECT_EQ(cursor.status, 200);
  EXPECT_NE(cursor.body.find(R"("type":"step_error")"), std::string::npos)
      << cursor.body.substr(0, 500);
  EXPECT_NE(cursor.body.find("RESPONSE_TOO_LARGE"), std::string::npos)
      << cursor.body.substr(cursor.body.size() - std::min<size_t>(500, cursor.body.size()));
  // A cursor streams the rows from before the limit was hit. The limit counts the values' bytes,
  // not their JSON, so the body is larger than 64 KiB, but bounded.
  EXPECT_LT(cursor.body.size(), 4 * 64 * 1024u);

  HttpResponse legacy = Post(port(), "/", R"({"statements":[")" + kManyRows + R"("]})");
  EXPECT_EQ(legacy.status, 200);
  EXPECT_EQ(TextAt(ParseJson(legacy.body), "/0/error"), "Response is too large");
}

}  // namespace
}  // namespace edgelite::integration
