// Building the metric families and serializing them.
#include "server/metrics/metrics_text.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace edgelite::server {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

prometheus::ClientMetric Value(double value, prometheus::MetricType type,
                               const std::string& namespace_name = {}) {
  prometheus::ClientMetric metric;
  if (!namespace_name.empty()) metric.label.push_back({"namespace", namespace_name});
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

}  // namespace

std::string RenderMetrics(const ServerSample& server, const std::vector<NamespaceSample>& namespaces) {
  using prometheus::MetricType;
  auto rows_read = Family("libsql_server_rows_read", "Rows read by statements", MetricType::Counter);
  auto rows_written =
      Family("libsql_server_rows_written", "Rows written by statements", MetricType::Counter);
  auto query_count = Family("libsql_server_query_count", "Statements run", MetricType::Counter);
  auto storage = Family("libsql_server_storage", "Bytes of the database's files", MetricType::Gauge);
  auto frame_no = Family("libsql_server_current_frame_no", "Last frame of the replication log",
                         MetricType::Gauge);
  auto replicated = Family("libsql_server_embedded_replica_frames_replicated",
                           "Frames served to replicas", MetricType::Gauge);
  auto loaded = Family("edgelite_namespace_loaded", "1 while the namespace's database is open",
                       MetricType::Gauge);
  auto latency = Family("libsql_server_statement_execution_time",
                        "Statement execution time, seconds", MetricType::Histogram);
  auto request_latency = Family("edgelite_request_duration_seconds",
                                "Time from a request's start to its answer, by transport",
                                MetricType::Histogram);
  auto replicas = Family("edgelite_replicas", "Replicas that pulled frames in the last minute",
                         MetricType::Gauge);
  auto lag = Family("edgelite_replication_lag_frames",
                    "Frames the furthest-behind of those replicas lacks", MetricType::Gauge);
  for (const NamespaceSample& sample : namespaces) {
    for (size_t transport = 0; transport < kRequestTransports; ++transport) {
      prometheus::ClientMetric requests = sample.request_latency[transport];
      requests.label.push_back({"namespace", sample.name});
      requests.label.push_back(
          {"transport", std::string(RequestTransportLabel(RequestTransport(transport)))});
      request_latency.metric.push_back(std::move(requests));
    }
    replicas.metric.push_back(
        Value(double(sample.replication.replicas), MetricType::Gauge, sample.name));
    lag.metric.push_back(Value(double(sample.replication.lag_frames), MetricType::Gauge, sample.name));
    rows_read.metric.push_back(Value(double(sample.rows_read), MetricType::Counter, sample.name));
    rows_written.metric.push_back(
        Value(double(sample.rows_written), MetricType::Counter, sample.name));
    query_count.metric.push_back(Value(double(sample.query_count), MetricType::Counter, sample.name));
    storage.metric.push_back(Value(double(sample.storage_bytes), MetricType::Gauge, sample.name));
    frame_no.metric.push_back(Value(sample.current_frame_no, MetricType::Gauge, sample.name));
    replicated.metric.push_back(
        Value(double(sample.frames_replicated), MetricType::Gauge, sample.name));
    loaded.metric.push_back(Value(sample.loaded ? 1 : 0, MetricType::Gauge, sample.name));
    prometheus::ClientMetric histogram = sample.latency;
    histogram.label.push_back({"namespace", sample.name});
    latency.metric.push_back(std::move(histogram));
  }
  auto active = Family("edgelite_active_namespaces", "Namespaces whose database is open",
                       MetricType::Gauge);
  active.metric.push_back(Value(double(server.active_namespaces), MetricType::Gauge));
  auto handles = Family("libsql_server_stream_handles", "Open Hrana streams", MetricType::Gauge);
  handles.metric.push_back(Value(double(server.stream_handles), MetricType::Gauge));

  std::ostringstream out;
  prometheus::TextSerializer().Serialize(
      out, {rows_read, rows_written, query_count, storage, frame_no, replicated, loaded, latency,
            request_latency, replicas, lag, active, handles});
  return out.str();
}

}  // namespace edgelite::server
