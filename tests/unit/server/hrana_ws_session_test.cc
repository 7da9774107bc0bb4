// Tests for the Hrana WebSocket session without a socket: a fake transport records the frames and
// the close the session asks for, and a small task queue plays the connection's thread (writes
// complete on the database's writer thread and are posted back to it). They cover what a client
// sees: subprotocol choice, hello and auth, version gates, the close code of each violation,
// in-order streams that do not wait for each other, stored SQL, cursors, the stream limit, and
// that a connection going away never leaves its transaction holding the write lock.
#include "server/hrana_ws_session.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "unit/server/auth/jwt_test_support.h"
#include "unit/server/test_database.h"

namespace edgelite::server {
namespace {

namespace bj = boost::json;
using hrana::ws::Subprotocol;

TEST(NegotiateSubprotocolTest, PrefersTheServersOrderAndIgnoresCase) {
  auto chosen = [](std::optional<std::string_view> offered) {
    auto negotiated = NegotiateSubprotocol(offered);
    EXPECT_TRUE(negotiated.ok()) << negotiated.status().message();
    return negotiated.ok() ? negotiated->echo : "<refused>";
  };
  EXPECT_EQ(chosen("hrana2,hrana1"), "hrana2");
  EXPECT_EQ(chosen("hrana1, hrana3 ,hrana2"), "hrana3");
  EXPECT_EQ(chosen("hrana3-protobuf,hrana3,hrana2,hrana1"), "hrana3-protobuf");
  EXPECT_EQ(chosen("foo, HRANA2"), "HRANA2");  // echoed as the client spelled it
  EXPECT_EQ(NegotiateSubprotocol("Hrana3-Protobuf")->subprotocol, Subprotocol::kHrana3Protobuf);
}

TEST(NegotiateSubprotocolTest, WithoutTheHeaderIsHrana1AndEchoesNothing) {
  auto negotiated = NegotiateSubprotocol(std::nullopt);
  ASSERT_TRUE(negotiated.ok());
  EXPECT_EQ(negotiated->subprotocol, Subprotocol::kHrana1);
  EXPECT_EQ(negotiated->echo, "");
}

TEST(NegotiateSubprotocolTest, RefusesWhenNothingMatches) {
  for (std::string_view offered : {"bogus", "", "hrana4, json"}) {
    auto negotiated = NegotiateSubprotocol(offered);
    ASSERT_FALSE(negotiated.ok()) << offered;
    EXPECT_EQ(
        negotiated.status().message(),
        "Only these WebSocket subprotocols are supported: hrana3-protobuf hrana3 hrana2 hrana1");
  }
}

// The connection's thread: tasks may be posted from any thread and run when the test drains them.
class TaskQueue {
 public:
  void Post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    ready_.notify_one();
  }
  // Runs tasks until `done` holds; false after five seconds without it.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      std::unique_lock lock(mutex_);
      if (!ready_.wait_until(lock, deadline, [&] { return !tasks_.empty(); })) return false;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
    }
    return true;
  }
  // Runs the tasks already queued.
  void RunPending() {
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
};

class FakeTransport : public WsTransport {
 public:
  void Send(WsFrame frame) override { frames.push_back(std::move(frame)); }
  bool Congested() const override { return congested; }
  bool congested = false;  // the client is behind on reading
  void Close(WsCloseCode code, std::string reason) override {
    EXPECT_FALSE(close.has_value()) << "closed twice";
    close = {code, std::move(reason)};
  }
  std::vector<WsFrame> frames;
  std::optional<std::pair<WsCloseCode, std::string>> close;
};

// One client connection: a session, its transport, and helpers to talk JSON to it.
struct Client {
  FakeTransport transport;
  std::shared_ptr<HranaWsSession> session;
  size_t read = 0;  // frames already returned by Next()

  void Send(std::string_view json) { session->Receive(false, json); }
  void Hello(std::optional<std::string> jwt = std::nullopt) {
    Send(jwt ? R"({"type":"hello","jwt":")" + *jwt + "\"}" : R"({"type":"hello"})");
  }
  void Request(int32_t id, std::string_view request) {
    Send(R"({"type":"request","request_id":)" + std::to_string(id) + R"(,"request":)" +
         std::string(request) + "}");
  }
  void Open(int32_t id, int32_t stream) {
    Request(id, R"({"type":"open_stream","stream_id":)" + std::to_string(stream) + "}");
  }
  void Execute(int32_t id, int32_t stream, std::string_view sql) {
    bj::object stmt{{"sql", sql}};
    Request(id,
            bj::serialize(bj::object{{"type", "execute"}, {"stream_id", stream}, {"stmt", stmt}}));
  }
};

class HranaWsSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(database_.get(), nullptr);
    UseAuth(auth::AuthConfig{});
  }
  void TearDown() override {
    // Sessions go first: their streams hold read connections of the database.
    for (auto& client : clients_) Shutdown(*client);
    tasks_.RunPending();
    clients_.clear();
    database_.Close();
  }

  void UseAuth(auth::AuthConfig config) {
    auto created = auth::Authenticator::Create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.status().message();
    authenticator_ = std::move(created).value();
  }

  Client& Connect(Subprotocol subprotocol = Subprotocol::kHrana3, size_t max_streams = 512,
                  size_t max_cursor_size = 20 * 1024 * 1024) {
    auto client = std::make_unique<Client>();
    WsSessionSettings settings;
    settings.subprotocol = subprotocol;
    settings.database = database_.shared();
    settings.authenticator = authenticator_.get();
    settings.post = [this](std::function<void()> task) { tasks_.Post(std::move(task)); };
    settings.max_streams = max_streams;
    settings.max_cursor_size = max_cursor_size;
    client->session = HranaWsSession::Create(std::move(settings), &client->transport);
    clients_.push_back(std::move(client));
    return *clients_.back();
  }

  // The next frame the client got, as JSON (waiting for it when needed).
  bj::object Next(Client& client) {
    bool arrived = tasks_.RunUntil([&] { return client.transport.frames.size() > client.read; });
    EXPECT_TRUE(arrived) << "no answer from the server";
    if (!arrived) return {};
    const WsFrame& frame = client.transport.frames[client.read++];
    EXPECT_FALSE(frame.binary);
    return bj::parse(frame.payload).as_object();
  }

  // The answer to request `id`: the response's JSON, or the error's code prefixed with "error:".
  std::string Answer(Client& client, int32_t id) {
    bj::object message = Next(client);
    EXPECT_EQ(message["request_id"], id) << bj::serialize(message);
    if (message["type"] == "response_error") {
      return "error:" + std::string(message["error"].as_object()["code"].as_string());
    }
    return bj::serialize(message["response"]);
  }

  // The first value of the first row of an execute response.
  std::string FirstValue(Client& client, int32_t id) {
    bj::object message = Next(client);
    EXPECT_EQ(message["type"], "response_ok") << bj::serialize(message);
    if (message["type"] != "response_ok") return "";
    auto& rows = message["response"].as_object()["result"].as_object()["rows"].as_array();
    EXPECT_EQ(message["request_id"], id);
    if (rows.empty()) return "<no rows>";
    auto& value = rows[0].as_array()[0].as_object();
    return bj::serialize(value.contains("value") ? value["value"] : value["type"]);
  }

  std::optional<std::pair<WsCloseCode, std::string>> CloseOf(Client& client) {
    tasks_.RunUntil([&] { return client.transport.close.has_value(); });
    return client.transport.close;
  }

  void Shutdown(Client& client) {
    bool done = false;
    client.session->Shutdown([&] { done = true; });
    EXPECT_TRUE(tasks_.RunUntil([&] { return done; })) << "streams were not released";
  }

  test::TestDatabase database_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  TaskQueue tasks_;
  std::vector<std::unique_ptr<Client>> clients_;
};

TEST_F(HranaWsSessionTest, RunsStatementsOnAStream) {
  Client& c = Connect();
  c.Hello();
  EXPECT_EQ(bj::serialize(Next(c)), R"({"type":"hello_ok"})");
  c.Open(1, 10);
  EXPECT_EQ(Answer(c, 1), R"({"type":"open_stream"})");
  c.Execute(2, 10, "CREATE TABLE t (x)");
  Next(c);
  c.Execute(3, 10, "INSERT INTO t VALUES (42)");
  Next(c);
  c.Execute(4, 10, "SELECT x FROM t");
  EXPECT_EQ(FirstValue(c, 4), R"("42")");
  c.Execute(5, 10, "SELECT * FROM nope");
  EXPECT_EQ(Answer(c, 5), "error:SQLITE_UNKNOWN");
  c.Request(6, R"({"type":"close_stream","stream_id":10})");
  EXPECT_EQ(Answer(c, 6), R"({"type":"close_stream"})");
  EXPECT_FALSE(c.transport.close.has_value());
}

