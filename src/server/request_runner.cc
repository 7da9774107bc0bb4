// Placement of requests on read connections, the writer and connections of streams' own.
#include "server/request_runner.h"

#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "hrana/request_executor.h"
#include "server/metrics/namespace_stats.h"

namespace edgelite::server {
namespace {

// Reads get this long on an I/O thread before they are moved to a read worker.
constexpr auto kInlineReadBudget = std::chrono::milliseconds(5);
// SQLite calls the progress handler every this many virtual machine instructions.
constexpr int kProgressInterval = 1000;
// How long a stream's write waits for the writer's grant: well past the transaction timeout (5 s),
// so that a write queued behind idle transactions, even two in a row, gets the grant once they
// are rolled back instead of failing at the same moment.
constexpr auto kWriteGrantWait = std::chrono::seconds(15);
// How soon the writer asks again to revoke the grant of a stream that was running a request.
constexpr auto kRevokeRetry = std::chrono::milliseconds(100);

hrana::ExecutionContext MakeContext(Stream& stream, const RunSettings& settings,
                                    sqlite::Connection* connection, hrana::Placement placement) {
  hrana::ExecutionContext context;
  context.connection = connection;
  context.placement = placement;
  context.version = settings.version;
  context.sql_store = &stream.sql_store;
  context.may_write = settings.may_write;
  context.namespace_name = stream.database->name();
  context.blocks = stream.database->blocks();
  context.statements = stream.database->stats();
  context.response_budget = settings.max_response_size;
  context.state = stream.state;
  if (placement == hrana::Placement::kOwn) context.write_grant = &stream.write_grant;
  Database* database = stream.database.get();
  context.replication_index = [database] { return database->replication_index(); };
  return context;
}

// Runs `operation` in `context`, in the serial order when the execution trace is on.
hrana::RequestOutcome Execute(Stream& stream, const Operation& operation,
                              hrana::ExecutionContext& context, const RunSettings& settings) {
  ExecutionTrace* trace = stream.database->trace();
  if (!trace) return operation(context);
  // A stream's own connection takes the grant before the trace's lock, as the writer does, so the
  // two never wait on each other.
  if (context.write_grant) context.write_grant->Acquire();
  auto serial = trace->Serialize();
  hrana::RequestOutcome outcome = operation(context);
  // Requests without SQL (get_autocommit) depend on nothing but their stream: not ordered.
  if (!std::holds_alternative<hrana::Escalation>(outcome) && !settings.trace_label.empty()) {
    trace->Record(settings.trace_label);
  }
  return outcome;
}

// Installs a progress handler for the length of a scope (a pooled connection must not keep it).
class ProgressHandlerScope {
 public:
  ProgressHandlerScope(sqlite3* db, int (*handler)(void*), void* argument) : db_(db) {
    sqlite3_progress_handler(db_, kProgressInterval, handler, argument);
  }
  ~ProgressHandlerScope() { sqlite3_progress_handler(db_, 0, nullptr, nullptr); }
  ProgressHandlerScope(const ProgressHandlerScope&) = delete;
  ProgressHandlerScope& operator=(const ProgressHandlerScope&) = delete;

 private:
  sqlite3* db_;
};

struct InlineBudget {
  std::chrono::steady_clock::time_point deadline;
  bool exceeded = false;

  static int Check(void* argument) {
    auto* budget = static_cast<InlineBudget*>(argument);
    if (std::chrono::steady_clock::now() < budget->deadline) return 0;
    budget->exceeded = true;
    return 1;  // interrupts the statement
  }
};

// Interrupts work off the I/O threads once its client has gone (ClientPresence), or the server
// is shutting down.
struct ClientWatch {
  const WorkerPool* workers;
  ClientPresence client;

