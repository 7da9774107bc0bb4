// StreamRegistry: the Hrana HTTP streams that are between requests, found by baton. A stream is
// checked out for the length of one HTTP request (so two requests can never use it at once) and
// checked back in with a new baton. Streams idle for longer than the idle timeout are expired:
// their transaction is rolled back and a late baton gets STREAM_EXPIRED for a while afterwards
// (expired_memory), after which the registry has forgotten the stream and the baton is invalid.
// A stream that held nothing but its session values (Stream::stateless) loses nothing by expiring,
// and its baton says so (BatonContent::stateless): such a baton revives the stream, with its id and
// session values, however late it comes, so a client that keeps one stream for a connection's whole
// life (@tursodatabase/serverless) carries on after any idle pause. (sqld answers STREAM_EXPIRED
// there, and the driver fails that call.) While an expired stream is remembered, only its latest
// baton revives it, and no baton revives a closed one; once the stream is forgotten, any stateless
// baton of it does: its holder expects no state.
// A baton issued while the stream held state never revives it, so a client that believes it is
// inside a transaction is never carried on in autocommit mode.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "server/baton.h"
#include "server/stream.h"

namespace edgelite::server {

struct StreamLimits {
  std::chrono::milliseconds idle_timeout{10'000};
  // How long expired (as sqld) and closed streams are remembered.
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
  std::variant<std::shared_ptr<Stream>, BatonProblem> Open(std::shared_ptr<Database> database);
  // Checks out the stream a baton names (revived, if it expired stateless), for a request to
  // `database`: a baton issued for another database is invalid.
  std::variant<std::shared_ptr<Stream>, BatonProblem> CheckOut(
      const std::shared_ptr<Database>& database, std::string_view baton);
  // Checks a stream back in and returns the baton for its next request.
  std::string CheckIn(std::shared_ptr<Stream> stream);
  // Unregisters a closed stream (its transaction must already be released). Its batons stay
  // invalid while it is remembered.
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
    // It has issued a stateless baton, which would revive it if it were unknown.
    bool revivable = false;
  };
  // A stream no longer registered, remembered for expired_memory so that its batons keep their
  // answers: STREAM_EXPIRED, or invalid once it was closed.
  struct Retired {
    std::chrono::steady_clock::time_point since;
    // Its database; weak, so that remembering batons keeps no namespace loaded. Compared by
    // owner: a database opened later at the same address is another one.
    std::weak_ptr<Database> database;
    std::optional<uint64_t> latest_sequence;  // of an expired stream's latest baton; none if closed
  };

  // CheckOut of a stream that is not registered, under the lock.
  std::variant<std::shared_ptr<Stream>, BatonProblem> Revive(const std::shared_ptr<Database>& database,
                                                             const BatonContent& content);

  StreamLimits limits_;
  BatonCodec batons_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> streams_;
  std::unordered_map<uint64_t, Retired> retired_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> registered_{0};  // streams_.size(), readable without the lock
};

}  // namespace edgelite::server
