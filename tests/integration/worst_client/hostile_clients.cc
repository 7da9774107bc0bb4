// The hostile clients: a table of misbehaviours, each a short function that opens its own
// connections, misbehaves, and leaves. Their answers are not checked (other tests do that), except
// that odd SQL must be answered at all: a request the server cannot answer promptly is a stall.
#include "integration/worst_client/hostile_clients.h"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <random>

#include "integration/differential/websocket_client.h"
#include "integration/hostile_sql.h"
#include "integration/server_test.h"

namespace edgelite::integration::worst_client {

using Clock = std::chrono::steady_clock;
using differential::WebSocketClient;
using std::chrono::milliseconds;

namespace {

// What one hostile thread knows: where the server is, its own random choices, and where to report
// a request that went unanswered.
struct Context {
  uint16_t port;
  std::mt19937 random;
  std::function<void(std::string)> unanswered;

  int Between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); }
  bool Chance() { return Between(0, 1) == 1; }
  void Sleep(milliseconds low, milliseconds high) {
    std::this_thread::sleep_for(milliseconds(Between(int(low.count()), int(high.count()))));
  }
};

// Longer than the transaction timeout (5 s), so an idle transaction is rolled back, for the
// writers waiting behind it, before its client leaves.
constexpr auto kIdleSilence = milliseconds(6500);
// After a write-lock holder has gone, before the next may take the lock: time for the writers
// queued behind it to get through.
constexpr auto kLockCooldown = milliseconds(1500);
// For what a hostile does want answered; generous, as the machine is busy.
constexpr auto kAnswerTimeout = std::chrono::seconds(10);

// 100,000 rows of 1 KB random blobs: hundreds of MB of JSON, if anyone read them.
const std::string kLargeResult =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
    "SELECT x, randomblob(1000) FROM c";

std::string JsonString(const std::string& text) {
  return boost::json::serialize(boost::json::value(text));
}

std::string BatchJson(const std::vector<std::string>& statements) {
  std::string steps;
  for (const std::string& sql : statements) {
    steps +=
        (steps.empty() ? "" : ",") + std::string(R"({"stmt":{"sql":)") + JsonString(sql) + "}}";
  }
  return R"({"steps":[)" + steps + "]}";
}

// A Hrana-over-WebSocket message carrying `request` (a Hrana request object).
std::string WsRequest(int id, const std::string& request) {
  return R"({"type":"request","request_id":)" + std::to_string(id) + R"(,"request":)" + request +
         "}";
}

// An execute on stream 1 of `sql_json`, a JSON string literal.
std::string WsExecute(int id, const std::string& sql_json) {
  return WsRequest(id, R"({"type":"execute","stream_id":1,"stmt":{"sql":)" + sql_json + "}}");
}

// A Hrana WebSocket connection (hrana3) that has sent hello and opened stream 1, without
// reading the answers: a hostile reads only when it wants to.
Result<std::unique_ptr<WebSocketClient>> OpenHranaSocket(uint16_t port) {
  auto deadline = Clock::now() + kAnswerTimeout;
  auto socket = WebSocketClient::Connect(port, "hrana3", deadline);
  if (!socket.ok()) return socket.status();
  Status sent = (*socket)->SendText(R"({"type":"hello","jwt":null})", deadline);
  if (sent.ok()) {
    sent = (*socket)->SendText(WsRequest(0, R"({"type":"open_stream","stream_id":1})"), deadline);
  }
  if (!sent.ok()) return sent;
  return socket;
}

// Reads `count` messages; false when they do not all come in time.
bool ReadMessages(WebSocketClient& socket, int count) {
  auto deadline = Clock::now() + kAnswerTimeout;
  for (int i = 0; i < count; ++i) {
    if (!socket.ReceiveText(deadline).ok()) return false;
  }
  return true;
}

// A random odd text (one with a NUL among them), as a JSON string literal.
std::string OddText(Context& context) {
  std::vector<std::string> texts = OddSqlJsonTexts();
  texts.push_back(kSqlWithNulJson);
  return texts[size_t(context.Between(0, int(texts.size()) - 1))];
}