  static int Check(void* argument) {
    auto* watch = static_cast<ClientWatch*>(argument);
    return watch->workers->stopping() || watch->client.Gone() ? 1 : 0;
  }
};

hrana::RequestOutcome InternalFailure(std::string message) {
  return hrana::RequestFailure{500, std::move(message)};
}

// Runs `run` for the stream on a stream worker: work that may wait (for the writer's grant) or
// run long (reads inside a transaction) never runs on an I/O thread or the writer's.
using StreamWork = void (*)(Stream&, const Operation&, const RunSettings&,
                            std::function<void(hrana::RequestOutcome)>);
void OnStreamWorker(StreamWork run, Stream& stream, Operation operation, RunSettings settings,
                    std::function<void(hrana::RequestOutcome)> done) {
  stream.database->stream_workers().Submit(
      [run, &stream, operation = std::move(operation), settings, done = std::move(done)]() mutable {
        run(stream, operation, settings, std::move(done));
      });
}

void RunOnOwnConnection(Stream& stream, const Operation& operation, const RunSettings& settings,
                        std::function<void(hrana::RequestOutcome)> done);

// Gives the stream a read-write connection of its own and runs the operation there (on a stream
// worker).
void MoveToOwnConnection(Stream& stream, const Operation& operation, const RunSettings& settings,
                         std::function<void(hrana::RequestOutcome)> done) {
  auto own = stream.database->own_connections().Acquire();
  if (!own.ok()) {
    done(hrana::RequestFailure{503, std::string(own.status().message())});
    return;
  }
  stream.connection = std::move(own).value();
  stream.pin = Stream::Pin::kOwn;
  RunOnOwnConnection(stream, operation, settings, std::move(done));
}

// After a request on the stream's own connection: a connection that served only a transaction
// that has ended goes back to the pool, and so does the write grant.
void SettleOwnConnection(Stream& stream) {
  if (!stream.connection.get()->autocommit()) return;
  stream.write_grant.Release();
  if (stream.holds_state) return;
  stream.connection = ReadLease();
  stream.pin = Stream::Pin::kNone;
}

void RunOnOwnConnection(Stream& stream, const Operation& operation, const RunSettings& settings,
                        std::function<void(hrana::RequestOutcome)> done) {
  ClientWatch watch{&stream.database->stream_workers(), settings.client};
  if (ClientWatch::Check(&watch)) {
    done(ClientGoneFailure());
    return;
  }
  hrana::RequestOutcome outcome;
  {
    std::lock_guard lock(stream.connection_mutex);
    // The writer or other streams may have changed the schema since this connection last ran.
    // Not inside a transaction: there it would take the snapshot before the client's first
    // statement does (and a deferred transaction's write would then find it outdated).
    if (stream.connection.get()->autocommit()) (void)stream.connection.get()->CheckSchema();
    hrana::ExecutionContext context =
        MakeContext(stream, settings, stream.connection.get(), hrana::Placement::kOwn);
    {
      ProgressHandlerScope scope(stream.connection.get()->handle(), &ClientWatch::Check, &watch);
      outcome = Execute(stream, operation, context, settings);
    }
    // Interrupted: whatever it did is beside the point for a client that is not there.
    if (watch.client.Gone()) outcome = ClientGoneFailure();
    if (std::holds_alternative<hrana::Escalation>(outcome)) {
      outcome = InternalFailure("a request on a stream's own connection asked to move");
    }
    stream.state = context.state;
    if (context.session_state_changed && !stream.holds_state) {
      stream.holds_state = true;
      stream.connection.DiscardOnRelease();
    }
    SettleOwnConnection(stream);
    stream.idle_since = std::chrono::steady_clock::now();
  }
  done(std::move(outcome));
}

void RunOnPinnedReader(Stream& stream, const Operation& operation, const RunSettings& settings,
                       std::function<void(hrana::RequestOutcome)> done) {
  ClientWatch watch{&stream.database->stream_workers(), settings.client};
  hrana::ExecutionContext context =
      MakeContext(stream, settings, stream.connection.get(), hrana::Placement::kPinnedReader);
  hrana::RequestOutcome outcome;
  {
    ProgressHandlerScope scope(stream.connection.get()->handle(), &ClientWatch::Check, &watch);
    outcome = Execute(stream, operation, context, settings);
  }
  if (watch.client.Gone()) outcome = ClientGoneFailure();
  stream.state = context.state;
  if (stream.connection.get()->autocommit()) {
    stream.connection = ReadLease();
    stream.pin = Stream::Pin::kNone;
  }
  done(std::move(outcome));
}

void RunOnWriter(Stream& stream, Operation operation, RunSettings settings,
                 std::function<void(hrana::RequestOutcome)> done) {
  // The stream's state as the counting run leaves it: the writer may run a request twice.
  auto final_state = std::make_shared<hrana::StreamState>();
  WriteJob job;
  job.trace_label = std::string(settings.trace_label);
  job.client = settings.client;
  job.run = [&stream, operation, settings, final_state](sqlite::Connection& connection,
                                                        hrana::Placement placement) {
    hrana::ExecutionContext context = MakeContext(stream, settings, &connection, placement);
    hrana::RequestOutcome outcome = operation(context);
    *final_state = context.state;
    return outcome;
  };
  job.done = [&stream, operation, settings, final_state,
              done = std::move(done)](hrana::RequestOutcome outcome) mutable {
    if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) {
      if (escalation->kind != hrana::Escalation::Kind::kToOwnConnection) {
        done(InternalFailure("the writer could not place a request"));
        return;
      }
      OnStreamWorker(&MoveToOwnConnection, stream, std::move(operation), settings,
                     std::move(done));
      return;
    }
    stream.state = *final_state;
    done(std::move(outcome));
  };
  stream.database->writer().Submit(std::move(job));
}

// What follows a run on a pooled read connection: an escalation moves the operation on (its run
// there had no effect), and a read-only transaction left open pins the connection to the stream.
void FinishRead(Stream& stream, ReadLease lease, hrana::ExecutionContext& context,
                const RunSettings& settings, Operation& operation, hrana::RequestOutcome outcome,
                std::function<void(hrana::RequestOutcome)> done) {
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) {
    lease = ReadLease();
    if (escalation->kind == hrana::Escalation::Kind::kToOwnConnection) {
      OnStreamWorker(&MoveToOwnConnection, stream, std::move(operation), settings,
                     std::move(done));
    } else {
      RunOnWriter(stream, std::move(operation), settings, std::move(done));
    }
    return;
  }
  stream.state = context.state;
  if (!lease.get()->autocommit()) {
    // A read-only transaction keeps this connection.
    lease.ReleaseSnapshot();
    stream.connection = std::move(lease);
    stream.pin = Stream::Pin::kReader;
  }
  done(std::move(outcome));
}