// Turso's BEGIN CONCURRENT, which stock SQLite cannot parse, runs as BEGIN IMMEDIATE here too.
TEST_F(HranaWsSessionTest, RunsABeginConcurrentTransaction) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 10);
  Next(c);
  c.Execute(2, 10, "CREATE TABLE t (x)");
  Next(c);
  c.Execute(3, 10, "begin concurrent transaction");
  EXPECT_FALSE(Answer(c, 3).starts_with("error:"));
  c.Execute(4, 10, "INSERT INTO t VALUES (1)");
  Next(c);
  c.Request(5, R"({"type":"get_autocommit","stream_id":10})");
  EXPECT_EQ(Answer(c, 5), R"({"type":"get_autocommit","is_autocommit":false})");
  c.Execute(6, 10, "COMMIT");
  EXPECT_FALSE(Answer(c, 6).starts_with("error:"));
  c.Execute(7, 10, "SELECT count(*) FROM t");
  EXPECT_EQ(FirstValue(c, 7), R"("1")");
}

TEST_F(HranaWsSessionTest, ClosesWithTheCodeOfEachViolation) {
  struct Case {
    Subprotocol subprotocol;
    std::vector<std::string> frames;
    bool binary;
    WsCloseCode code;
    std::string reason_start;
  };
  const std::vector<Case> cases = {
      {Subprotocol::kHrana2,
       {R"({"type":)"},
       false,
       WsCloseCode::kInvalid,
       "Cannot decode client message from JSON: invalid JSON"},
      {Subprotocol::kHrana2,
       {"\x01"},
       true,
       WsCloseCode::kUnsupported,
       "Received a binary WebSocket message"},
      {Subprotocol::kHrana3Protobuf,
       {R"({"type":"hello"})"},
       false,
       WsCloseCode::kUnsupported,
       "Received a text WebSocket message"},
      {Subprotocol::kHrana3Protobuf,
       {"\xff\xff"},
       true,
       WsCloseCode::kInvalid,
       "Cannot decode client message from Protobuf"},
      {Subprotocol::kHrana2,
       {R"({"type":"request","request_id":1,"request":{"type":"open_stream","stream_id":1}})"},
       false,
       WsCloseCode::kPolicy,
       "Received a request before hello message"},
      {Subprotocol::kHrana1,
       {R"({"type":"hello"})", R"({"type":"hello"})"},
       false,
       WsCloseCode::kPolicy,
       "Repeated hello message is only supported in protocol version hrana2 and higher"},
  };
  for (const Case& test : cases) {
    Client& c = Connect(test.subprotocol);
    for (const std::string& frame : test.frames) c.session->Receive(test.binary, frame);
    auto close = CloseOf(c);
    ASSERT_TRUE(close.has_value()) << test.reason_start;
    EXPECT_EQ(close->first, test.code) << close->second;
    EXPECT_TRUE(close->second.starts_with(test.reason_start)) << close->second;
  }
}

TEST_F(HranaWsSessionTest, GatesRequestsOnTheNegotiatedVersion) {
  struct Case {
    Subprotocol subprotocol;
    std::string request;
    std::string since;  // the version the close reason names
  };
  const std::vector<Case> cases = {
      {Subprotocol::kHrana1, R"({"type":"store_sql","sql_id":1,"sql":"SELECT 1"})", "hrana2"},
      {Subprotocol::kHrana1, R"({"type":"sequence","stream_id":1,"sql":"SELECT 1"})", "hrana2"},
      {Subprotocol::kHrana1, R"({"type":"get_autocommit","stream_id":1})", "hrana2"},
      {Subprotocol::kHrana2, R"({"type":"fetch_cursor","cursor_id":1,"max_count":1})", "hrana3"},
  };
  for (const Case& test : cases) {
    Client& c = Connect(test.subprotocol);
    c.Hello();
    c.Open(1, 1);
    c.Request(2, test.request);
    auto close = CloseOf(c);
    ASSERT_TRUE(close.has_value()) << test.request;
    EXPECT_EQ(close->first, WsCloseCode::kPolicy);
    EXPECT_TRUE(close->second.ends_with("is only supported in protocol version " + test.since +
                                        " and higher"))
        << close->second;
  }
  // An is_autocommit condition in a Hrana 1 batch is the executor's protocol error: a close too.
  Client& c = Connect(Subprotocol::kHrana1);
  c.Hello();
  c.Open(1, 1);
  c.Request(
      2,
      R"({"type":"batch","stream_id":1,"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"SELECT 1"}}]}})");
  auto close = CloseOf(c);
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->first, WsCloseCode::kPolicy);
}

