// The verified-token cache: hits, expiry, bounds, eviction order and concurrent use.
#include "server/auth/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace edgelite::auth {
namespace {

std::string TokenNumber(int i) {
  return "header.payload-" + std::to_string(i) + ".signature";
}

TEST(TokenCacheTest, MissThenHit) {
  TokenCache cache;
  EXPECT_FALSE(cache.Lookup("a.b.c", 0).has_value());
  cache.Insert("a.b.c", Grant::Legacy(Permission::kRead, "db"), std::nullopt);
  std::optional<Grant> hit = cache.Lookup("a.b.c", 0);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, Grant::Legacy(Permission::kRead, "db"));
  EXPECT_FALSE(cache.Lookup("a.b.d", 0).has_value());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCacheTest, EntryIsNeverServedAfterItsAcceptedUntil) {
  TokenCache cache;
  cache.Insert("t", Grant::FullAccess(), /*accepted_until=*/100);
  EXPECT_TRUE(cache.Lookup("t", 99).has_value());
  EXPECT_TRUE(cache.Lookup("t", 100).has_value());
  EXPECT_FALSE(cache.Lookup("t", 101).has_value());
  EXPECT_EQ(cache.size(), 0u) << "an expired entry is dropped when found";
  EXPECT_FALSE(cache.Lookup("t", 100).has_value()) << "and stays gone";
}

TEST(TokenCacheTest, TokenWithoutExpiryStaysValid) {
  TokenCache cache;
  cache.Insert("t", Grant::FullAccess(), std::nullopt);
  EXPECT_TRUE(cache.Lookup("t", INT64_MAX).has_value());
}

TEST(TokenCacheTest, ReinsertingATokenReplacesItsEntry) {
  TokenCache cache;
  cache.Insert("t", Grant::Legacy(Permission::kRead, std::nullopt), 100);
  cache.Insert("t", Grant::Legacy(Permission::kWrite, std::nullopt), 200);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Lookup("t", 150), Grant::Legacy(Permission::kWrite, std::nullopt));
}

TEST(TokenCacheTest, SizeIsBounded) {
  TokenCache cache(64);
  EXPECT_GE(cache.capacity(), 64u);
  EXPECT_LT(cache.capacity(), 64u + 16u);
  for (int i = 0; i < 5000; ++i) cache.Insert(TokenNumber(i), Grant::FullAccess(), std::nullopt);
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_GT(cache.size(), 0u);
}

TEST(TokenCacheTest, RecentlyUsedTokenSurvivesEviction) {
  TokenCache cache(32);  // two entries per shard
  cache.Insert("busy client", Grant::FullAccess(), std::nullopt);
  for (int i = 0; i < 2000; ++i) {
    cache.Insert(TokenNumber(i), Grant::FullAccess(), std::nullopt);
    ASSERT_TRUE(cache.Lookup("busy client", 0).has_value()) << "evicted after " << i;
  }
  // Tokens nobody asked for again went first.
  int survivors = 0;
  for (int i = 0; i < 1000; ++i) survivors += cache.Lookup(TokenNumber(i), 0).has_value();
  EXPECT_EQ(survivors, 0);
}

TEST(TokenCacheTest, ConcurrentLookupsAndInsertsStayConsistent) {
  TokenCache cache(256);
  constexpr int kTokens = 512;  // more than fits, so threads also evict
  auto grant_for = [](int i) {
    return Grant::Legacy(i % 2 ? Permission::kRead : Permission::kWrite, std::to_string(i));
  };
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20'000; ++round) {
        int i = (round * 7 + t * 13) % kTokens;
        std::string token = TokenNumber(i);
        if (std::optional<Grant> hit = cache.Lookup(token, 0)) {
          if (!(*hit == grant_for(i))) ++wrong;
        } else {
          cache.Insert(token, grant_for(i), std::nullopt);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), cache.capacity());
}

}  // namespace
}  // namespace edgelite::auth
