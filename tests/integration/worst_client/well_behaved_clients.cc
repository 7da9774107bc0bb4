// The well-behaved clients: one thread each, over a keep-alive HTTP connection or one WebSocket
// stream, cycling through read, insert, read, transaction with a short pause between operations.
#include "integration/worst_client/well_behaved_clients.h"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "integration/differential/hrana_streams.h"
#include "integration/server_test.h"

namespace edgelite::integration::worst_client {

namespace bj = boost::json;
using Clock = std::chrono::steady_clock;

// Sends `statements` together, on a stream of the client's, and gives the first value each one
// returned ("" when it returned no rows). A statement that fails is a failure of the whole call.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual Result<std::vector<std::string>> Run(const std::vector<std::string>& statements) = 0;
};

namespace {

// Far beyond every latency bound: an operation that times out is a failure, and the test still
// ends instead of hanging on a wedged server.
constexpr auto kOperationTimeout = std::chrono::seconds(20);
// Between two operations of a client: a steady load, not a flood that would measure the machine.
constexpr auto kPause = std::chrono::milliseconds(20);
constexpr int kTransactionRows = 3;

// The first value in the statement result at `result` in `answer`, or "" when it has no rows.
std::string FirstValue(const bj::value& answer, const std::string& result) {
  std::string value = TextAt(answer, result + "/rows/0/0/value");
  return value.rfind("<missing", 0) == 0 ? "" : value;
}

// One pipeline per call on a new stream that the pipeline closes, over a connection kept alive.
class HttpChannel : public Channel {
 public:
  HttpChannel(uint16_t port, std::string target) : port_(port), target_(std::move(target)) {}

  Result<std::vector<std::string>> Run(const std::vector<std::string>& statements) override {
    std::vector<std::string> requests;
    for (const std::string& sql : statements) requests.push_back(ExecuteJson(sql));
    requests.push_back(R"({"type":"close"})");
    if (!connection_) {
      Result<HttpConnection> opened = HttpConnection::Open(port_);
      if (!opened.ok()) return opened.status();
      connection_.emplace(std::move(opened).value());
    }
    Result<HttpResponse> response =
        connection_->Request("POST", target_, PipelineBody(requests), kOperationTimeout);
    if (!response.ok() || response->closes_connection()) connection_.reset();
    if (!response.ok()) return Status::Io(target_ + ": " + response.status().message());
    if (response->status != 200) {
      return Status::Internal(target_ + " answered " + std::to_string(response->status) + ": " +
                              response->body.substr(0, 300));
    }
    bj::error_code error;
    bj::value answer = bj::parse(response->body, error);
    if (error) return Status::Internal(target_ + " answered invalid JSON: " + response->body);
    std::vector<std::string> values;
    for (size_t i = 0; i < statements.size(); ++i) {
      std::string result = "/results/" + std::to_string(i);
      if (TextAt(answer, result + "/type") != "ok") {
        return Status::Internal(statements[i] + " on " + target_ + ": " +
                                bj::serialize(answer).substr(0, 300));
      }
      values.push_back(FirstValue(answer, result + "/response/result"));
    }
    return values;
  }

 private:
  uint16_t port_;
  std::string target_;
  std::optional<HttpConnection> connection_;
};

// Hrana over WebSocket: one connection and one stream, kept while they work. After a failure
// they are dropped (the server rolls back whatever the stream had open) and opened again.
class WebSocketChannel : public Channel {
 public:
  explicit WebSocketChannel(uint16_t port) : port_(port) {}

  Result<std::vector<std::string>> Run(const std::vector<std::string>& statements) override {
    auto deadline = Clock::now() + kOperationTimeout;
    if (!session_) {
      if (Status opened = Open(deadline); !opened.ok()) return opened;
    }
    std::vector<bj::object> requests;
    for (const std::string& sql : statements) {
      requests.push_back(
          {{"type", "execute"}, {"stream_id", stream_id_}, {"stmt", {{"sql", sql}}}});
    }
    auto answers = session_->Exchange(std::move(requests), deadline);
    if (!answers.ok()) {
      session_.reset();
      return Status::Io("WebSocket: " + answers.status().message());
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < statements.size(); ++i) {
      const differential::WebSocketAnswer& answer = (*answers)[i];
      if (!answer.ok) {
        session_.reset();
        return Status::Internal(statements[i] + " over WebSocket: " + bj::serialize(answer.body));
      }
      values.push_back(FirstValue(answer.body, "/result"));
    }
    return values;
  }

 private:
  Status Open(Clock::time_point deadline) {
    auto session = differential::WebSocketSession::Open(port_, deadline);
    if (!session.ok()) return Status::Io("WebSocket: " + session.status().message());
    int32_t stream_id = (*session)->NextStreamId();
    auto opened =
        (*session)->Exchange({{{"type", "open_stream"}, {"stream_id", stream_id}}}, deadline);
    if (!opened.ok()) return Status::Io("WebSocket open_stream: " + opened.status().message());
    if (!(*opened)[0].ok) {
      return Status::Internal("open_stream refused: " + bj::serialize((*opened)[0].body));
    }
    session_ = std::move(session).value();
    stream_id_ = stream_id;
    return Status::Ok();
  }

