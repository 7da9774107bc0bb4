// Placement of requests on read connections and the writer.
#include "server/request_runner.h"

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
  auto lease = stream.database->readers().Acquire();
  if (!lease.ok()) {
    // Every read connection is busy: the writer can answer reads too.
    RunOnWriter(stream, std::move(operation), settings, /*alone=*/false, std::move(done));
    return;
  }
  hrana::ExecutionContext context =
      MakeContext(stream, settings, lease->get(), hrana::Placement::kReader);
  hrana::RequestOutcome outcome = operation(context);
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome);
      escalation && escalation->kind == hrana::Escalation::Kind::kToOwnConnection) {
    *lease = ReadLease();
    auto own = stream.database->transactions().Acquire();
    if (!own.ok()) {
      RunOnWriter(stream, std::move(operation), settings, /*alone=*/true, std::move(done));
      return;
    }
    lease = std::move(own);
    context = MakeContext(stream, settings, lease->get(), hrana::Placement::kPinned);
    outcome = operation(context);
  }
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) {
    bool alone = escalation->kind == hrana::Escalation::Kind::kToWriterAlone;
    *lease = ReadLease();  // the reader's work is discarded: it had no effect
    RunOnWriter(stream, std::move(operation), settings, alone, std::move(done));
    return;
  }
  *settings.response_budget = context.response_budget;
  if (!lease->get()->autocommit()) {
    // A transaction (read-only, or deferred on a connection of its own) keeps this connection.
    stream.reader = std::move(lease).value();
    stream.pin = Stream::Pin::kReader;
  }
  done(std::move(outcome));
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