// Hrana 3 requests that edgelite accepts from Hrana 2 on, as on /v2/pipeline
// (hrana/protocol_version.h).
TEST_F(HranaWsSessionTest, Hrana2HasGetAutocommitAndTheIsAutocommitCondition) {
  Client& c = Connect(Subprotocol::kHrana2);
  c.Hello();
  Next(c);
  c.Open(1, 1);
  Next(c);
  c.Execute(2, 1, "BEGIN");
  Next(c);
  c.Request(3, R"({"type":"get_autocommit","stream_id":1})");
  EXPECT_EQ(Answer(c, 3), R"({"type":"get_autocommit","is_autocommit":false})");
  c.Request(
      4,
      R"({"type":"batch","stream_id":1,"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"SELECT 1"}},)"
      R"({"condition":{"type":"not","cond":{"type":"is_autocommit"}},"stmt":{"sql":"COMMIT"}}]}})");
  bj::object batch = bj::parse(Answer(c, 4)).as_object();
  auto& steps = batch["result"].as_object()["step_results"].as_array();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_TRUE(steps[0].is_null()) << "skipped: a transaction is open";
  EXPECT_FALSE(steps[1].is_null());
  c.Request(5, R"({"type":"get_autocommit","stream_id":1})");
  EXPECT_EQ(Answer(c, 5), R"({"type":"get_autocommit","is_autocommit":true})");
  EXPECT_FALSE(c.transport.close.has_value());
}

TEST_F(HranaWsSessionTest, ClosesOnUnknownOrDuplicateIds) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"execute","stream_id":9,"stmt":{"sql":"SELECT 1"}})", "Stream 9 not found"},
      {R"({"type":"open_stream","stream_id":1})", "Stream 1 already exists"},
      {R"({"type":"fetch_cursor","cursor_id":3,"max_count":1})", "Cursor 3 not found"},
      {R"({"type":"execute","stream_id":1,"stmt":{"sql_id":8}})", "SQL text 8 not found"},
  };
  for (const auto& [request, reason] : cases) {
    Client& c = Connect();
    c.Hello();
    c.Open(1, 1);
    c.Request(2, request);
    auto close = CloseOf(c);
    ASSERT_TRUE(close.has_value()) << request;
    EXPECT_EQ(close->first, WsCloseCode::kPolicy);
    EXPECT_EQ(close->second, reason);
  }
}

TEST_F(HranaWsSessionTest, IgnoresEverythingAfterAClose) {
  Client& c = Connect();
  c.Request(1, R"({"type":"open_stream","stream_id":1})");
  ASSERT_TRUE(CloseOf(c).has_value());
  c.Hello();
  c.Open(2, 1);
  tasks_.RunPending();
  EXPECT_TRUE(c.transport.frames.empty());
}

TEST_F(HranaWsSessionTest, RefusesABadTokenWithHelloErrorAndCloses) {
  auto key = auth::test::GenerateKeyPair();
  auth::AuthConfig config;
  config.jwt_key_text = auth::test::PublicKeyPem(key.public_key);
  UseAuth(std::move(config));

  Client& missing = Connect();
  missing.Hello();
  // Checked like an absent `Authorization: Bearer` header, as sqld does.
  EXPECT_EQ(
      bj::serialize(Next(missing)),
      R"({"type":"hello_error","error":{"message":"Authentication failed: Expected authorization header but none given","code":"AUTH_HEADER_NOT_FOUND"}})");
  ASSERT_TRUE(missing.transport.close.has_value());
  EXPECT_EQ(missing.transport.close->first, WsCloseCode::kNormal);

  Client& invalid = Connect();
  invalid.Hello("not-a-jwt");
  EXPECT_EQ(Next(invalid)["error"].as_object()["code"], "AUTH_JWT_INVALID");
  invalid.Open(1, 1);
  EXPECT_EQ(invalid.transport.frames.size(), 1u);  // nothing after hello_error
}

