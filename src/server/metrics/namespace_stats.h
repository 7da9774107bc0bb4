// NamespaceStats: what one namespace has used, for the admin API's stats (docs/protocol.md
// §16.2) and the Prometheus metrics: rows read and written (as the executor counts them; see
// stmt_executor.cc: stock SQLite has no rows-read counter, so rows returned plus rows a full
// scan stepped over), statements and their time, the ten heaviest and the ten slowest
// statements, writes delegated by embedded replicas, frames served to replicas, the replicas'
// positions (the replication lag) and the time of whole requests by transport. A statement
// that read and wrote nothing counts as one row read, as sqld bills it. Statements are counted as
// they complete: one in a group commit that is re-run alone (after another member failed) counts
// twice, so the figures are approximate in the way libSQL's are.
//
// The counters are kept in `stats.json` beside the database (the same JSON as the stats
// endpoint, as sqld), loaded when the namespace is first used and saved now and then, so they
// survive restarts. Beside sqld's fields the JSON has `last_write_ms` (an edgelite extension: when a
// statement last wrote rows, Unix milliseconds, 0 for never), which `edgelite db list` shows. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/histogram.h>

#include "edgelite/status.h"
#include "hrana/execution.h"
#include "server/metrics/replica_positions.h"
#include "server/metrics/request_transport.h"

namespace edgelite::server {

class NamespaceStats : public hrana::StatementObserver {
 public:
  // Loads `file` when it exists (a file that does not parse is set aside and counting restarts).
  static std::shared_ptr<NamespaceStats> Load(std::filesystem::path file);

  void Record(std::string_view sql, uint64_t rows_read, uint64_t rows_written,
              double elapsed_ms) override;
  void RecordDelegatedWrite() { write_requests_delegated_.fetch_add(1); dirty_ = true; }
  void RecordFramesReplicated(uint64_t frames) {
    frames_replicated_.fetch_add(frames);
    dirty_ = true;
  }
  // A request (a Hrana stream request, a legacy query, a proxied program) took `seconds`.
  void RecordRequest(RequestTransport transport, double seconds) {
    request_latency_[size_t(transport)].Observe(seconds);
  }
  ReplicaPositions& replica_positions() { return replica_positions_; }
  void ResetTop();
  void ResetSlowest();

  uint64_t rows_read() const { return rows_read_.load(); }
  uint64_t rows_written() const { return rows_written_.load(); }
  uint64_t query_count() const { return query_count_.load(); }
  uint64_t frames_replicated() const { return frames_replicated_.load(); }
  // The statements' time as a Prometheus histogram, in seconds.
  prometheus::ClientMetric LatencyMetric() const { return latency_.Collect(); }
  // The requests' time over `transport`, in seconds.
  prometheus::ClientMetric RequestLatencyMetric(RequestTransport transport) const {
    return request_latency_[size_t(transport)].Collect();
  }

  // The stats endpoint's JSON.
  std::string ToJson(uint64_t storage_bytes, uint64_t replication_index) const;
  // Writes stats.json (atomically) when something changed since the last save.
  Status Save();

 private:
  explicit NamespaceStats(std::filesystem::path file);
  struct Query {
    std::string sql;
    uint64_t rows_read = 0;
    uint64_t rows_written = 0;
    double elapsed_ms = 0;
  };

  const std::filesystem::path file_;
  std::string id_;  // a UUID, kept with the counters
  std::atomic<uint64_t> rows_read_{0};
  std::atomic<uint64_t> rows_written_{0};
  std::atomic<uint64_t> query_count_{0};
  std::atomic<uint64_t> write_requests_delegated_{0};
  std::atomic<uint64_t> frames_replicated_{0};
  std::atomic<int64_t> last_write_ms_{0};  // Unix ms of the last statement that wrote rows; 0: none
  std::atomic<bool> dirty_{false};
  prometheus::Histogram latency_;
  std::array<prometheus::Histogram, kRequestTransports> request_latency_;
  ReplicaPositions replica_positions_;
  mutable std::mutex mutex_;  // the lists and elapsed_ms_
  double elapsed_ms_ = 0;
  std::vector<Query> top_;      // by rows read + written, at most kListed
  std::vector<Query> slowest_;  // by elapsed time, at most kListed
};

}  // namespace edgelite::server
