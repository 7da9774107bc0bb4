// A differential-test client: streams, rounds, polite transactions, records.
#include "integration/differential/client.h"

#include <fmt/format.h>

#include <map>
#include <memory>

namespace edgelite::differential {
namespace {

std::string DescribeRound(const std::vector<Request>& round) {
  std::string text;
  for (const Request& request : round) {
    text += fmt::format("\n    [{}] {}", request.marker, Describe(request));
  }
  return text;
}

}  // namespace

ClientResult RunClient(const ClientOptions& options) {
  ClientResult result;
  Workload workload(options.seed, options.client, options.features);
  std::unique_ptr<WebSocketSession> session;
  std::map<int32_t, StmtSpec> session_store;  // a WebSocket connection's stored SQL
  int32_t session_next_id = 1;
  int stream_number = 0;

  auto running = [&] {
    return !options.stop->load() && Clock::now() < options.stop_at &&
           result.records.size() < options.max_requests;
  };
  auto fail = [&](std::string message) {
    result.failure = std::move(message);
    options.stop->store(true);
    return result;
  };

  while (running()) {
    bool websocket = options.features.websocket && (!options.features.http || workload.Chance(0.5));
    std::string name = fmt::format("c{}s{}", options.client, stream_number++);
    std::unique_ptr<HranaStream> stream;
    std::map<int32_t, StmtSpec> stream_store;  // an HTTP stream's stored SQL
    int32_t stream_next_id = 1;
    StreamState state;
    if (websocket) {
      if (!session || workload.Chance(0.1)) {
        session.reset();
        session_store.clear();
        session_next_id = 1;
        auto opened = WebSocketSession::Open(options.port, Clock::now() + options.request_timeout);
        if (!opened.ok()) {
          return fail(name + ": cannot open a WebSocket connection: " + opened.status().message());
        }
        session = std::move(*opened);
      }
      auto opened = WebSocketStream::Open(*session, Clock::now() + options.request_timeout);
      if (!opened.ok()) {
        return fail(name + ": cannot open a WebSocket stream: " + opened.status().message());
      }
      stream = std::move(*opened);
      state.stored = &session_store;
      state.next_sql_id = &session_next_id;
    } else {
      stream = std::make_unique<HttpStream>(options.port);
      state.stored = &stream_store;
      state.next_sql_id = &stream_next_id;
    }

    std::string failure;
    auto send = [&](const std::vector<Request>& round) {
      Clock::time_point sent = Clock::now();
      auto outcomes = stream->Send(round, sent + options.request_timeout);
      Clock::time_point received = Clock::now();
      if (!outcomes.ok()) {
        failure =
            fmt::format("stream {} ({}), after {:.1f} s: {}\n  the requests:{}", name,
                        stream->transport(), std::chrono::duration<double>(received - sent).count(),
                        outcomes.status().message(), DescribeRound(round));
        return false;
      }
      for (size_t i = 0; i < round.size(); ++i) {
        result.records.push_back(Record{options.client, name, stream->transport(), round[i],
                                        std::move((*outcomes)[i]), sent, received});
      }
      for (size_t i = round.size(); i-- > 0;) {
        if (round[i].kind != RequestKind::kGetAutocommit) continue;
        const Outcome& answer = result.records[result.records.size() - round.size() + i].edgelite;
        if (answer.failed) break;
        bool in_transaction = !answer.is_autocommit;
        if (in_transaction && !state.in_transaction) {
          state.requests_in_transaction = 0;
          state.transaction_limit = workload.Uniform(1, 4);
        } else if (in_transaction) {
          ++state.requests_in_transaction;
        }
        state.in_transaction = in_transaction;
        break;
      }
      return true;
    };

    int rounds = workload.Uniform(1, 20);
    for (int i = 0; i < rounds && running(); ++i) {
      std::vector<Request> round = workload.NextRound(state);
      if (!send(round)) return fail(failure);
      if (round.size() == 1 && round[0].kind == RequestKind::kCursor &&
          !send({workload.GetAutocommit()})) {
        return fail(failure);
      }
    }
    // Be polite: end the transaction before closing, except now and then, to see that closing a
    // stream rolls it back.
    bool keep_open = workload.Chance(0.05);
    for (int attempt = 0; state.in_transaction && !keep_open && attempt < 2; ++attempt) {
      if (!send(workload.EndTransaction(attempt > 0 || workload.Chance(0.5)))) return fail(failure);
    }
    if (!send({workload.Close()})) return fail(failure);
  }
  return result;
}

ClientResult RunSetup(uint16_t port, std::chrono::milliseconds timeout) {
  ClientResult result;
  Request schema;
  schema.kind = RequestKind::kBatch;
  schema.marker = "setup.0";
  Step begin;
  begin.stmt.sql = "/*setup.0*/ BEGIN";
  schema.steps.push_back(begin);
  std::vector<std::string> statements = SchemaStatements();
  statements.push_back("COMMIT");
  for (const std::string& sql : statements) {
    Step step;
    step.condition = Condition{Condition::Type::kOk, uint32_t(schema.steps.size() - 1), {}};
    step.stmt.sql = sql;
    if (sql.starts_with("INSERT")) step.stmt.kind = StatementKind::kInsert;
    schema.steps.push_back(step);
  }
  Request close;
  close.kind = RequestKind::kClose;
  close.marker = "setup.1";
  HttpStream stream(port);
  std::vector<Request> round = {schema, close};
  Clock::time_point sent = Clock::now();
  auto outcomes = stream.Send(round, sent + timeout);
  if (!outcomes.ok()) {
    result.failure = "the schema could not be created: " + outcomes.status().message();
    return result;
  }
  for (size_t i = 0; i < round.size(); ++i) {
    result.records.push_back(
        Record{-1, kSetupStream, "http", round[i], (*outcomes)[i], sent, Clock::now()});
  }
  return result;
}

}  // namespace edgelite::differential
