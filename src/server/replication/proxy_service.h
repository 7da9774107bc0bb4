// ProxyService: the server side of proxy.Proxy's unary calls (docs/protocol.md §10.2), through
// which embedded replicas delegate writes to the primary. Each client_id names one connection on
// the primary, held across calls so that a transaction begun in one Execute continues in the next:
// it maps onto a server::Stream, and programs run through the same RequestRunner and executor as
// Hrana requests (so they group-commit like any other write). Calls with the same client_id run
// one at a time, in arrival order. A client idle for longer than the idle timeout is dropped and
// its transaction rolled back, as sqld's 30-second GC does. Thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "proxy.pb.h"
#include "server/client_presence.h"
#include "server/database.h"
#include "server/grpc_web.h"
#include "server/stream_registry.h"

namespace edgelite::replication {

struct ProxyLimits {
  std::chrono::milliseconds idle_timeout{30'000};
  size_t max_clients = 10'000;
  size_t max_response_size = 10 * 1024 * 1024;  // per call, as for Hrana requests
};

class ProxyService {
 public:
  // `streams` hands out stream ids, so that they never collide with those of Hrana streams on the
  // same writer.
  ProxyService(server::StreamRegistry* streams, ProxyLimits limits)
      : streams_(streams), limits_(limits) {}

  // Runs the program on the client's connection. SQL errors come back per step in the results;
  // a failure of the whole program (e.g. a write without write permission) is PERMISSION_DENIED,
  // as on sqld. A program whose `caller` goes away is interrupted.
  boost::asio::awaitable<server::GrpcReply<proxy::ExecuteResults>> Execute(
      const std::shared_ptr<server::Database>& database, bool may_write, const proxy::ProgramReq& request,
      server::ClientPresence caller);
  // Describes a statement on the client's connection (which sees its open transaction).
  boost::asio::awaitable<server::GrpcReply<proxy::DescribeResult>> Describe(
      const std::shared_ptr<server::Database>& database, const proxy::DescribeRequest& request);
  // Forgets the client and rolls back its transaction, once its current call (if any) is over.
  proxy::Ack Disconnect(const proxy::DisconnectMessage& message);

  // Drops clients idle since before `now - idle_timeout`. The server calls it periodically.
  void CollectIdle(std::chrono::steady_clock::time_point now);
  // Drops every client, for shutdown.
  void DisconnectAll();

  size_t client_count() const;

 private:
  struct Client;
  using Acquired = server::GrpcReply<std::shared_ptr<Client>>;

  // Waits until the client (created if new) is free, and takes it.
  boost::asio::awaitable<Acquired> Acquire(const std::string& client_id,
                                           const std::shared_ptr<server::Database>& database);
  void StartAcquire(const std::string& client_id, const std::shared_ptr<server::Database>& database,
                    std::function<void(Acquired)> done);
  // Hands the client to the next waiting call, or frees it.
  void Release(const std::shared_ptr<Client>& client);
  static void ReleaseStreamOf(std::shared_ptr<Client> client);

  server::StreamRegistry* const streams_;
  const ProxyLimits limits_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Client>> clients_;
};

}  // namespace edgelite::replication
