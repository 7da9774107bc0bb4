// TokenCache: remembers tokens that passed verification, so that a client sending the same JWT on
// every request pays for one Ed25519 signature check (about 40 µs) instead of one per request.
// Entries are keyed by a BLAKE2b-256 digest of the token: collision-resistant, so a forged token
// can never be mistaken for a cached one, and 32 bytes per entry whatever the token's length. An
// entry is never served after the moment its token stops being accepted ("exp" plus leeway).
// Only successes are cached (see Insert). The cache is bounded and split into independently
// locked shards, each evicting its least recently used entry when full, so that a few threads
// authenticating at once rarely wait for each other.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "server/auth/permission.h"

namespace edgelite::auth {

class TokenCache {
 public:
  static constexpr size_t kDefaultCapacity = 10'000;

  explicit TokenCache(size_t capacity = kDefaultCapacity);
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // The grant of a previously verified `token`, if it is still accepted at `now` (seconds since
  // the Unix epoch). An entry found to be past its time is dropped.
  std::optional<Grant> Lookup(std::string_view token, int64_t now);

  // Records a verified token. `accepted_until` is the last second at which the token is valid
  // (its "exp" plus leeway), nullopt for a token without "exp".
  //
  // Failed verifications are not cached, deliberately: a forger can vary every attempt, so a
  // negative cache would not spare the signature checks an attack costs, while letting junk
  // tokens evict the entries of real clients. Malformed tokens are refused before any signature
  // check anyway, and an expired token fails on every retry exactly as it should.
  void Insert(std::string_view token, Grant grant, std::optional<int64_t> accepted_until);

  size_t size() const;
  size_t capacity() const { return shard_capacity_ * kShardCount; }

 private:
  static constexpr size_t kShardCount = 16;
  using Digest = std::array<uint8_t, 32>;

  // The digest is already uniformly distributed: its first bytes are a perfect hash.
  struct DigestHash {
    size_t operator()(const Digest& digest) const;
  };
  struct Entry {
    Grant grant;
    int64_t accepted_until;  // INT64_MAX for a token without "exp"
    std::list<Digest>::iterator recency;
  };
  // Aligned to a cache line so that threads locking neighbouring shards do not slow each other.
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::unordered_map<Digest, Entry, DigestHash> entries;
    std::list<Digest> recency;  // most recently used first
  };

  static Digest DigestOf(std::string_view token);
  Shard& ShardFor(const Digest& digest);

  size_t shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace edgelite::auth
