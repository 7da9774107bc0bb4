// proxy.Proxy Execute/Describe/Disconnect on per-client streams.
#include "server/replication/proxy_service.h"

#include <fmt/format.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <functional>

#include "hrana/batch_executor.h"
#include "hrana/request_executor.h"
#include "protocol/proxy_translation.h"
#include "server/await_callback.h"
#include "server/metrics/namespace_stats.h"
#include "server/request_runner.h"

namespace edgelite::replication {

namespace asio = boost::asio;
using server::GrpcCode;
using server::GrpcStatus;

struct ProxyService::Client {
  std::shared_ptr<server::Stream> stream;
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
  bool busy = false;       // a call holds the client
  bool forgotten = false;  // removed from clients_: the stream goes once no call holds it
  std::deque<std::function<void()>> waiters;  // calls queued behind the one holding it
};

namespace {

using server::AwaitCallback;

asio::awaitable<hrana::RequestOutcome> Run(server::Stream& stream, server::Operation operation,
                                           server::RunSettings settings) {
  return AwaitCallback<hrana::RequestOutcome>(
      [&stream, operation = std::move(operation), settings](auto done) mutable {
        server::RunOperation(stream, std::move(operation), settings, std::move(done));
      });
}

hrana::RequestOutcome FromBatchOutcome(hrana::BatchOutcome outcome) {
  if (auto* result = std::get_if<hrana::BatchResult>(&outcome)) {
    return hrana::StreamResult(hrana::StreamResponse(hrana::BatchResponse{std::move(*result)}));
  }
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) return *escalation;
  return std::get<hrana::RequestFailure>(outcome);
}

// sqld answers every failure of a whole program or describe this way (docs/protocol.md §10.2).
GrpcStatus Denied(const hrana::RequestFailure& failure) {
  return {GrpcCode::kPermissionDenied, failure.message};
}

GrpcStatus Unexpected(std::string_view call) {
  return {GrpcCode::kInternal, fmt::format("{} produced an unexpected kind of result", call)};
}

}  // namespace

asio::awaitable<server::GrpcReply<proxy::ExecuteResults>> ProxyService::Execute(
    const std::shared_ptr<server::Database>& database, bool may_write, const proxy::ProgramReq& request,
    server::ClientPresence caller) {
  if (!request.has_pgm()) {
    co_return GrpcStatus{GrpcCode::kInvalidArgument, "ProgramReq has no program (field pgm)"};
  }
  auto batch = ProgramToBatch(request.pgm());
  if (!batch.ok()) co_return GrpcStatus{GrpcCode::kInvalidArgument, batch.status().message()};
  Acquired acquired = co_await Acquire(request.client_id(), database);
  if (auto* status = std::get_if<GrpcStatus>(&acquired)) co_return *status;
  std::shared_ptr<Client> client = std::get<std::shared_ptr<Client>>(acquired);
  if (server::NamespaceStats* stats = database->stats()) stats->RecordDelegatedWrite();

  // Hrana 3 semantics: the is_autocommit condition is part of the proxy protocol.
  const hrana::Batch& steps = *batch;
  server::RunSettings settings{hrana::ProtocolVersion::kV3, may_write, limits_.max_response_size,
                               caller, server::TraceLabel(steps),
                               server::RequestTransport::kGrpc};
  hrana::RequestOutcome outcome = co_await Run(
      *client->stream,
      [&steps](hrana::ExecutionContext& context) {
        return FromBatchOutcome(hrana::ExecuteBatch(context, steps));
      },
      settings);
  bool in_transaction = client->stream->in_transaction();
  Release(client);

  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) co_return Denied(*failure);
  auto* result = std::get_if<hrana::StreamResult>(&outcome);
  auto* response = result ? std::get_if<hrana::StreamResponse>(result) : nullptr;
  auto* batch_response = response ? std::get_if<hrana::BatchResponse>(response) : nullptr;
  if (!batch_response) co_return Unexpected("Execute");
  co_return ToExecuteResults(batch_response->result, in_transaction);
}

asio::awaitable<server::GrpcReply<proxy::DescribeResult>> ProxyService::Describe(
    const std::shared_ptr<server::Database>& database, const proxy::DescribeRequest& request) {
  Acquired acquired = co_await Acquire(request.client_id(), database);
  if (auto* status = std::get_if<GrpcStatus>(&acquired)) co_return *status;
  std::shared_ptr<Client> client = std::get<std::shared_ptr<Client>>(acquired);

  hrana::StreamRequest describe =
      hrana::DescribeRequest{request.stmt(), std::nullopt, std::nullopt};
  server::RunSettings settings{hrana::ProtocolVersion::kV3, /*may_write=*/false,
                               limits_.max_response_size, {}, server::TraceLabel(describe),
                               server::RequestTransport::kGrpc};
  hrana::RequestOutcome outcome = co_await Run(
      *client->stream,
      [&describe](hrana::ExecutionContext& context) {
        return hrana::RunStreamRequest(context, describe);
      },
      settings);
  Release(client);

  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) co_return Denied(*failure);
  auto* result = std::get_if<hrana::StreamResult>(&outcome);
  if (!result) co_return Unexpected("Describe");
  // A statement that does not prepare is, on sqld too, a failed call rather than a
  // DescribeResult holding an error.
  if (auto* error = std::get_if<hrana::Error>(result)) {
    co_return GrpcStatus{GrpcCode::kPermissionDenied, SqliteMessageOf(*error)};
  }
  auto* described = std::get_if<hrana::DescribeResponse>(&std::get<hrana::StreamResponse>(*result));
  if (!described) co_return Unexpected("Describe");
  proxy::DescribeResult reply;
  *reply.mutable_description() = ToDescription(described->result);
  co_return reply;
}

