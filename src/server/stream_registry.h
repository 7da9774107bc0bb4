// StreamRegistry: the Hrana HTTP streams that are between requests, found by baton. A stream is
// checked out for the length of one HTTP request (so two requests can never use it at once) and
// checked back in with a new baton. Streams idle for longer than the idle timeout are expired:
// their transaction is rolled back and a late baton gets STREAM_EXPIRED for a while afterwards.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>

#include "server/baton.h"
#include "server/stream.h"

namespace edgelite::server {

struct StreamLimits {
  std::chrono::milliseconds idle_timeout{10'000};
  std::chrono::seconds expired_memory{300};
  size_t max_sql_count = 50;
  size_t max_sql_bytes = 5 * 1024;
  size_t max_streams = 10'000;
};

enum class BatonProblem { kInvalid, kReused, kExpired, kTooManyStreams };

class StreamRegistry {
 public:
  explicit StreamRegistry(StreamLimits limits) : limits_(limits) {}

  // A new stream on `database`, checked out (registered when first checked in).
  std::variant<std::shared_ptr<Stream>, BatonProblem> Open(Database* database);
  // Checks out the stream a baton names.
  std::variant<std::shared_ptr<Stream>, BatonProblem> CheckOut(std::string_view baton);
  // Checks a stream back in and returns the baton for its next request.
  std::string CheckIn(std::shared_ptr<Stream> stream);
  // Forgets a closed stream (its transaction must already be released).
  void Forget(const Stream& stream);

  // Expires idle streams; returns them so the caller can release their transactions.
  std::vector<std::shared_ptr<Stream>> TakeExpired(std::chrono::steady_clock::time_point now);
  // Every stream, for shutdown.
  std::vector<std::shared_ptr<Stream>> TakeAll();

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<Stream> stream;
    bool checked_out = false;
  };

  StreamLimits limits_;
  BatonCodec batons_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> streams_;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> expired_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> registered_{0};  // streams_.size(), readable without the lock
};

}  // namespace edgelite::server