  uint16_t port_;
  std::unique_ptr<differential::WebSocketSession> session_;
  int32_t stream_id_ = 0;
};

std::chrono::milliseconds Milliseconds(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration);
}

}  // namespace

const char* OperationName(Operation operation) {
  switch (operation) {
    case Operation::kRead:
      return "read";
    case Operation::kInsert:
      return "insert";
    case Operation::kTransaction:
      return "transaction";
  }
  return "?";
}

Status WellBehavedClients::CreateTable(uint16_t port) {
  HttpChannel channel(port, "/v3/pipeline");
  Result<std::vector<std::string>> created =
      channel.Run({"CREATE TABLE soak(client TEXT NOT NULL, n INTEGER NOT NULL)",
                   "CREATE INDEX soak_by_client ON soak(client)"});
  return created.ok() ? Status::Ok() : created.status();
}

Result<int64_t> WellBehavedClients::CountRows(uint16_t port) {
  HttpChannel channel(port, "/v3/pipeline");
  Result<std::vector<std::string>> counted = channel.Run({"SELECT count(*) FROM soak"});
  if (!counted.ok()) return counted.status();
  return std::stoll(counted->front());
}

WellBehavedClients::WellBehavedClients(uint16_t port, int http_clients, int ws_clients) {
  for (int i = 0; i < http_clients; ++i) {
    std::string target = i % 2 == 0 ? "/v2/pipeline" : "/v3/pipeline";
    threads_.emplace_back([this, port, i, target] {
      HttpChannel channel(port, target);
      Run("http-" + std::to_string(i + 1), channel);
    });
  }
  for (int i = 0; i < ws_clients; ++i) {
    threads_.emplace_back([this, port, i] {
      WebSocketChannel channel(port);
      Run("ws-" + std::to_string(i + 1), channel);
    });
  }
}

WellBehavedClients::~WellBehavedClients() {
  Stop();
}

void WellBehavedClients::Stop() {
  stopping_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void WellBehavedClients::Run(std::string name, Channel& channel) {
  const std::string count = "SELECT count(*) FROM soak WHERE client = '" + name + "'";
  int64_t acknowledged = 0;  // this client's rows the server said it stored
  bool in_doubt = false;     // after a failed write, which may or may not have landed
  int64_t next_n = 0;
  auto insert = [&] {
    return "INSERT INTO soak(client, n) VALUES ('" + name + "', " + std::to_string(next_n++) + ")";
  };
  for (int step = 0; !stopping_; ++step) {
    // read, insert, read, transaction
    Operation operation = step % 2 == 0   ? Operation::kRead
                          : step % 4 == 1 ? Operation::kInsert
                                          : Operation::kTransaction;
    std::vector<std::string> statements;
    int64_t rows = 0;
    if (operation == Operation::kRead) {
      statements = {count};
    } else if (operation == Operation::kInsert) {
      statements = {insert()};
      rows = 1;
    } else {
      statements.push_back("BEGIN");
      for (int i = 0; i < kTransactionRows; ++i) statements.push_back(insert());
      statements.push_back("COMMIT");
      rows = kTransactionRows;
    }

    auto started = Clock::now();
    Result<std::vector<std::string>> values = channel.Run(statements);
    auto took = Clock::now() - started;
    if (!values.ok()) {
      Fail(name, operation, values.status().message());
      in_doubt = in_doubt || operation != Operation::kRead;
    } else if (operation == Operation::kRead) {
      Record(operation, took);
      int64_t counted = std::stoll(values->front());
      if (!in_doubt && counted != acknowledged) {
        Fail(name, operation,
             "counted " + std::to_string(counted) + " of its rows, but " +
                 std::to_string(acknowledged) + " were acknowledged");
      }
      acknowledged = counted;
      in_doubt = false;
    } else {
      Record(operation, took);
      acknowledged += rows;
      rows_acknowledged_ += rows;
    }
    std::this_thread::sleep_for(kPause);
  }
}

void WellBehavedClients::Record(Operation operation, Clock::duration took) {
  std::lock_guard lock(mutex_);
  latencies_[operation].push_back(took);
}

void WellBehavedClients::Fail(const std::string& client, Operation operation,
                              const std::string& what) {
  std::lock_guard lock(mutex_);
  failures_.push_back({Clock::now(), client + " " + OperationName(operation) + ": " + what});
}

LatencySummary WellBehavedClients::Summary(Operation operation) const {
  std::vector<Clock::duration> sorted;
  {
    std::lock_guard lock(mutex_);
    if (auto found = latencies_.find(operation); found != latencies_.end()) sorted = found->second;
  }
  if (sorted.empty()) return {};
  std::sort(sorted.begin(), sorted.end());
  // The nearest-rank percentile: the smallest value that at least p of the samples do not exceed.
  auto percentile = [&](size_t p) {
    return Milliseconds(sorted[(sorted.size() * p + 99) / 100 - 1]);
  };
  return {sorted.size(), percentile(50), percentile(99), Milliseconds(sorted.back())};
}

std::vector<Failure> WellBehavedClients::Failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

}  // namespace edgelite::integration::worst_client