proxy::Ack ProxyService::Disconnect(const proxy::DisconnectMessage& message) {
  std::shared_ptr<Client> released;
  {
    std::lock_guard lock(mutex_);
    auto found = clients_.find(message.client_id());
    if (found == clients_.end()) return proxy::Ack();
    std::shared_ptr<Client> client = std::move(found->second);
    clients_.erase(found);
    client->forgotten = true;
    // A busy client's stream goes when its call releases it.
    if (!client->busy) released = std::move(client);
  }
  if (released) ReleaseStreamOf(std::move(released));
  return proxy::Ack();
}

void ProxyService::CollectIdle(std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<Client>> released;
  {
    std::lock_guard lock(mutex_);
    for (auto it = clients_.begin(); it != clients_.end();) {
      Client& client = *it->second;
      if (client.busy || now - client.last_used < limits_.idle_timeout) {
        ++it;
        continue;
      }
      client.forgotten = true;
      released.push_back(std::move(it->second));
      it = clients_.erase(it);
    }
  }
  for (auto& client : released) ReleaseStreamOf(std::move(client));
}

void ProxyService::DisconnectAll() {
  std::vector<std::shared_ptr<Client>> released;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, client] : clients_) {
      client->forgotten = true;
      if (!client->busy) released.push_back(client);
    }
    clients_.clear();
  }
  for (auto& client : released) ReleaseStreamOf(std::move(client));
}

size_t ProxyService::client_count() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

asio::awaitable<ProxyService::Acquired> ProxyService::Acquire(const std::string& client_id,
                                                              const std::shared_ptr<server::Database>& database) {
  while (true) {
    Acquired acquired = co_await AwaitCallback<Acquired>(
        [this, &client_id, &database](auto done) { StartAcquire(client_id, database, done); });
    auto* client = std::get_if<std::shared_ptr<Client>>(&acquired);
    // Disconnected while this call waited: sqld would give the call a fresh connection.
    if (client && (*client)->forgotten) {
      Release(*client);
      continue;
    }
    co_return acquired;
  }
}

void ProxyService::StartAcquire(const std::string& client_id, const std::shared_ptr<server::Database>& database,
                                std::function<void(Acquired)> done) {
  if (client_id.empty()) {
    done(GrpcStatus{GrpcCode::kInvalidArgument, "client_id is empty; send the connection's UUID"});
    return;
  }
  std::unique_lock lock(mutex_);
  auto found = clients_.find(client_id);
  if (found != clients_.end()) {
    std::shared_ptr<Client> client = found->second;
    if (client->stream->database != database) {
      lock.unlock();
      done(GrpcStatus{GrpcCode::kInvalidArgument,
                      fmt::format("client_id {} is connected to namespace `{}`; use a new "
                                  "client_id for another namespace",
                                  client_id, client->stream->database->name())});
      return;
    }
    if (client->busy) {
      client->waiters.push_back([client, done] { done(client); });
      return;
    }
    client->busy = true;
    lock.unlock();
    done(std::move(client));
    return;
  }
  if (clients_.size() >= limits_.max_clients) {
    lock.unlock();
    done(GrpcStatus{GrpcCode::kResourceExhausted,
                    "Too many proxy clients; disconnect idle ones or retry later"});
    return;
  }
  auto opened = streams_->Open(database);
  if (!std::holds_alternative<std::shared_ptr<server::Stream>>(opened)) {
    lock.unlock();
    done(GrpcStatus{GrpcCode::kResourceExhausted, "Too many open streams; retry later"});
    return;
  }
  auto client = std::make_shared<Client>();
  client->stream = std::get<std::shared_ptr<server::Stream>>(std::move(opened));
  client->busy = true;
  clients_.emplace(client_id, client);
  lock.unlock();
  done(std::move(client));
}

void ProxyService::Release(const std::shared_ptr<Client>& client) {
  std::function<void()> next;
  bool release_stream = false;
  {
    std::lock_guard lock(mutex_);
    client->last_used = std::chrono::steady_clock::now();
    if (!client->waiters.empty()) {
      next = std::move(client->waiters.front());
      client->waiters.pop_front();
    } else {
      client->busy = false;
      release_stream = client->forgotten;
    }
  }
  if (next) next();  // the client stays busy: it passes straight to the next call
  if (release_stream) ReleaseStreamOf(client);
}

void ProxyService::ReleaseStreamOf(std::shared_ptr<Client> client) {
  server::ReleaseStream(*client->stream);
}

}  // namespace edgelite::replication
