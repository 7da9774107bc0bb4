// Clients that go away or stall at the worst moment: after half a request, while their slow query
// runs, while their response is being written, and in the middle of an interactive transaction
// that holds the write lock. The server must keep serving everyone else meanwhile, and an
// abandoned transaction must give the write lock back once its stream expires (10 s idle).
#include <algorithm>
#include <thread>
#include <vector>

#include "integration/hostile_sql.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ClientDisconnectTest : public SharedServerTest<ClientDisconnectTest> {};

// A connection, or a failed test: without a connection there is nothing to go on with, and the
// bad_variant_access that value() throws ends the test (gtest reports it after the message).
HttpConnection OpenOrFail(uint16_t port) {
  Result<HttpConnection> connection = HttpConnection::Open(port);
  EXPECT_TRUE(connection.ok()) << connection.status().message();
  return std::move(connection).value();
}

TEST_F(ClientDisconnectTest, HalfSentRequestsThenGone) {
  const std::string body = PipelineBody({ExecuteJson("SELECT 1"), R"({"type":"close"})"});
  const std::string request = FormatRequest("POST", "/v2/pipeline", body);
  size_t head_size = request.find("\r\n\r\n") + 4;
  // Cut inside the request line, inside the head, right after it, and inside the body; the
  // client closes normally or resets.
  for (size_t cut : {size_t(5), head_size / 2, head_size, head_size + body.size() / 2}) {
    for (bool reset : {false, true}) {
      HttpConnection connection = OpenOrFail(port());
      ASSERT_TRUE(connection.Send(request.substr(0, cut)).ok());
      connection.Close(reset);
      ExpectServerServes(server());
    }
  }
}

TEST_F(ClientDisconnectTest, StalledClientsDoNotBlockOthers) {
  // Clients that send half a request and then nothing hold a connection each, but no thread.
  const std::string request = FormatRequest(
      "POST", "/v2/pipeline", PipelineBody({ExecuteJson("SELECT 1"), R"({"type":"close"})"}));
  std::vector<HttpConnection> stalled;
  for (int i = 0; i < 200; ++i) {
    stalled.push_back(OpenOrFail(port()));
    ASSERT_TRUE(stalled.back().Send(request.substr(0, request.size() - 10)).ok());
  }
  ExpectServerServes(server());
  // Finishing a stalled request late still gets it answered.
  ASSERT_TRUE(stalled.front().Send(request.substr(request.size() - 10)).ok());
  Result<HttpResponse> late = stalled.front().ReadResponse();
  ASSERT_TRUE(late.ok()) << late.status().message();
  EXPECT_EQ(late->status, 200);
}

TEST_F(ClientDisconnectTest, SlowQueryDoesNotStopOthersAndItsClientMayLeave) {
  // Two rounds, the slow query on the first or the second of two connections opened back to back:
  // however the server spreads connections over its I/O threads, one of the rounds puts the query
  // on the thread that also accepts new connections. In the first round the client waits for its
  // answer; in the second it is gone before the answer.
  const std::string slow_request = FormatRequest(
      "POST", "/v2/pipeline", PipelineBody({ExecuteJson(kSlowRead), R"({"type":"close"})"}));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("slow query on connection " + std::to_string(round + 1) + " of 2");
    HttpConnection first = OpenOrFail(port());
    HttpConnection second = OpenOrFail(port());
    HttpConnection& slow = round == 0 ? first : second;
    ASSERT_TRUE(slow.Send(slow_request).ok());
    // Nothing a client can observe says that the query has started; give the server a moment to
    // pick it up, so that the checks below run while it is busy with it.
    std::this_thread::sleep_for(milliseconds(300));

    std::vector<HttpConnection> others;
    for (int i = 0; i < 4; ++i) {
      others.push_back(OpenOrFail(port()));
      ASSERT_TRUE(others.back().Send(FormatRequest("GET", "/health")).ok());
    }
    auto deadline = Clock::now() + seconds(20);
    auto answered = [&] {
      return std::any_of(others.begin(), others.end(),
                         [](HttpConnection& c) { return c.Readable(milliseconds(0)); });
    };
    while (!answered() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
    ASSERT_TRUE(answered()) << "no other client was answered within 20 s";
    EXPECT_FALSE(slow.Readable(milliseconds(0)))
        << "other clients were only answered once the slow query had finished";

    if (round == 0) {
      Result<HttpResponse> response = slow.ReadResponse();
      ASSERT_TRUE(response.ok()) << response.status().message();
      EXPECT_EQ(TextAt(ParseJson(response->body), "/results/0/response/result/rows/0/0/value"),
                "8000000");
    } else {
      slow.Close(/*reset=*/true);
    }
    for (HttpConnection& other : others) {
      Result<HttpResponse> response = other.ReadResponse();
      ASSERT_TRUE(response.ok()) << response.status().message();
      EXPECT_EQ(response->status, 200);
    }
  }
}