TEST_F(HranaWsSessionTest, AReadOnlyTokenCanReadAndAReHelloCanUpgradeIt) {
  auto key = auth::test::GenerateKeyPair();
  auth::AuthConfig config;
  config.jwt_key_text = auth::test::PublicKeyPem(key.public_key);
  UseAuth(std::move(config));
  const std::string read_only = auth::test::SignToken(key, R"({"a":"ro"})");
  const std::string read_write = auth::test::SignToken(key, R"({"a":"rw"})");

  Client& c = Connect(Subprotocol::kHrana2);
  c.Hello(read_only);
  EXPECT_EQ(Next(c)["type"], "hello_ok");
  c.Open(1, 1);
  Next(c);
  c.Execute(2, 1, "SELECT 1");
  EXPECT_EQ(FirstValue(c, 2), R"("1")");
  c.Execute(3, 1, "CREATE TABLE t (x)");
  EXPECT_EQ(Answer(c, 3), "error:PERMISSION_DENIED");
  c.Hello(read_write);
  EXPECT_EQ(Next(c)["type"], "hello_ok");
  c.Execute(4, 1, "CREATE TABLE t (x)");
  EXPECT_EQ(Next(c)["type"], "response_ok");
}

TEST_F(HranaWsSessionTest, RunsPipelinedRequestsOfAStreamInOrder) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 1);
  c.Execute(2, 1, "CREATE TABLE seq (n INTEGER)");
  // All sent before any answer: writes complete on the writer thread, yet in order.
  for (int n = 0; n < 100; ++n)
    c.Execute(10 + n, 1, "INSERT INTO seq VALUES (" + std::to_string(n) + ")");
  c.Execute(200, 1, "SELECT group_concat(n) FROM (SELECT n FROM seq ORDER BY rowid)");
  Next(c);
  Next(c);
  for (int n = 0; n < 100; ++n) {
    bj::object answer = Next(c);
    EXPECT_EQ(answer["request_id"], 10 + n);
    EXPECT_EQ(answer["response"].as_object()["result"].as_object()["last_insert_rowid"],
              bj::value(std::to_string(n + 1)));
  }
  std::string expected;
  for (int n = 0; n < 100; ++n) expected += (n ? "," : "") + std::to_string(n);
  EXPECT_EQ(FirstValue(c, 200), "\"" + expected + "\"");
}

TEST_F(HranaWsSessionTest, StreamsDoNotWaitForEachOther) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 1);
  c.Open(2, 2);
  c.Open(3, 3);
  c.Execute(4, 1, "CREATE TABLE t (x)");
  for (int i = 0; i < 4; ++i) Next(c);
  c.Execute(5, 1, "BEGIN IMMEDIATE");
  EXPECT_EQ(Next(c)["request_id"], 5);
  // Stream 2's write waits for stream 1's transaction; stream 3's read does not wait for it.
  c.Execute(6, 2, "INSERT INTO t VALUES (2)");
  c.Execute(7, 3, "SELECT count(*) FROM t");
  EXPECT_EQ(FirstValue(c, 7), R"("0")");
  c.Execute(8, 1, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(Next(c)["request_id"], 8);
  c.Execute(9, 1, "COMMIT");
  std::set<int64_t> ids;
  for (int i = 0; i < 2; ++i) ids.insert(Next(c)["request_id"].as_int64());
  EXPECT_EQ(ids, (std::set<int64_t>{6, 9}));
  c.Execute(10, 3, "SELECT count(*) FROM t");
  EXPECT_EQ(FirstValue(c, 10), R"("2")");
}