// One run of `operation` on a pooled read connection, with `check` as its progress handler.
struct ReaderRun {
  ReadLease lease;
  hrana::ExecutionContext context;
  hrana::RequestOutcome outcome;
};

// Nullopt when every read connection is busy (the writer can answer reads too).
std::optional<ReaderRun> RunOnPooledReader(Stream& stream, const Operation& operation,
                                           const RunSettings& settings, int (*check)(void*),
                                           void* watch) {
  // Traced, the snapshot is taken in the serial order too.
  std::unique_lock<std::recursive_mutex> serial;
  if (ExecutionTrace* trace = stream.database->trace()) serial = trace->Serialize();
  auto lease = stream.database->readers().Acquire();
  if (!lease.ok()) return std::nullopt;
  ReaderRun run{std::move(lease).value(), {}, {}};
  run.context = MakeContext(stream, settings, run.lease.get(), hrana::Placement::kReader);
  ProgressHandlerScope scope(run.lease.get()->handle(), check, watch);
  run.outcome = Execute(stream, operation, run.context, settings);
  return run;
}

void RunOnReadWorker(Stream& stream, Operation operation, RunSettings settings,
                     std::function<void(hrana::RequestOutcome)> done) {
  stream.database->read_workers().Submit(
      [&stream, operation = std::move(operation), settings, done = std::move(done)]() mutable {
        ClientWatch watch{&stream.database->read_workers(), settings.client};
        auto run = RunOnPooledReader(stream, operation, settings, &ClientWatch::Check, &watch);
        if (!run) {
          RunOnWriter(stream, std::move(operation), settings, std::move(done));
          return;
        }
        FinishRead(stream, std::move(run->lease), run->context, settings, operation,
                   std::move(run->outcome), std::move(done));
      });
}

}  // namespace

namespace {

std::string_view TextOf(const std::optional<std::string>& sql) {
  return sql ? std::string_view(*sql) : std::string_view();
}

}  // namespace

std::string_view TraceLabel(const hrana::Batch& batch) {
  return batch.steps.empty() ? std::string_view() : TextOf(batch.steps[0].stmt.sql);
}

