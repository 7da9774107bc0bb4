// Counting, listing and keeping a namespace's usage.
#include "server/metrics/namespace_stats.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <system_error>

#include "wal/log_format.h"
#include "wal/posix_file.h"

namespace edgelite::server {
namespace {

namespace json = boost::json;

constexpr size_t kListed = 10;
constexpr size_t kMaxQueryText = 4096;  // longer statements are listed cut short

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10};
}

uint64_t Number(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (!value) return 0;
  if (value->is_uint64()) return value->as_uint64();
  if (value->is_int64() && value->as_int64() >= 0) return uint64_t(value->as_int64());
  if (value->is_double() && value->as_double() >= 0) return uint64_t(value->as_double());
  return 0;
}

// Keeps the kListed greatest by `weight`, greatest first.
template <typename Entry, typename Weight>
void Offer(std::vector<Entry>& list, Entry entry, Weight weight) {
  auto at = std::find_if(list.begin(), list.end(),
                         [&](const auto& kept) { return kept.sql == entry.sql; });
  if (at != list.end()) {
    if (weight(entry) <= weight(*at)) return;
    list.erase(at);
  }
  if (list.size() >= kListed && weight(entry) <= weight(list.back())) return;
  list.insert(std::upper_bound(list.begin(), list.end(), entry,
                               [&](const auto& a, const auto& b) { return weight(a) > weight(b); }),
              std::move(entry));
  if (list.size() > kListed) list.pop_back();
}

}  // namespace

NamespaceStats::NamespaceStats(std::filesystem::path file)
    : file_(std::move(file)),
      latency_(LatencyBuckets()),
      request_latency_{prometheus::Histogram(LatencyBuckets()),
                       prometheus::Histogram(LatencyBuckets()),
                       prometheus::Histogram(LatencyBuckets())} {}

std::shared_ptr<NamespaceStats> NamespaceStats::Load(std::filesystem::path file) {
  std::shared_ptr<NamespaceStats> stats(new NamespaceStats(std::move(file)));
  std::ifstream in(stats->file_);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code error;
    json::value value = json::parse(text.str(), error);
    if (!error && value.is_object()) {
      const json::object& object = value.as_object();
      if (const json::value* id = object.if_contains("id"); id && id->is_string()) {
        stats->id_ = std::string(id->as_string());
      }
      stats->rows_read_ = Number(object, "rows_read_count");
      stats->rows_written_ = Number(object, "rows_written_count");
      stats->query_count_ = Number(object, "query_count");
      stats->write_requests_delegated_ = Number(object, "write_requests_delegated");
      stats->frames_replicated_ = Number(object, "embedded_replica_frames_replicated");
      stats->last_write_ms_ = int64_t(Number(object, "last_write_ms"));
      if (const json::value* elapsed = object.if_contains("elapsed_ms");
          elapsed && elapsed->is_number()) {
        stats->elapsed_ms_ = elapsed->to_number<double>();
      }
    } else {
      std::error_code ignored;
      std::filesystem::rename(stats->file_, stats->file_.string() + ".unreadable", ignored);
      spdlog::warn("{} does not parse; it was set aside and counting starts again",
                   stats->file_.string());
    }
  }
  if (stats->id_.empty()) stats->id_ = wal::FormatLogId(wal::NewLogId());
  return stats;
}

void NamespaceStats::Record(std::string_view sql, uint64_t rows_read, uint64_t rows_written,
                            double elapsed_ms) {
  if (rows_read == 0 && rows_written == 0) rows_read = 1;  // sqld's billing rule
  rows_read_.fetch_add(rows_read, std::memory_order_relaxed);
  rows_written_.fetch_add(rows_written, std::memory_order_relaxed);
  query_count_.fetch_add(1, std::memory_order_relaxed);
  dirty_.store(true, std::memory_order_relaxed);
  latency_.Observe(elapsed_ms / 1000);
  if (rows_written > 0) {
    last_write_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count(),
                         std::memory_order_relaxed);
  }
  Query query{std::string(sql.substr(0, kMaxQueryText)), rows_read, rows_written, elapsed_ms};
  std::lock_guard lock(mutex_);
  elapsed_ms_ += elapsed_ms;
  Offer(top_, query, [](const Query& q) { return q.rows_read + q.rows_written; });
  Offer(slowest_, std::move(query), [](const Query& q) { return q.elapsed_ms; });
}

void NamespaceStats::ResetTop() {
  std::lock_guard lock(mutex_);
  top_.clear();
}

void NamespaceStats::ResetSlowest() {
  std::lock_guard lock(mutex_);
  slowest_.clear();
}

std::string NamespaceStats::ToJson(uint64_t storage_bytes, uint64_t replication_index) const {
  json::object out;
  out["id"] = id_;
  out["rows_read_count"] = rows_read_.load();
  out["rows_written_count"] = rows_written_.load();
  out["storage_bytes_used"] = storage_bytes;
  out["write_requests_delegated"] = write_requests_delegated_.load();
  out["replication_index"] = replication_index;
  out["embedded_replica_frames_replicated"] = frames_replicated_.load();
  out["query_count"] = query_count_.load();
  out["last_write_ms"] = last_write_ms_.load();
  json::array top;
  json::array slowest;
  {
    std::lock_guard lock(mutex_);
    out["elapsed_ms"] = elapsed_ms_;
    for (const Query& q : top_) {
      top.push_back(json::object{
          {"rows_written", q.rows_written}, {"rows_read", q.rows_read}, {"query", q.sql}});
    }
    for (const Query& q : slowest_) {
      slowest.push_back(json::object{{"elapsed_ms", uint64_t(q.elapsed_ms)},
                                     {"query", q.sql},
                                     {"rows_written", q.rows_written},
                                     {"rows_read", q.rows_read}});
    }
  }
  out["top_queries"] = std::move(top);
  out["slowest_queries"] = std::move(slowest);
  out["queries"] = nullptr;
  return json::serialize(out);
}

Status NamespaceStats::Save() {
  if (!dirty_.exchange(false)) return Status::Ok();
  std::string json = ToJson(0, 0);
  Status written = wal::WriteFileAtomically(file_, json.data(), json.size());
  if (!written.ok()) dirty_ = true;
  return written;
}

}  // namespace edgelite::server