void OddSqlOverHttp(Context& context) {
  for (int i = 0; i < 3; ++i) {
    std::string text = OddText(context);
    std::string request = context.Chance() ? R"({"type":"sequence","sql":)" + text + "}"
                                           : R"({"type":"execute","stmt":{"sql":)" + text + "}}";
    const char* target = context.Chance() ? "/v2/pipeline" : "/v3/pipeline";
    auto answer = SendRequest(context.port, "POST", target,
                              PipelineBody({request, R"({"type":"close"})"}), kAnswerTimeout);
    if (!answer.ok()) {
      context.unanswered(std::string(target) + " " + text.substr(0, 60) + ": " +
                         answer.status().message());
    }
  }
}

void OddSqlOverWebSocket(Context& context) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  std::string text = OddText(context);
  std::string request =
      context.Chance() ? WsRequest(1, R"({"type":"sequence","stream_id":1,"sql":)" + text + "}")
                       : WsExecute(1, text);
  // hello_ok, the stream opened, the answer
  if (!(*socket)->SendText(request, Clock::now() + kAnswerTimeout).ok() ||
      !ReadMessages(**socket, 3)) {
    context.unanswered("WebSocket " + text.substr(0, 60));
  }
}

// Sends `sql` and leaves while it runs, after one or two seconds, with a FIN or a reset.
void RunawayOverHttp(Context& context, const std::string& sql) {
  auto connection = HttpConnection::Open(context.port);
  if (!connection.ok()) return;
  std::string body = PipelineBody({ExecuteJson(sql), R"({"type":"close"})"});
  if (!connection->Send(FormatRequest("POST", "/v2/pipeline", body)).ok()) return;
  context.Sleep(milliseconds(1000), milliseconds(2000));
  connection->Close(/*reset=*/context.Chance());
}

void RunawayOverWebSocket(Context& context, const std::string& sql) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  if (!(*socket)->SendText(WsExecute(1, JsonString(sql)), Clock::now() + kAnswerTimeout).ok()) {
    return;
  }
  context.Sleep(milliseconds(1000), milliseconds(2000));
}

void RunawayReadOverHttp(Context& context) {
  RunawayOverHttp(context, kRunawayRead);
}
void RunawayReadOverWebSocket(Context& context) {
  RunawayOverWebSocket(context, kRunawayRead);
}
void RunawayWriteOverHttp(Context& context) {
  RunawayOverHttp(context, RunawayWrite("hostile"));
}
void RunawayWriteOverWebSocket(Context& context) {
  RunawayOverWebSocket(context, RunawayWrite("hostile"));
}

const std::vector<std::string> kOpenTransaction = {"BEGIN", "INSERT INTO hostile VALUES (1)"};

// A pipeline that opens a transaction and writes, without closing its stream; then silence, and
// the baton is never used again.
void IdleTransactionOverHttpPipeline(Context& context) {
  std::vector<std::string> requests;
  for (const std::string& sql : kOpenTransaction) requests.push_back(ExecuteJson(sql));
  const char* target = context.Chance() ? "/v2/pipeline" : "/v3/pipeline";
  if (SendRequest(context.port, "POST", target, PipelineBody(requests), kAnswerTimeout).ok()) {
    std::this_thread::sleep_for(kIdleSilence);
  }
}

// The same through a cursor, whose whole answer is read.
void IdleTransactionOverHttpCursor(Context& context) {
  std::string body = R"({"baton":null,"batch":)" + BatchJson(kOpenTransaction) + "}";
  if (SendRequest(context.port, "POST", "/v3/cursor", body, kAnswerTimeout).ok()) {
    std::this_thread::sleep_for(kIdleSilence);
  }
}

// Over WebSocket, where the stream lives as long as the connection: it stays, silent.
void IdleTransactionOverWebSocket(Context& context) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  auto deadline = Clock::now() + kAnswerTimeout;
  for (size_t i = 0; i < kOpenTransaction.size(); ++i) {
    if (!(*socket)->SendText(WsExecute(int(i) + 1, JsonString(kOpenTransaction[i])), deadline).ok())
      return;
  }
  // hello_ok, the stream opened, BEGIN, INSERT: the transaction holds the write lock
  if (ReadMessages(**socket, 4)) std::this_thread::sleep_for(kIdleSilence);
}