TEST_F(ClientDisconnectTest, ClientGoneWhileItsResponseIsWritten) {
  // 5 MB responses, abandoned with a reset as soon as they are asked for: the server's writes
  // fail half-way and it must just drop the connection.
  const std::string request =
      FormatRequest("POST", "/v2/pipeline",
                    PipelineBody({ExecuteJson("SELECT zeroblob(5000000)"), R"({"type":"close"})"}));
  for (int i = 0; i < 10; ++i) {
    HttpConnection connection = OpenOrFail(port());
    ASSERT_TRUE(connection.Send(request).ok());
    if (i % 2 == 1) connection.Readable(seconds(10));  // sometimes while the bytes flow
    connection.Close(/*reset=*/true);
  }
  ExpectServerServes(server());
}

TEST_F(ClientDisconnectTest, AbandonedTransactionReleasesTheWriteLock) {
  HttpResponse created =
      Post(port(), "/v2/pipeline",
           PipelineBody({ExecuteJson("CREATE TABLE abandoned(x)"), R"({"type":"close"})"}));
  ASSERT_EQ(TextAt(ParseJson(created.body), "/results/0/type"), "ok") << created.body;

  // A client takes the write lock, writes, and vanishes without committing or closing.
  HttpResponse opened = Post(port(), "/v2/pipeline",
                             PipelineBody({ExecuteJson("BEGIN IMMEDIATE"),
                                           ExecuteJson("INSERT INTO abandoned VALUES (1)")}));
  boost::json::value opened_json = ParseJson(opened.body);
  ASSERT_EQ(TextAt(opened_json, "/results/1/type"), "ok") << opened.body;
  std::string baton = TextAt(opened_json, "/baton");
  auto abandoned_at = Clock::now();

  // Another client's write has to wait for the lock ...
  HttpConnection writer = OpenOrFail(port());
  ASSERT_TRUE(writer
                  .Send(FormatRequest("POST", "/v2/pipeline",
                                      PipelineBody({ExecuteJson("INSERT INTO abandoned VALUES (2)"),
                                                    R"({"type":"close"})"})))
                  .ok());
  // ... while reads and everything else go on, without seeing the uncommitted row.
  HttpResponse read =
      Post(port(), "/v2/pipeline",
           PipelineBody({ExecuteJson("SELECT count(*) FROM abandoned"), R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(read.body), "/results/0/response/result/rows/0/0/value"), "0");
  ExpectServerServes(server());
  EXPECT_FALSE(writer.Readable(milliseconds(0))) << "the write did not wait for the lock";

  // Idle past the transaction timeout (5 s) while a writer waits, its transaction is rolled back
  // and the write goes ahead, well before the stream itself would expire (10 s).
  Result<HttpResponse> written = writer.ReadResponse(seconds(40));
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(TextAt(ParseJson(written->body), "/results/0/type"), "ok") << written->body;
  auto waited = Clock::now() - abandoned_at;
  EXPECT_GE(waited, milliseconds(4500)) << "the lock was taken back before the timeout";
  EXPECT_LT(waited, seconds(9)) << "the lock was kept until the stream expired";

  HttpResponse after =
      Post(port(), "/v2/pipeline",
           PipelineBody({ExecuteJson("SELECT x FROM abandoned"), R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(after.body), "/results/0/response/result/rows"),
            R"([[{"type":"integer","value":"2"}]])");

  // The vanished client's baton now says what happened: its COMMIT did not commit.
  HttpResponse late = Post(port(), "/v2/pipeline", PipelineBody({ExecuteJson("COMMIT")}, baton));
  EXPECT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(TextAt(ParseJson(late.body), "/results/0/error/code"), "TRANSACTION_TIMEOUT")
      << late.body;
}

// A query that would run for years, sent by clients that then disconnect. As many such clients as
// the server has I/O threads must not take the whole server down: the abandoned statements have
// to be interrupted. The test runs a server of its own, because a failure leaves it wedged.
TEST(RunawayQueryTest, AbandonedRunawayQueriesDoNotWedgeTheServer) {
  constexpr int kIoThreads = 2;
  auto started = ServerProcess::Start({"--io-threads", std::to_string(kIoThreads)});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  const std::string runaway = FormatRequest(
      "POST", "/v2/pipeline", PipelineBody({ExecuteJson(kRunawayRead), R"({"type":"close"})"}));
  for (int i = 0; i < kIoThreads; ++i) {
    HttpConnection connection = OpenOrFail(server.port());
    ASSERT_TRUE(connection.Send(runaway).ok());
    ASSERT_FALSE(connection.Readable(milliseconds(200))) << "the query was not even started";
    connection.Close(/*reset=*/true);
  }
  Result<HttpConnection> probe = HttpConnection::Open(server.port());
  ASSERT_TRUE(probe.ok()) << probe.status().message();
  Result<HttpResponse> health = probe->Request("GET", "/health", "", seconds(4));
  EXPECT_TRUE(health.ok() && health->status == 200)
      << "the server stopped answering after " << kIoThreads
      << " clients abandoned runaway queries: " << health.status().message();
  // A wedged server may not even see SIGTERM (its signal handler runs on an I/O thread); don't
  // wait long before SIGKILL.
  server.Stop(seconds(1));
}

}  // namespace
}  // namespace edgelite::integration
