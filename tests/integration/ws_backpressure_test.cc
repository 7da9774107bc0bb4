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

}  // namespace
}  // namespace edgelite::integration