// Pipelines requests for a megabyte each (over 100 MB in all) and never reads, then vanishes.
void WebSocketThatNeverReads(Context& context) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  // A server that stops reading this connection is right to: give up sending soon.
  auto deadline = Clock::now() + milliseconds(2000);
  const std::string large = JsonString("SELECT randomblob(1000000)");
  for (int id = 1; id <= 100; ++id) {
    if (!(*socket)->SendText(WsExecute(id, large), deadline).ok()) break;
  }
  context.Sleep(milliseconds(3000), milliseconds(5000));
}

// Connections that send a request head one byte at a time, for a few seconds, then leave.
void Slowloris(Context& context) {
  const std::string request = FormatRequest(
      "POST", "/v2/pipeline", PipelineBody({ExecuteJson("SELECT 1"), R"({"type":"close"})"}));
  std::vector<HttpConnection> connections;
  for (int i = 0; i < 16; ++i) {
    auto connection = HttpConnection::Open(context.port);
    if (connection.ok()) connections.push_back(std::move(connection).value());
  }
  auto until = Clock::now() + milliseconds(context.Between(4000, 6000));
  for (size_t sent = 0; sent < request.size() && Clock::now() < until; ++sent) {
    for (HttpConnection& connection : connections) {
      // A connection the server has closed just fails to send; the others go on.
      (void)connection.Send(request.substr(sent, 1), milliseconds(100));
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  bool reset = context.Chance();
  for (HttpConnection& connection : connections) connection.Close(reset);
}

// Streams opened and never closed: HTTP batons that are never used again (the streams expire
// after 10 s) ...
void AbandonedStreamsOverHttp(Context& context) {
  for (int i = 0; i < 20; ++i) {
    const char* target = i % 2 == 0 ? "/v2/pipeline" : "/v3/pipeline";
    (void)SendRequest(context.port, "POST", target, PipelineBody({ExecuteJson("SELECT 1")}),
                      kAnswerTimeout);
  }
}

// ... and WebSocket streams that the client opens, uses once and leaves open until it vanishes.
void AbandonedStreamsOverWebSocket(Context& context) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  auto deadline = Clock::now() + kAnswerTimeout;
  for (int stream = 2; stream <= 21; ++stream) {
    std::string id = std::to_string(stream);
    if (!(*socket)
             ->SendText(WsRequest(stream * 2, R"({"type":"open_stream","stream_id":)" + id + "}"),
                        deadline)
             .ok() ||
        !(*socket)
             ->SendText(WsRequest(stream * 2 + 1, R"({"type":"execute","stream_id":)" + id +
                                                      R"(,"stmt":{"sql":"SELECT 1"}})"),
                        deadline)
             .ok()) {
      return;
    }
  }
  context.Sleep(milliseconds(1000), milliseconds(3000));
}

// A cursor over a huge result, whose body is never read; the connection stays a while.
void AbandonedCursorOverHttp(Context& context) {
  auto connection = HttpConnection::Open(context.port);
  if (!connection.ok()) return;
  std::string body = R"({"baton":null,"batch":)" + BatchJson({kLargeResult}) + "}";
  if (!connection->Send(FormatRequest("POST", "/v3/cursor", body)).ok()) return;
  context.Sleep(milliseconds(2000), milliseconds(4000));
  connection->Close(/*reset=*/context.Chance());
}

void AbandonedCursorOverWebSocket(Context& context) {
  auto socket = OpenHranaSocket(context.port);
  if (!socket.ok()) return;
  std::string open = WsRequest(1, R"({"type":"open_cursor","stream_id":1,"cursor_id":1,"batch":)" +
                                      BatchJson({kLargeResult}) + "}");
  if (!(*socket)->SendText(open, Clock::now() + kAnswerTimeout).ok()) return;
  context.Sleep(milliseconds(2000), milliseconds(4000));
}

struct Misbehaviour {
  const char* name;
  bool holds_write_lock;
  void (*act)(Context&);
};

const Misbehaviour kMisbehaviours[] = {
    {"odd-sql-http", false, OddSqlOverHttp},
    {"odd-sql-ws", false, OddSqlOverWebSocket},
    {"runaway-read-http", false, RunawayReadOverHttp},
    {"runaway-read-ws", false, RunawayReadOverWebSocket},
    {"runaway-write-http", true, RunawayWriteOverHttp},
    {"runaway-write-ws", true, RunawayWriteOverWebSocket},
    {"idle-txn-http", true, IdleTransactionOverHttpPipeline},
    {"idle-txn-cursor", true, IdleTransactionOverHttpCursor},
    {"idle-txn-ws", true, IdleTransactionOverWebSocket},
    {"ws-never-reads", false, WebSocketThatNeverReads},
    {"slowloris", false, Slowloris},
    {"abandoned-streams-http", false, AbandonedStreamsOverHttp},
    {"abandoned-streams-ws", false, AbandonedStreamsOverWebSocket},
    {"abandoned-cursor-http", false, AbandonedCursorOverHttp},
    {"abandoned-cursor-ws", false, AbandonedCursorOverWebSocket},
};

}  // namespace

