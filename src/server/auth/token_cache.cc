// Verified-token cache (see token_cache.h).
#include "server/auth/token_cache.h"

#include <sodium.h>

#include <cstring>
#include <limits>
#include <utility>

#include "server/auth/sodium_runtime.h"

namespace edgelite::auth {

size_t TokenCache::DigestHash::operator()(const Digest& digest) const {
  size_t hash;
  std::memcpy(&hash, digest.data(), sizeof hash);
  return hash;
}

TokenCache::TokenCache(size_t capacity)
    : shard_capacity_(capacity / kShardCount + (capacity % kShardCount != 0 ? 1 : 0)),
      shards_(std::make_unique<Shard[]>(kShardCount)) {
  if (shard_capacity_ == 0) shard_capacity_ = 1;
  InitializeSodium();
}

TokenCache::Digest TokenCache::DigestOf(std::string_view token) {
  Digest digest;
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  return digest;
}

TokenCache::Shard& TokenCache::ShardFor(const Digest& digest) {
  // A byte the map's hash does not use, so entries within a shard still spread over its buckets.
  return shards_[digest[sizeof(size_t)] % kShardCount];
}

std::optional<Grant> TokenCache::Lookup(std::string_view token, int64_t now) {
  const Digest digest = DigestOf(token);
  Shard& shard = ShardFor(digest);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(digest);
  if (it == shard.entries.end()) return std::nullopt;
  if (now > it->second.accepted_until) {
    shard.recency.erase(it->second.recency);
    shard.entries.erase(it);
    return std::nullopt;
  }
  shard.recency.splice(shard.recency.begin(), shard.recency, it->second.recency);
  return it->second.grant;
}

void TokenCache::Insert(std::string_view token, Grant grant,
                        std::optional<int64_t> accepted_until) {
  const Digest digest = DigestOf(token);
  const int64_t until = accepted_until.value_or(std::numeric_limits<int64_t>::max());
  Shard& shard = ShardFor(digest);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(digest);
  if (it != shard.entries.end()) {
    // Two threads verified the same new token at once; keep one entry.
    it->second.grant = std::move(grant);
    it->second.accepted_until = until;
    shard.recency.splice(shard.recency.begin(), shard.recency, it->second.recency);
    return;
  }
  if (shard.entries.size() >= shard_capacity_) {
    // Least recently used: under a working set larger than the cache this drops tokens of
    // clients that have gone quiet (or expired ones nobody asked for again) first.
    shard.entries.erase(shard.recency.back());
    shard.recency.pop_back();
  }
  shard.recency.push_front(digest);
  shard.entries.emplace(digest, Entry{std::move(grant), until, shard.recency.begin()});
}

size_t TokenCache::size() const {
  size_t total = 0;
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].entries.size();
  }
  return total;
}

}  // namespace edgelite::auth
