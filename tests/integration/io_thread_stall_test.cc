// Work that may run long or wait must never run on an I/O thread: with a single one, a slow read
// inside a transaction, or a transaction waiting for the write lock, would otherwise stall every
// other connection (GET /health included) for as long as it takes.
#include <chrono>
#include <string>
#include <thread>

#include "integration/hostile_sql.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

class IoThreadStallTest : public SharedServerTest<IoThreadStallTest> {
 public:
  static std::vector<std::string> ServerArgs() { return {"--io-threads", "1"}; }
};

// Sends `requests` on a new connection (on the stream `baton` names), without waiting for the answer.
HttpConnection SendPipeline(uint16_t port, const std::vector<std::string>& requests,
                            const std::optional<std::string>& baton = std::nullopt) {
  Result<HttpConnection> connection = HttpConnection::Open(port);
  EXPECT_TRUE(connection.ok()) << connection.status().message();
  EXPECT_TRUE(
      connection->Send(FormatRequest("POST", "/v2/pipeline", PipelineBody(requests, baton))).ok());
  return std::move(connection).value();
}

// While `busy` has no answer yet, GET /health and a read on another connection are answered
// within a fraction of a second.
void ExpectOthersServedWhile(uint16_t port, HttpConnection& busy) {
  ASSERT_FALSE(busy.Readable(milliseconds(300))) << "the request under test was answered at once";
  auto started = Clock::now();
  Result<HttpConnection> reader = HttpConnection::Open(port);
  ASSERT_TRUE(reader.ok());
  Result<HttpResponse> health = reader->Request("GET", "/health", "", seconds(30));
  ASSERT_TRUE(health.ok()) << health.status().message();
  EXPECT_EQ(health->status, 200);
  Result<HttpResponse> read = reader->Request(
      "POST", "/v2/pipeline", PipelineBody({ExecuteJson("SELECT 1"), R"({"type":"close"})"}),
      seconds(30));
  auto took = Clock::now() - started;
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->status, 200);
  EXPECT_LT(took, milliseconds(500)) << "other clients waited for the request under test";
  EXPECT_FALSE(busy.Readable(milliseconds(0)))
      << "the request under test finished before the others were served: the test proves nothing";
}

TEST_F(IoThreadStallTest, ASlowReadInsideATransactionDoesNotStallOthers) {
  HttpResponse begun = Post(port(), "/v2/pipeline", PipelineBody({ExecuteJson("BEGIN")}));
  std::string baton = TextAt(ParseJson(begun.body), "/baton");
  HttpConnection slow = SendPipeline(port(), {ExecuteJson(kSlowRead)}, baton);
  ExpectOthersServedWhile(port(), slow);
  Result<HttpResponse> answer = slow.ReadResponse(seconds(60));
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(TextAt(ParseJson(answer->body), "/results/0/response/result/rows/0/0/value"), "8000000");
}

// @libsql/client's batch: BEGIN DEFERRED, writes, COMMIT in one request. While another stream
// holds the write lock, it waits, on a worker, not on the I/O thread.
TEST_F(IoThreadStallTest, ATransactionWaitingForTheWriteLockDoesNotStallOthers) {
  Post(port(), "/v2/pipeline",
       PipelineBody({ExecuteJson("CREATE TABLE IF NOT EXISTS waits(x)"), R"({"type":"close"})"}));
  HttpResponse holder = Post(port(), "/v2/pipeline",
                             PipelineBody({ExecuteJson("BEGIN IMMEDIATE"),
                                           ExecuteJson("INSERT INTO waits VALUES (1)")}));
  boost::json::value holder_json = ParseJson(holder.body);
  ASSERT_EQ(TextAt(holder_json, "/results/1/type"), "ok") << holder.body;
  HttpConnection batch =
      SendPipeline(port(), {R"j({"type":"batch","batch":{"steps":[)j"
                            R"j({"stmt":{"sql":"BEGIN DEFERRED"}},)j"
                            R"j({"stmt":{"sql":"INSERT INTO waits VALUES (2)"}},)j"
                            R"j({"stmt":{"sql":"COMMIT"}}]}})j",
                            R"({"type":"close"})"});
  ExpectOthersServedWhile(port(), batch);
  HttpResponse committed = Post(
      port(), "/v2/pipeline",
      PipelineBody({ExecuteJson("COMMIT"), R"({"type":"close"})"}, TextAt(holder_json, "/baton")));
  EXPECT_EQ(TextAt(ParseJson(committed.body), "/results/0/type"), "ok") << committed.body;
  Result<HttpResponse> answer = batch.ReadResponse(seconds(30));
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  HttpResponse rows = Post(
      port(), "/v2/pipeline",
      PipelineBody({ExecuteJson("SELECT group_concat(x) FROM waits"), R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(rows.body), "/results/0/response/result/rows/0/0/value"), "1,2");
}

}  // namespace
}  // namespace edgelite::integration
