// The well-behaved side of the worst-client soak: a few HTTP and WebSocket clients that keep a
// steady load of reads, autocommit inserts and small transactions while hostile clients come and
// go. Each checks every answer (a read must count all of its own acknowledged rows) and records
// how long each operation took; a failure of any kind is recorded, never retried away.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::integration::worst_client {

enum class Operation { kRead, kInsert, kTransaction };
const char* OperationName(Operation operation);

// How a client reaches the server (defined with the clients).
class Channel;

struct Failure {
  std::chrono::steady_clock::time_point at;
  std::string what;
};

struct LatencySummary {
  size_t count = 0;
  std::chrono::milliseconds p50{}, p99{}, max{};
};

class WellBehavedClients {
 public:
  // Creates the clients' table on the server at `port`.
  static Status CreateTable(uint16_t port);
  // The rows the table holds now.
  static Result<int64_t> CountRows(uint16_t port);

  // Starts `http_clients` clients over HTTP (keep-alive; /v2 and /v3 pipelines in turn) and
  // `ws_clients` over WebSocket (hrana3, one stream for the whole run).
  WellBehavedClients(uint16_t port, int http_clients, int ws_clients);
  ~WellBehavedClients();  // Stop()
  WellBehavedClients(const WellBehavedClients&) = delete;
  WellBehavedClients& operator=(const WellBehavedClients&) = delete;

  void Stop();

  LatencySummary Summary(Operation operation) const;
  std::vector<Failure> Failures() const;
  // Rows whose insert the server acknowledged; with no failure, exactly the rows stored.
  int64_t RowsAcknowledged() const { return rows_acknowledged_; }

 private:
  void Run(std::string name, Channel& channel);
  void Record(Operation operation, std::chrono::steady_clock::duration took);
  void Fail(const std::string& client, Operation operation, const std::string& what);

  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> rows_acknowledged_{0};
  mutable std::mutex mutex_;
  std::map<Operation, std::vector<std::chrono::steady_clock::duration>> latencies_;
  std::vector<Failure> failures_;
  std::vector<std::thread> threads_;
};

}  // namespace edgelite::integration::worst_client
