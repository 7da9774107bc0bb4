// Placement of requests on read connections and the writer.
#include "server/request_runner.h"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include "hrana/request_executor.h"

namespace edgelite::server {
namespace {

hrana::ExecutionContext MakeContext(Stream& stream, const RunSettings& settings,
                                    sqlite::Connection* connection, hrana::Placement placement) {
  hrana::ExecutionContext context;
  context.connection = connection;
  context.placement = placement;
  context.version = settings.version;
  context.sql_store = &stream.sql_store;
  context.may_write = settings.may_write;
  context.namespace_name = stream.database->name();
  context.response_budget = *settings.response_budget;
  Database* database = stream.database;
  context.replication_index = [database] { return database->replication_index(); };
  return context;
}

// Reads get this long on an I/O thread before they are moved to a read worker.
constexpr auto kInlineReadBudget = std::chrono::milliseconds(5);
// SQLite calls the progress handler every this many virtual machine instructions.
constexpr int kProgressInterval = 1000;
// How often a read worker checks that the client of a long read is still connected.
constexpr auto kClientCheckInterval = std::chrono::milliseconds(100);

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

// Interrupts a long read whose client has gone away (nobody would read its result, and a client
// that retries would otherwise pile up runaway queries until no worker is left).
struct ClientWatch {
  const ReadWorkers* workers;
  int socket;
  std::chrono::steady_clock::time_point next_check;

  static int Check(void* argument) {
    auto* watch = static_cast<ClientWatch*>(argument);
    if (watch->workers->stopping()) return 1;  // the server is shutting down
    if (watch->socket < 0) return 0;
    auto now = std::chrono::steady_clock::now();
    if (now < watch->next_check) return 0;
    watch->next_check = now + kClientCheckInterval;
    char byte;
    ssize_t peeked = recv(watch->socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    bool gone =
        peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    return gone ? 1 : 0;
  }
};

void RunOnWriter(Stream& stream, Operation operation, RunSettings settings, bool alone,
                 std::function<void(hrana::RequestOutcome)> done) {
  WriteJob job;
  job.stream_id = stream.id;
  job.alone = alone;
  job.run = [&stream, operation = std::move(operation), settings](sqlite::Connection& connection,
                                                                  hrana::Placement placement) {
    hrana::ExecutionContext context = MakeContext(stream, settings, &connection, placement);
    hrana::RequestOutcome outcome = operation(context);
    *settings.response_budget = context.response_budget;
    return outcome;
  };
  job.done = [&stream, done = std::move(done)](WriteCompletion completion) {
    stream.pin = completion.in_transaction ? Stream::Pin::kWriter : Stream::Pin::kNone;
    done(std::move(completion.outcome));
  };
  stream.database->writer().Submit(std::move(job));
}

// What follows a run on a read connection: an escalation moves the operation on (its run there
// had no effect), and a transaction left open pins the connection to the stream.
void FinishRead(Stream& stream, ReadLease lease, hrana::ExecutionContext& context,
                RunSettings settings, Operation& operation, hrana::RequestOutcome outcome,
                std::function<void(hrana::RequestOutcome)> done) {
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome);
      escalation && escalation->kind == hrana::Escalation::Kind::kToOwnConnection) {
    lease = ReadLease();
    auto own = stream.database->transactions().Acquire();
    if (!own.ok()) {
      RunOnWriter(stream, std::move(operation), settings, /*alone=*/true, std::move(done));
      return;
    }
    lease = std::move(own).value();
    context = MakeContext(stream, settings, lease.get(), hrana::Placement::kPinned);
    outcome = operation(context);
  }
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) {
    bool alone = escalation->kind == hrana::Escalation::Kind::kToWriterAlone;
    lease = ReadLease();
    RunOnWriter(stream, std::move(operation), settings, alone, std::move(done));
    return;
  }
  *settings.response_budget = context.response_budget;
  if (!lease.get()->autocommit()) {
    // A transaction (read-only, or deferred on a connection of its own) keeps this connection.
    lease.ReleaseSnapshot();
    stream.reader = std::move(lease);
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
  auto lease = stream.database->readers().Acquire();
  if (!lease.ok()) return std::nullopt;
  ReaderRun run{std::move(lease).value(), {}, {}};
  run.context = MakeContext(stream, settings, run.lease.get(), hrana::Placement::kReader);
  ProgressHandlerScope scope(run.lease.get()->handle(), check, watch);
  run.outcome = operation(run.context);
  return run;
}

void RunOnReadWorker(Stream& stream, Operation operation, RunSettings settings,
                     std::function<void(hrana::RequestOutcome)> done) {
  stream.database->read_workers().Submit(
      [&stream, operation = std::move(operation), settings, done = std::move(done)]() mutable {
        ClientWatch watch{&stream.database->read_workers(), settings.client_socket,
                          std::chrono::steady_clock::now()};
        auto run = RunOnPooledReader(stream, operation, settings, &ClientWatch::Check, &watch);
        if (!run) {
          RunOnWriter(stream, std::move(operation), settings, /*alone=*/false, std::move(done));
          return;
        }
        FinishRead(stream, std::move(run->lease), run->context, settings, operation,
                   std::move(run->outcome), std::move(done));
      });
}

}  // namespace

