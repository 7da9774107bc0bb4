// Stream bookkeeping for Hrana over HTTP.
#include "server/stream_registry.h"

namespace edgelite::server {

// Ids need not be secret (batons are MAC'd with a key drawn at start-up), only unique. A new stream
// is registered only when it is checked in: most HTTP requests open a stream and close it within
// the same request, and then never touch the registry's lock.
std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::Open(
    std::shared_ptr<Database> database) {
  if (registered_.load(std::memory_order_relaxed) >= limits_.max_streams) {
    return BatonProblem::kTooManyStreams;
  }
  uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  return std::make_shared<Stream>(id, std::move(database), limits_.max_sql_count,
                                  limits_.max_sql_bytes);
}

// The database is checked twice: by the baton's signature (it names the database), and against
// the stream's own, for a database that took the name of one that was dropped.
std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::CheckOut(
    const std::shared_ptr<Database>& database, std::string_view baton) {
  std::optional<BatonContent> content = batons_.Decode(database->name(), baton);
  if (!content) return BatonProblem::kInvalid;
  std::lock_guard lock(mutex_);
  auto found = streams_.find(content->stream_id);
  if (found == streams_.end()) return Revive(database, *content);
  Entry& entry = found->second;
  if (entry.stream->database != database) return BatonProblem::kInvalid;
  if (entry.checked_out || entry.stream->sequence != content->sequence) {
    return BatonProblem::kReused;
  }
  entry.checked_out = true;
  return entry.stream;
}

// The revived stream is registered under its id again, checked out, and its record dropped, so
// its batons stay single-use: an older one is kReused, the same one again too while it runs.
std::variant<std::shared_ptr<Stream>, BatonProblem> StreamRegistry::Revive(
    const std::shared_ptr<Database>& database, const BatonContent& content) {
  auto found = retired_.find(content.stream_id);
  if (found != retired_.end()) {
    const Retired& retired = found->second;
    bool same_database =
        !retired.database.owner_before(database) && !database.owner_before(retired.database);
    if (!same_database || !retired.latest_sequence) {
      return BatonProblem::kInvalid;
    }
    if (!content.stateless || content.sequence != *retired.latest_sequence) {
      return BatonProblem::kExpired;
    }
  } else if (!content.stateless) {
    return BatonProblem::kInvalid;  // closed, or expired and forgotten
  }
  if (streams_.size() >= limits_.max_streams) return BatonProblem::kTooManyStreams;
  auto stream = std::make_shared<Stream>(content.stream_id, database, limits_.max_sql_count,
                                         limits_.max_sql_bytes);
  stream->sequence = content.sequence;
  stream->state.session = content.session;
  stream->registered = true;
  streams_.emplace(stream->id, Entry{.stream = stream, .checked_out = true, .revivable = true});
  registered_.store(streams_.size(), std::memory_order_relaxed);
  if (found != retired_.end()) retired_.erase(found);
  return stream;
}

std::string StreamRegistry::CheckIn(std::shared_ptr<Stream> stream) {
  std::lock_guard lock(mutex_);
  stream->sequence += 1;
  stream->last_used = std::chrono::steady_clock::now();
  auto [entry, inserted] = streams_.try_emplace(stream->id, Entry{stream});
  entry->second.checked_out = false;
  stream->registered = true;
  if (inserted) registered_.store(streams_.size(), std::memory_order_relaxed);
  BatonContent content{stream->id, stream->sequence, stream->stateless(), stream->state.session};
  entry->second.revivable |= content.stateless;
  return batons_.Encode(stream->database->name(), content);
}

void StreamRegistry::Forget(const Stream& stream) {
  if (!stream.registered) return;  // checked out by the caller: nobody else can register it
  std::lock_guard lock(mutex_);
  auto found = streams_.find(stream.id);
  if (found == streams_.end()) return;
  // A stateless baton of it would revive it: its record makes that baton fail instead.
  if (found->second.revivable) {
    retired_.insert_or_assign(stream.id,
                              Retired{std::chrono::steady_clock::now(), stream.database, {}});
  }
  streams_.erase(found);
  registered_.store(streams_.size(), std::memory_order_relaxed);
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::TakeExpired(
    std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<Stream>> expired;
  std::lock_guard lock(mutex_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    const Entry& entry = it->second;
    if (!entry.checked_out && now - entry.stream->last_used >= limits_.idle_timeout) {
      const Stream& stream = *entry.stream;
      retired_.insert_or_assign(it->first, Retired{now, stream.database, stream.sequence});
      expired.push_back(entry.stream);
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  registered_.store(streams_.size(), std::memory_order_relaxed);
  std::erase_if(retired_,
                [&](const auto& item) { return now - item.second.since > limits_.expired_memory; });
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
