// The admin API's /metrics: the Prometheus text format (prometheus-cpp's serializer), with
// sqld's metric names where the meaning is the same (docs/protocol.md §16.3), labelled by
// namespace, for the namespaces this server has used since it started.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>

#include "server/metrics/replica_positions.h"
#include "server/metrics/request_transport.h"

namespace edgelite::server {

struct NamespaceSample {
  std::string name;
  uint64_t rows_read = 0;
  uint64_t rows_written = 0;
  uint64_t query_count = 0;
  uint64_t storage_bytes = 0;
  uint64_t frames_replicated = 0;
  double current_frame_no = 0;  // the frame log's head; 0 while unloaded or empty
  bool loaded = false;
  prometheus::ClientMetric latency;  // histogram of statement time, seconds
  // Histograms of request time by transport (RequestTransport order), seconds.
  std::array<prometheus::ClientMetric, kRequestTransports> request_latency;
  ReplicationLag replication;
};

struct ServerSample {
  size_t active_namespaces = 0;
  size_t stream_handles = 0;
};

std::string RenderMetrics(const ServerSample& server, const std::vector<NamespaceSample>& namespaces);

}  // namespace edgelite::server