void RunRequest(Stream& stream, const hrana::StreamRequest& request, RunSettings settings,
                std::function<void(hrana::RequestOutcome)> done) {
  if (!hrana::NeedsConnection(request)) {
    hrana::ExecutionContext context =
        MakeContext(stream, settings, nullptr, hrana::Placement::kReader);
    done(hrana::RunStreamRequest(context, request));
    return;
  }
  RunOperation(
      stream,
      [&request](hrana::ExecutionContext& context) {
        return hrana::RunStreamRequest(context, request);
      },
      settings, std::move(done));
}

void RunOperation(Stream& stream, Operation operation, RunSettings settings,
                  std::function<void(hrana::RequestOutcome)> done) {
  switch (stream.pin) {
    case Stream::Pin::kWriter:
      RunOnWriter(stream, std::move(operation), settings, /*alone=*/true, std::move(done));
      return;
    case Stream::Pin::kReader: {
      hrana::ExecutionContext context =
          MakeContext(stream, settings, stream.reader.get(), hrana::Placement::kPinned);
      hrana::RequestOutcome outcome = operation(context);
      *settings.response_budget = context.response_budget;
      if (stream.reader.get()->autocommit()) {
        stream.reader = ReadLease();
        stream.pin = Stream::Pin::kNone;
      }
      done(std::move(outcome));
      return;
    }
    case Stream::Pin::kNone:
      break;
  }
  InlineBudget budget{std::chrono::steady_clock::now() + kInlineReadBudget};
  auto run = RunOnPooledReader(stream, operation, settings, &InlineBudget::Check, &budget);
  if (!run) {
    // Every read connection is busy: the writer can answer reads too.
    RunOnWriter(stream, std::move(operation), settings, /*alone=*/false, std::move(done));
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

void ReleaseStream(Stream& stream, std::function<void()> done) {
  switch (stream.pin) {
    case Stream::Pin::kNone:
      done();
      return;
    case Stream::Pin::kReader:
      stream.reader = ReadLease();  // rolls back
      stream.pin = Stream::Pin::kNone;
      done();
      return;
    case Stream::Pin::kWriter: {
      WriteJob job;
      job.kind = WriteJob::Kind::kRelease;
      job.stream_id = stream.id;
      job.done = [&stream, done = std::move(done)](WriteCompletion) {
        stream.pin = Stream::Pin::kNone;
        done();
      };
      stream.database->writer().Submit(std::move(job));
      return;
    }
  }
}

}  // namespace edgelite::server