TEST_F(HranaWsSessionTest, StoredSqlBelongsToTheConnectionAndIsResolvedOnArrival) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Request(1, R"({"type":"store_sql","sql_id":5,"sql":"SELECT 'stored'"})");
  EXPECT_EQ(Answer(c, 1), R"({"type":"store_sql"})");
  c.Open(2, 1);
  c.Open(3, 2);
  Next(c);
  Next(c);
  // Used from two streams, and closed right after being used: the requests already sent keep it.
  c.Request(4, R"({"type":"execute","stream_id":1,"stmt":{"sql_id":5}})");
  c.Request(5, R"({"type":"describe","stream_id":2,"sql_id":5})");
  c.Request(6, R"({"type":"close_sql","sql_id":5})");
  std::map<int64_t, bj::object> answers;
  for (int i = 0; i < 3; ++i) {
    bj::object answer = Next(c);
    answers[answer["request_id"].as_int64()] = answer;
  }
  EXPECT_EQ(answers[4]["type"], "response_ok");
  EXPECT_EQ(answers[5]["response"].as_object()["type"], "describe");
  EXPECT_EQ(answers[6]["response"].as_object()["type"], "close_sql");
  // Closing an unknown id is fine; storing a taken one is a protocol error.
  c.Request(7, R"({"type":"close_sql","sql_id":5})");
  EXPECT_EQ(Answer(c, 7), R"({"type":"close_sql"})");
  c.Request(8, R"({"type":"store_sql","sql_id":1,"sql":"x"})");
  Next(c);
  c.Request(9, R"({"type":"store_sql","sql_id":1,"sql":"x"})");
  auto close = CloseOf(c);
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->first, WsCloseCode::kPolicy);
}

TEST_F(HranaWsSessionTest, StoresAtMost150SqlTexts) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  for (int id = 0; id < 150; ++id) {
    c.Request(id,
              R"({"type":"store_sql","sql_id":)" + std::to_string(id) + R"(,"sql":"SELECT 1"})");
    EXPECT_EQ(Answer(c, id), R"({"type":"store_sql"})");
  }
  c.Request(150, R"({"type":"store_sql","sql_id":150,"sql":"SELECT 1"})");
  EXPECT_EQ(Answer(c, 150), "error:SQL_STORE_TOO_MANY");
  EXPECT_FALSE(c.transport.close.has_value());
}

TEST_F(HranaWsSessionTest, HandsOutACursorInChunks) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 1);
  Next(c);
  c.Request(2, R"({"type":"open_cursor","stream_id":1,"cursor_id":7,"batch":{"steps":[
      {"stmt":{"sql":"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2500) SELECT i FROM c"}},
      {"stmt":{"sql":"SELECT * FROM nope"}}]}})");
  EXPECT_EQ(Answer(c, 2), R"({"type":"open_cursor"})");
  // 1 step_begin + 2500 rows + step_end + step_error = 2503 entries.
  size_t total = 0;
  std::vector<std::string> last_types;
  for (int id = 3; id < 6; ++id) {
    c.Request(id, R"({"type":"fetch_cursor","cursor_id":7,"max_count":1000})");
    bj::object response = bj::parse(Answer(c, id)).as_object();
    auto& entries = response["entries"].as_array();
    total += entries.size();
    EXPECT_EQ(response["done"], id == 5) << id;
    if (id == 5) {
      for (auto& entry : entries)
        last_types.push_back(std::string(entry.as_object()["type"].as_string()));
    }
  }
  EXPECT_EQ(total, 2503u);
  ASSERT_GE(last_types.size(), 2u);
  EXPECT_EQ(last_types[last_types.size() - 2], "step_end");
  EXPECT_EQ(last_types.back(), "step_error");  // and no replication_index entry after it
  c.Request(6, R"({"type":"fetch_cursor","cursor_id":7,"max_count":1000})");
  EXPECT_EQ(Answer(c, 6), R"({"type":"fetch_cursor","entries":[],"done":true})");
  c.Request(7, R"({"type":"close_cursor","cursor_id":7})");
  EXPECT_EQ(Answer(c, 7), R"({"type":"close_cursor"})");
  // The stream is usable again, and may open another cursor.
  c.Execute(8, 1, "SELECT 8");
  EXPECT_EQ(FirstValue(c, 8), R"("8")");
  c.Request(9, R"({"type":"open_cursor","stream_id":1,"cursor_id":7,"batch":{"steps":[]}})");
  EXPECT_EQ(Answer(c, 9), R"({"type":"open_cursor"})");
  c.Request(10, R"({"type":"open_cursor","stream_id":1,"cursor_id":8,"batch":{"steps":[]}})");
  auto close = CloseOf(c);
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->second, "Stream 1 already has an open cursor");
}

