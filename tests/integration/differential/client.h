// One client of the differential test: a thread that opens streams one after another (over HTTP
// or WebSocket), sends each 1..20 rounds of generated requests, keeps its transactions short
// (ending any that has run for a few rounds, and before closing), and records every request with
// edgelite's answer for the replay.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "integration/differential/hrana_streams.h"
#include "integration/differential/model.h"
#include "integration/differential/workload.h"

namespace edgelite::differential {

// The stream that creates the schema before the clients start.
inline constexpr const char* kSetupStream = "setup";

struct Record {
  int client = 0;
  std::string stream;          // "c3s5": client 3's sixth stream
  const char* transport = "";  // "http" or "ws"
  Request request;
  Outcome edgelite;
  Clock::time_point sent;
  Clock::time_point received;
};

struct ClientOptions {
  uint16_t port = 0;
  uint64_t seed = 0;
  int client = 0;
  Features features;
  Clock::time_point stop_at;
  size_t max_requests = 0;
  std::chrono::milliseconds request_timeout{30000};
  std::atomic<bool>* stop = nullptr;  // set by any client that fails, so that all stop
};

struct ClientResult {
  std::vector<Record> records;
  std::optional<std::string> failure;  // why the client could not go on
};

ClientResult RunClient(const ClientOptions& options);

// The schema, as one batch on one HTTP stream, recorded like any client's requests.
ClientResult RunSetup(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace edgelite::differential