Status HostileClients::CreateTable(uint16_t port) {
  auto created =
      SendRequest(port, "POST", "/v3/pipeline",
                  PipelineBody({ExecuteJson("CREATE TABLE hostile(x)"), R"({"type":"close"})"}));
  if (!created.ok()) return created.status();
  if (TextAt(ParseJson(created->body), "/results/0/type") != "ok") {
    return Status::Internal("CREATE TABLE hostile: " + created->body);
  }
  return Status::Ok();
}

std::vector<std::string> HostileClients::Misbehaviours() {
  std::vector<std::string> names;
  for (const Misbehaviour& misbehaviour : kMisbehaviours) names.push_back(misbehaviour.name);
  return names;
}

HostileClients::HostileClients(uint16_t port, const std::vector<std::string>& misbehaviours,
                               int threads, uint32_t seed, std::chrono::seconds duration) {
  // The write-lock holders get one thread of their own, so that they take turns.
  std::vector<size_t> holders, others;
  for (size_t i = 0; i < std::size(kMisbehaviours); ++i) {
    if (std::find(misbehaviours.begin(), misbehaviours.end(), kMisbehaviours[i].name) ==
        misbehaviours.end()) {
      continue;
    }
    (kMisbehaviours[i].holds_write_lock ? holders : others).push_back(i);
  }
  auto until = Clock::now() + duration;
  if (!holders.empty()) {
    threads_.emplace_back([this, port, holders, seed, until] { Run(port, holders, seed, until); });
  }
  for (int i = 0; i < threads && !others.empty(); ++i) {
    threads_.emplace_back(
        [this, port, others, seed, i, until] { Run(port, others, seed + uint32_t(i) + 1, until); });
  }
}

HostileClients::~HostileClients() {
  Wait();
}

void HostileClients::Wait() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void HostileClients::Run(uint16_t port, std::vector<size_t> deck, uint32_t seed,
                         Clock::time_point until) {
  Context context{port, std::mt19937(seed), [this](std::string what) {
                    std::lock_guard lock(mutex_);
                    unanswered_.push_back(std::move(what));
                  }};
  // The misbehaviours are drawn from a shuffled deck, so that even a short run acts out each.
  for (size_t drawn = deck.size(); Clock::now() < until; ++drawn) {
    if (drawn == deck.size()) {
      std::shuffle(deck.begin(), deck.end(), context.random);
      drawn = 0;
    }
    const Misbehaviour& misbehaviour = kMisbehaviours[deck[drawn]];
    auto start = Clock::now();
    misbehaviour.act(context);
    {
      std::lock_guard lock(mutex_);
      timeline_.push_back({misbehaviour.name, start, Clock::now()});
    }
    if (misbehaviour.holds_write_lock) std::this_thread::sleep_for(kLockCooldown);
    context.Sleep(milliseconds(0), milliseconds(500));
  }
}

std::vector<Act> HostileClients::Timeline() const {
  std::lock_guard lock(mutex_);
  return timeline_;
}

std::vector<std::string> HostileClients::Unanswered() const {
  std::lock_guard lock(mutex_);
  return unanswered_;
}

}  // namespace edgelite::integration::worst_client
