// Stream bookkeeping for Hrana over HTTP.
#include "server/stream_registry.h"

#include <sodium.h>

namespace edgelite::server {

std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::Open(Database* database) {
  std::lock_guard lock(mutex_);
  if (streams_.size() >= limits_.max_streams) return BatonProblem::kTooManyStreams;
  uint64_t id = 0;
  do {
    randombytes_buf(&id, sizeof id);
  } while (id == 0 || streams_.contains(id));
  auto stream =
      std::make_shared<Stream>(id, database, limits_.max_sql_count, limits_.max_sql_bytes);
  randombytes_buf(&stream->sequence, sizeof stream->sequence);
  streams_.emplace(id, Entry{stream, true});
  return stream;
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
  if (auto found = streams_.find(stream->id); found != streams_.end()) {
    found->second.checked_out = false;
  }
  return batons_.Encode(BatonContent{stream->id, stream->sequence});
}

void StreamRegistry::Forget(const Stream& stream) {
  std::lock_guard lock(mutex_);
  streams_.erase(stream.id);
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
  std::erase_if(expired_, [&](const auto& item) { return now - item.second > limits_.expired_memory; });
  return expired;
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::TakeAll() {
  std::vector<std::shared_ptr<Stream>> all;
  std::lock_guard lock(mutex_);
  for (auto& [id, entry] : streams_) {
    if (!entry.checked_out) all.push_back(entry.stream);
  }
  streams_.clear();
  return all;
}

size_t StreamRegistry::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace edgelite::server