// Cursors are buffered: all those a connection holds open share one size limit, so a client that
// opens a cursor on every stream and fetches nothing holds no more than one cursor could.
TEST_F(HranaWsSessionTest, OpenCursorsShareTheConnectionsCursorBudget) {
  Client& c = Connect(Subprotocol::kHrana3, 512, /*max_cursor_size=*/64 * 1024);
  c.Hello();
  Next(c);
  c.Open(1, 1);
  Next(c);
  c.Open(2, 2);
  Next(c);
  // About 40 KB each as entries.
  const std::string batch =
      R"({"steps":[{"stmt":{"sql":"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40) SELECT randomblob(700) FROM c"}}]})";
  c.Request(3, R"({"type":"open_cursor","stream_id":1,"cursor_id":1,"batch":)" + batch + "}");
  EXPECT_EQ(Answer(c, 3), R"({"type":"open_cursor"})");
  // The step that would go past the budget fails, as a step does in a cursor: with an entry.
  auto last_entry_of = [&](int open_id, int cursor_id) {
    c.Request(open_id, R"({"type":"open_cursor","stream_id":2,"cursor_id":)" +
                           std::to_string(cursor_id) + R"(,"batch":)" + batch + "}");
    EXPECT_EQ(Answer(c, open_id), R"({"type":"open_cursor"})");
    c.Request(open_id + 1, R"({"type":"fetch_cursor","cursor_id":)" + std::to_string(cursor_id) +
                               R"(,"max_count":1000})");
    bj::object fetched = bj::parse(Answer(c, open_id + 1)).as_object();
    std::string last = bj::serialize(fetched["entries"].as_array().back());
    c.Request(open_id + 2, R"({"type":"close_cursor","cursor_id":)" + std::to_string(cursor_id) + "}");
    Next(c);
    return last;
  };
  EXPECT_NE(last_entry_of(10, 2).find("RESPONSE_TOO_LARGE"), std::string::npos);
  // Once the first cursor is closed, its share is free again.
  c.Request(5, R"({"type":"close_cursor","cursor_id":1})");
  EXPECT_EQ(Answer(c, 5), R"({"type":"close_cursor"})");
  EXPECT_EQ(last_entry_of(20, 3), R"({"type":"step_end","affected_row_count":0,"last_insert_rowid":null})");
}

TEST_F(HranaWsSessionTest, BoundsTheNumberOfStreams) {
  Client& c = Connect(Subprotocol::kHrana3, /*max_streams=*/2);
  c.Hello();
  Next(c);
  c.Open(1, 1);
  c.Open(2, 2);
  EXPECT_EQ(Answer(c, 1), R"({"type":"open_stream"})");
  EXPECT_EQ(Answer(c, 2), R"({"type":"open_stream"})");
  c.Open(3, 3);
  EXPECT_EQ(Answer(c, 3), "error:STREAMS_TOO_MANY");
  // The id stays taken until closed, and its requests fail without closing the connection.
  c.Execute(4, 3, "SELECT 1");
  EXPECT_EQ(Answer(c, 4), "error:STREAM_NOT_OPEN");
  c.Request(5, R"({"type":"open_cursor","stream_id":3,"cursor_id":1,"batch":{"steps":[]}})");
  EXPECT_EQ(Answer(c, 5), "error:STREAM_NOT_OPEN");
  c.Request(6, R"({"type":"fetch_cursor","cursor_id":1,"max_count":10})");
  EXPECT_EQ(Answer(c, 6), "error:CURSOR_NOT_OPEN");
  c.Request(7, R"({"type":"close_stream","stream_id":3})");
  EXPECT_EQ(Answer(c, 7), R"({"type":"close_stream"})");
  // Closing a real stream makes room for a new one.
  c.Request(8, R"({"type":"close_stream","stream_id":1})");
  Next(c);
  c.Open(9, 4);
  EXPECT_EQ(Answer(c, 9), R"({"type":"open_stream"})");
  // A client that keeps opening past twice the limit is cut off.
  for (int id = 10; id < 13; ++id) c.Open(id, id);
  auto close = CloseOf(c);
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->first, WsCloseCode::kPolicy);
}

