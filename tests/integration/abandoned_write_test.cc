// A write that would run for ever, sent by a client that then gives up: alone, in a group of other
// writes, inside a transaction, over HTTP and over WebSocket. Its statement must be interrupted and
// rolled back (that request only), so the write lock and the core it held come back at once.
#include <thread>

#include "integration/differential/websocket_client.h"
#include "integration/hostile_sql.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

class AbandonedWriteTest : public SharedServerTest<AbandonedWriteTest> {
 public:
  // One I/O thread: a write that stalled it would stall every check below.
  static std::vector<std::string> ServerArgs() { return {"--io-threads", "1"}; }

 protected:
  void SetUp() override {
    table_ = "t" + std::to_string(++tables_);
    HttpResponse created =
        Post(port(), "/v2/pipeline",
             PipelineBody({ExecuteJson("CREATE TABLE " + table_ + "(x)"), R"({"type":"close"})"}));
    ASSERT_EQ(TextAt(ParseJson(created.body), "/results/0/type"), "ok") << created.body;
  }

  // Sends `requests` on a new connection, checks the server is still busy with them after a
  // moment, and resets the connection.
  void SendAndLeave(const std::vector<std::string>& requests) {
    Result<HttpConnection> connection = HttpConnection::Open(port());
    ASSERT_TRUE(connection.ok()) << connection.status().message();
    ASSERT_TRUE(connection->Send(FormatRequest("POST", "/v2/pipeline", PipelineBody(requests))).ok());
    ASSERT_FALSE(connection->Readable(milliseconds(700))) << "the runaway write was answered";
    connection->Close(/*reset=*/true);
  }

  // Another client's insert goes through promptly, and only its row is in the table.
  void ExpectWritesGoOn() {
    auto started = Clock::now();
    Result<HttpConnection> connection = HttpConnection::Open(port());
    ASSERT_TRUE(connection.ok()) << connection.status().message();
    Result<HttpResponse> written = connection->Request(
        "POST", "/v2/pipeline",
        PipelineBody({ExecuteJson("INSERT INTO " + table_ + " VALUES (42)"), R"({"type":"close"})"}),
        seconds(20));
    ASSERT_TRUE(written.ok()) << "the next write was not answered: " << written.status().message();
    EXPECT_EQ(TextAt(ParseJson(written->body), "/results/0/type"), "ok") << written->body;
    // The write lock came back when the client left, not after a timeout.
    EXPECT_LT(Clock::now() - started, seconds(3));
    HttpResponse rows =
        Post(port(), "/v2/pipeline",
             PipelineBody({ExecuteJson("SELECT x FROM " + table_), R"({"type":"close"})"}));
    EXPECT_EQ(TextAt(ParseJson(rows.body), "/results/0/response/result/rows"),
              R"([[{"type":"integer","value":"42"}]])");
  }

  // Inserts rows until interrupted: a runaway write that leaves something to roll back.
  std::string RunawayInsert() const {
    return "INSERT INTO " + table_ +
           " WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
  }

  std::string table_;
  static inline int tables_ = 0;
};

TEST_F(AbandonedWriteTest, AutocommitRunawayWriteOverHttp) {
  SendAndLeave({ExecuteJson(RunawayWrite(table_)), R"({"type":"close"})"});
  ExpectWritesGoOn();
}

TEST_F(AbandonedWriteTest, RunawayInsertIsRolledBack) {
  SendAndLeave({ExecuteJson(RunawayInsert()), R"({"type":"close"})"});
  ExpectWritesGoOn();
}

TEST_F(AbandonedWriteTest, RunawayWriteInsideATransactionOverHttp) {
  SendAndLeave({ExecuteJson("BEGIN"), ExecuteJson("INSERT INTO " + table_ + " VALUES (1)"),
                ExecuteJson(RunawayInsert())});
  ExpectWritesGoOn();
}

TEST_F(AbandonedWriteTest, RunawayWriteInAGroupLeavesTheOthersCommitted) {
  // Other clients' writes queue behind the runaway one while it runs; they must all land.
  Result<HttpConnection> runaway = HttpConnection::Open(port());
  ASSERT_TRUE(runaway.ok());
  ASSERT_TRUE(runaway
                  ->Send(FormatRequest("POST", "/v2/pipeline",
                                       PipelineBody({ExecuteJson(RunawayInsert()),
                                                     R"({"type":"close"})"})))
                  .ok());
  std::this_thread::sleep_for(milliseconds(300));
  std::vector<HttpConnection> others;
  for (int i = 0; i < 4; ++i) {
    Result<HttpConnection> other = HttpConnection::Open(port());
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other
                    ->Send(FormatRequest(
                        "POST", "/v2/pipeline",
                        PipelineBody({ExecuteJson("INSERT INTO " + table_ + " VALUES (-1)"),
                                      R"({"type":"close"})"})))
                    .ok());
    others.push_back(std::move(*other));
  }
  std::this_thread::sleep_for(milliseconds(300));
  runaway->Close(/*reset=*/true);
  for (HttpConnection& other : others) {
    Result<HttpResponse> answer = other.ReadResponse(seconds(20));
    ASSERT_TRUE(answer.ok()) << answer.status().message();
    EXPECT_EQ(TextAt(ParseJson(answer->body), "/results/0/type"), "ok") << answer->body;
  }
  HttpResponse count =
      Post(port(), "/v2/pipeline",
           PipelineBody({ExecuteJson("SELECT count(*), min(x) FROM " + table_),
                         R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(count.body), "/results/0/response/result/rows/0/0/value"), "4");
  EXPECT_EQ(TextAt(ParseJson(count.body), "/results/0/response/result/rows/0/1/value"), "-1");
}

TEST_F(AbandonedWriteTest, RunawayWritesOverWebSocket) {
  // Autocommit, and inside a transaction: the client's socket closes without a close frame.
  for (bool in_transaction : {false, true}) {
    SCOPED_TRACE(in_transaction ? "inside a transaction" : "autocommit");
    auto deadline = Clock::now() + seconds(10);
    auto socket = differential::WebSocketClient::Connect(port(), "hrana3", deadline);
    ASSERT_TRUE(socket.ok()) << socket.status().message();
    auto send = [&](const std::string& text) {
      ASSERT_TRUE((*socket)->SendText(text, deadline).ok());
    };
    auto execute = [&](int id, const std::string& sql) {
      boost::json::object message{{"type", "request"}, {"request_id", id}};
      message["request"] = {{"type", "execute"}, {"stream_id", 1}, {"stmt", {{"sql", sql}}}};
      send(boost::json::serialize(message));
    };
    send(R"({"type":"hello","jwt":null})");
    send(R"({"type":"request","request_id":1,"request":{"type":"open_stream","stream_id":1}})");
    if (in_transaction) execute(2, "BEGIN");
    execute(3, RunawayInsert());
    int answers = in_transaction ? 3 : 2;  // hello, open_stream, BEGIN
    for (int i = 0; i < answers; ++i) ASSERT_TRUE((*socket)->ReceiveText(deadline).ok());
    std::this_thread::sleep_for(milliseconds(700));
    socket->reset();
    ExpectWritesGoOn();
    ASSERT_TRUE(Post(port(), "/v2/pipeline",
                     PipelineBody({ExecuteJson("DELETE FROM " + table_), R"({"type":"close"})"}))
                    .status == 200);
  }
}

}  // namespace
}  // namespace edgelite::integration
