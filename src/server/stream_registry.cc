// Stream bookkeeping for Hrana over HTTP.
#include "server/stream_registry.h"

namespace edgelite::server {

// Ids need not be secret (batons are MAC'd with a key drawn at start-up), only unique. A new stream
// is registered only when it is checked in: most HTTP requests open a stream and close it within
// the same request, and then never touch the registry's lock.
std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::Open(Database* database) {
  if (registered_.load(std::memory_order_relaxed) >= limits_.max_streams) {
    return BatonProblem::kTooManyStreams;
  }
  uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  return std::make_shared<Stream>(id, database, limits_.max_sql_count, limits_.max_sql_bytes);
}

std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::CheckOut(
    std::string_view baton) {
  std::optional<BatonContent> content = batons_.Decode(baton);
  if (!content) return BatonProblem::kInvalid;
  std::lock_guard lock(mutex_);
  auto found = streams_.find(content->stream_id);
  if (found == streams_.end()) {
    return expired_.contains(content->stream_id) ? BatonProblem::kExpired : BatonProblem::kInvalid;
  }
  Entry& entry = found->second;
  if (entry.checked_out || entry.stream->sequence != content->sequence) {
    return BatonProblem::kReused;
  }
  entry.checked_out = true;
  return entry.stream;
}

std::string StreamRegistry::CheckIn(std::shared_ptr<Stream> stream) {
  std::lock_guard lock(mutex_);
  stream->sequence += 1;
  stream->last_used = std::chrono::steady_clock::now();
  auto [entry, inserted] = streams_.try_emplace(stream->id, Entry{stream, false});
  entry->second.checked_out = false;
  stream->registered = true;
  if (inserted) registered_.store(streams_.size(), std::memory_order_relaxed);
  return batons_.Encode(BatonContent{stream->id, stream->sequence});
}

void StreamRegistry::Forget(const Stream& stream) {
  if (!stream.registered) return;  // checked out by the caller: nobody else can register it
  std::lock_guard lock(mutex_);
  if (streams_.erase(stream.id)) registered_.store(streams_.size(), std::memory_order_relaxed);
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::TakeExpired(
    std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<Stream>> expired;
  std::lock_guard lock(mutex_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    const Entry& entry = it->second;
    if (!entry.checked_out && now - entry.stream->last_used >= limits_.idle_timeout) {
      expired_.emplace(it->first, now);
      expired.push_back(entry.stream);
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  registered_.store(streams_.size(), std::memory_order_relaxed);
  std::erase_if(expired_,
                [&](const auto& item) { return now - item.second > limits_.expired_memory; });
  return expired;
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::TakeAll() {
  std::vector<std::shared_ptr<Stream>> all;
  std::lock_guard lock(mutex_);
  for (auto& [id, entry] : streams_) {
    if (!entry.checked_out) all.push_back(entry.stream);
  }
  streams_.clear();
  registered_.store(0, std::memory_order_relaxed);
  return all;
}

size_t StreamRegistry::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace edgelite::server
