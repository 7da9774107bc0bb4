// A WebSocket client that pipelines requests with large answers and does not read them: the server
// must hold back (stop starting its requests, then stop reading them) instead of queueing every
// answer in memory, and go on once the client reads.
#include <thread>

#include "integration/differential/websocket_client.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(WebSocketBackpressureTest, AnswersAClientDoesNotReadAreNotPiledUp) {
  auto started = ServerProcess::Start({"--io-threads", "1"});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  const uint64_t start_bytes = server.ResidentBytes();

  auto deadline = Clock::now() + seconds(60);
  auto socket = differential::WebSocketClient::Connect(server.port(), "hrana3", deadline);
  ASSERT_TRUE(socket.ok()) << socket.status().message();
  ASSERT_TRUE((*socket)->SendText(R"({"type":"hello","jwt":null})", deadline).ok());
  ASSERT_TRUE((*socket)
                  ->SendText(R"({"type":"request","request_id":0,)"
                             R"("request":{"type":"open_stream","stream_id":1}})",
                             deadline)
                  .ok());
  // 600 answers of about 1.3 MB each (a megabyte, base64-encoded): 800 MB if all were queued.
  constexpr int kRequests = 600;
  for (int id = 1; id <= kRequests; ++id) {
    std::string message = R"({"type":"request","request_id":)" + std::to_string(id) +
                          R"json(,"request":{"type":"execute","stream_id":1,)json"
                          R"json("stmt":{"sql":"SELECT randomblob(1000000)"}}})json";
    ASSERT_TRUE((*socket)->SendText(message, deadline).ok());
  }
  uint64_t peak = 0;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    peak = std::max(peak, server.ResidentBytes());
  }
  constexpr uint64_t kMargin = 100 << 20;
  EXPECT_LT(peak, start_bytes + kMargin)
      << "the server grew from " << (start_bytes >> 20) << " MB to " << (peak >> 20)
      << " MB holding answers its client does not read";
  ExpectServerServes(server);

  // Reading again, the client gets every answer, in order.
  for (int expected = -1; expected <= kRequests; ++expected) {
    Result<std::string> text = (*socket)->ReceiveText(deadline);
    ASSERT_TRUE(text.ok()) << "answer " << expected << ": " << text.status().message();
    if (expected < 0) continue;  // hello_ok
    boost::json::value answer = ParseJson(*text);
    ASSERT_EQ(TextAt(answer, "/request_id"), std::to_string(expected)) << text->substr(0, 200);
    ASSERT_EQ(TextAt(answer, "/type"), "response_ok") << text->substr(0, 200);
  }
  socket->reset();
  server.Stop();
}

// A client behind on reading that vanishes must end like any other: its streams released (the
// transaction it held rolled back at once, not at the transaction timeout), its memory freed.
TEST(WebSocketBackpressureTest, AClientThatVanishesWhileBehindIsReleased) {
  auto started = ServerProcess::Start({"--io-threads", "1"});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  HttpResponse created = Post(server.port(), "/v2/pipeline",
                              PipelineBody({ExecuteJson("CREATE TABLE t(x)"), R"({"type":"close"})"}));
  ASSERT_EQ(TextAt(ParseJson(created.body), "/results/0/type"), "ok") << created.body;
  const uint64_t start_bytes = server.ResidentBytes();

  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto deadline = Clock::now() + seconds(30);
    auto socket = differential::WebSocketClient::Connect(server.port(), "hrana3", deadline);
    ASSERT_TRUE(socket.ok()) << socket.status().message();
    auto send = [&](const std::string& text) {
      ASSERT_TRUE((*socket)->SendText(text, deadline).ok());
    };
    send(R"({"type":"hello","jwt":null})");
    send(R"({"type":"request","request_id":1,"request":{"type":"open_stream","stream_id":1}})");
    send(R"({"type":"request","request_id":2,"request":{"type":"open_stream","stream_id":2}})");
    send(R"({"type":"request","request_id":3,"request":{"type":"execute","stream_id":1,)"
         R"("stmt":{"sql":"BEGIN IMMEDIATE"}}})");
    send(R"j({"type":"request","request_id":4,"request":{"type":"execute","stream_id":1,)j"
         R"j("stmt":{"sql":"INSERT INTO t VALUES (1)"}}})j");
    for (int id = 5; id < 105; ++id) {
      send(R"({"type":"request","request_id":)" + std::to_string(id) +
           R"json(,"request":{"type":"execute","stream_id":2,"stmt":{"sql":"SELECT randomblob(1000000)"}}})json");
    }
    std::this_thread::sleep_for(milliseconds(500));
    socket->reset();  // gone, without reading, with the write lock held

    auto before = Clock::now();
    HttpResponse written = Post(server.port(), "/v2/pipeline",
                                PipelineBody({ExecuteJson("INSERT INTO t VALUES (2)"),
                                              R"({"type":"close"})"}));
    EXPECT_EQ(TextAt(ParseJson(written.body), "/results/0/type"), "ok") << written.body;
    EXPECT_LT(Clock::now() - before, seconds(3))
        << "the vanished client's transaction was not rolled back when it went";
  }
  HttpResponse rows = Post(server.port(), "/v2/pipeline",
                           PipelineBody({ExecuteJson("SELECT count(*), sum(x) FROM t"),
                                         R"({"type":"close"})"}));
  EXPECT_EQ(TextAt(ParseJson(rows.body), "/results/0/response/result/rows/0/1/value"), "10")
      << "a vanished client's uncommitted row landed";
  EXPECT_LT(server.ResidentBytes(), start_bytes + (50 << 20))
      << "memory of vanished connections was not freed";
  server.Stop();
}

}  // namespace
}  // namespace edgelite::integration