// A client that does not read its answers gets no more of them: its requests wait, unstarted,
// until it catches up; then they run in order.
TEST_F(HranaWsSessionTest, NoRequestStartsWhileTheClientIsBehindOnReading) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 10);
  Next(c);
  c.transport.congested = true;
  c.Execute(2, 10, "SELECT 2");
  c.Execute(3, 10, "SELECT 3");
  tasks_.RunPending();
  EXPECT_EQ(c.transport.frames.size(), c.read) << "a request started while the client was behind";
  EXPECT_GT(c.session->queued_bytes(), 0u);
  c.transport.congested = false;
  c.session->Resume();
  EXPECT_EQ(FirstValue(c, 2), R"("2")");
  EXPECT_EQ(FirstValue(c, 3), R"("3")");
  EXPECT_EQ(c.session->queued_bytes(), 0u);
}

// However many streams a connection opens, only so many of its requests run at once.
TEST_F(HranaWsSessionTest, BoundsTheRequestsRunningAtOnce) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 10000);
  Next(c);
  c.Execute(2, 10000, "CREATE TABLE t(x)");
  Next(c);
  const int streams = int(HranaWsSession::kMaxRunning) + 4;
  for (int i = 0; i < streams; ++i) {
    c.Open(1000 + i, i);
    Next(c);
  }
  // Writes wait for the writer, which this test holds up.
  auto gate = test::BlockWriter(*database_);
  for (int i = 0; i < streams; ++i) c.Execute(i, i, "INSERT INTO t VALUES (1)");
  tasks_.RunPending();
  EXPECT_GT(c.session->queued_bytes(), 0u) << "every request started at once";
  gate->count_down();
  std::set<int64_t> answered;
  for (int i = 0; i < streams; ++i) answered.insert(Next(c)["request_id"].as_int64());
  EXPECT_EQ(answered.size(), size_t(streams));
}

TEST_F(HranaWsSessionTest, AVanishedClientDoesNotKeepTheWriteLock) {
  Client& first = Connect();
  first.Hello();
  Next(first);
  first.Open(1, 1);
  first.Execute(2, 1, "CREATE TABLE t (x)");
  first.Execute(3, 1, "BEGIN IMMEDIATE");
  first.Execute(4, 1, "INSERT INTO t VALUES (1)");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Next(first)["type"], "response_ok");
  // A second stream of the same client queues a write behind the transaction.
  first.Open(5, 2);
  first.Execute(6, 2, "INSERT INTO t VALUES (2)");
  EXPECT_EQ(Next(first)["request_id"], 5);
  Shutdown(first);

  Client& second = Connect();
  second.Hello();
  Next(second);
  second.Open(1, 1);
  second.Execute(2, 1, "INSERT INTO t VALUES (3)");
  Next(second);
  EXPECT_EQ(Answer(second, 2).substr(0, 18), R"({"type":"execute",)");
  second.Execute(3, 1, "SELECT group_concat(x) FROM t");
  // The open transaction was rolled back; the queued write may or may not have run before that.
  std::string values = FirstValue(second, 3);
  EXPECT_TRUE(values == R"("3")" || values == R"("2,3")") << values;
}

TEST_F(HranaWsSessionTest, ShutdownWaitsForARunningRequest) {
  Client& c = Connect();
  c.Hello();
  Next(c);
  c.Open(1, 1);
  c.Execute(2, 1, "BEGIN IMMEDIATE");
  c.Execute(3, 1, "CREATE TABLE t (x)");
  c.Execute(4, 1, "INSERT INTO t VALUES (1)");
  Shutdown(c);  // before any answer arrived: the queued requests are dropped
  Client& other = Connect();
  other.Hello();
  Next(other);
  other.Open(1, 1);
  other.Execute(2, 1, "CREATE TABLE t (y)");
  Next(other);
  EXPECT_EQ(Next(other)["type"], "response_ok");  // the writer is free again
}

}  // namespace
}  // namespace edgelite::server