std::string_view TraceLabel(const hrana::StreamRequest& request) {
  if (auto* execute = std::get_if<hrana::ExecuteRequest>(&request)) return TextOf(execute->stmt.sql);
  if (auto* batch = std::get_if<hrana::BatchRequest>(&request)) return TraceLabel(batch->batch);
  if (auto* sequence = std::get_if<hrana::SequenceRequest>(&request)) return TextOf(sequence->sql);
  if (auto* describe = std::get_if<hrana::DescribeRequest>(&request)) return TextOf(describe->sql);
  return {};
}

void RunRequest(Stream& stream, const hrana::StreamRequest& request, RunSettings settings,
                std::function<void(hrana::RequestOutcome)> done) {
  if (!hrana::NeedsConnection(request)) {
    hrana::ExecutionContext context =
        MakeContext(stream, settings, nullptr, hrana::Placement::kReader);
    done(hrana::RunStreamRequest(context, request));
    return;
  }
  settings.trace_label = TraceLabel(request);
  RunOperation(
      stream,
      [&request](hrana::ExecutionContext& context) {
        return hrana::RunStreamRequest(context, request);
      },
      settings, std::move(done));
}

void RunOperation(Stream& stream, Operation operation, RunSettings settings,
                  std::function<void(hrana::RequestOutcome)> done) {
  if (NamespaceStats* stats = stream.database->stats()) {
    done = [stats, transport = settings.transport, started = std::chrono::steady_clock::now(),
            done = std::move(done)](hrana::RequestOutcome outcome) {
      stats->RecordRequest(transport, std::chrono::duration<double>(
                                          std::chrono::steady_clock::now() - started)
                                          .count());
      done(std::move(outcome));
    };
  }
  switch (stream.pin) {
    case Stream::Pin::kOwn:
      OnStreamWorker(&RunOnOwnConnection, stream, std::move(operation), settings, std::move(done));
      return;
    case Stream::Pin::kReader:
      OnStreamWorker(&RunOnPinnedReader, stream, std::move(operation), settings, std::move(done));
      return;
    case Stream::Pin::kNone:
      break;
  }
  // Traced runs are never stopped and run again: each must be the one that counts.
  InlineBudget budget{stream.database->trace() ? std::chrono::steady_clock::time_point::max()
                                               : std::chrono::steady_clock::now() + kInlineReadBudget};
  auto run = RunOnPooledReader(stream, operation, settings, &InlineBudget::Check, &budget);
  if (!run) {
    // Every read connection is busy: the writer can answer reads too.
    RunOnWriter(stream, std::move(operation), settings, std::move(done));
    return;
  }
  if (budget.exceeded) {
    // On a read connection the interrupted run had no effect: run it again where it may take
    // as long as it needs.
    run->lease = ReadLease();
    RunOnReadWorker(stream, std::move(operation), settings, std::move(done));
    return;
  }
  FinishRead(stream, std::move(run->lease), run->context, settings, operation,
             std::move(run->outcome), std::move(done));
}

void ReleaseStream(Stream& stream) {
  std::lock_guard lock(stream.connection_mutex);
  // Destroying the lease rolls back an open transaction (or closes a connection that holds the
  // stream's state); the grant goes after it.
  stream.connection = ReadLease();
  stream.pin = Stream::Pin::kNone;
  stream.holds_state = false;
  stream.write_grant.Release();
}

bool StreamWriteGrant::Acquire() {
  if (!held_) held_ = writer_->AcquireGrant(this, std::chrono::steady_clock::now() + kWriteGrantWait);
  return held_;
}

std::optional<std::chrono::steady_clock::time_point> StreamWriteGrant::Revoke(
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(stream_->connection_mutex, std::try_to_lock);
  auto now = std::chrono::steady_clock::now();
  if (!lock.owns_lock()) return now + kRevokeRetry;  // running a request: not idle
  if (held_ && now < stream_->idle_since + timeout) return stream_->idle_since + timeout;
  sqlite::Connection* connection = stream_->connection.get();
  if (connection && !connection->autocommit()) {
    (void)connection->Exec("ROLLBACK");
    stream_->state.transaction_timed_out = true;
    spdlog::info("{}: rolled back a transaction idle for over {} ms while others waited to write",
                 stream_->database->name(), timeout.count());
  }
  writer_->ReleaseGrant(this);
  held_ = false;
  return std::nullopt;
}

void StreamWriteGrant::Release() {
  if (!held_) return;
  writer_->ReleaseGrant(this);
  held_ = false;
}

}  // namespace edgelite::server
