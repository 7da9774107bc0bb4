// Baton signing with libsodium's HMAC-SHA256. A baton is 73 bytes (98 characters of base64): the
// stream id, the sequence number, the stateless flag and the session values, then the MAC. The
// session values (24 bytes) make a stream revived from its baton alone lose nothing; sqld's
// batons, without them, are 64 characters.
#include "server/baton.h"

#include <sodium.h>

#include <cstdlib>

#include "common/base64.h"

namespace edgelite::server {
namespace {

constexpr size_t kPayloadSize = 8 + 8 + 1 + 3 * 8;
constexpr size_t kBatonSize = kPayloadSize + crypto_auth_hmacsha256_BYTES;
static_assert(crypto_auth_hmacsha256_BYTES == 32, "compared with crypto_verify_32");

unsigned char* PutBigEndian(unsigned char* out, uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(value & 0xFF);
    value >>= 8;
  }
  return out + 8;
}

uint64_t GetBigEndian(const unsigned char*& in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | *in++;
  return value;
}

}  // namespace

BatonCodec::BatonCodec() {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing is safe to do
  randombytes_buf(key_, sizeof key_);
}

// The payload has a fixed size, so payload and name cannot be shifted into one another.
void BatonCodec::Sign(const unsigned char* payload, std::string_view database,
                      unsigned char* mac) const {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key_, sizeof key_);
  crypto_auth_hmacsha256_update(&state, payload, kPayloadSize);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(database.data()),
                                database.size());
  crypto_auth_hmacsha256_final(&state, mac);
}

std::string BatonCodec::Encode(std::string_view database, const BatonContent& content) const {
  unsigned char bytes[kBatonSize];
  unsigned char* out = PutBigEndian(bytes, content.stream_id);
  out = PutBigEndian(out, content.sequence);
  *out++ = content.stateless ? 1 : 0;
  out = PutBigEndian(out, static_cast<uint64_t>(content.session.last_insert_rowid));
  out = PutBigEndian(out, static_cast<uint64_t>(content.session.changes));
  out = PutBigEndian(out, static_cast<uint64_t>(content.session.total_changes));
  Sign(bytes, database, out);
  return base64::Encode(std::string_view(reinterpret_cast<char*>(bytes), kBatonSize));
}

std::optional<BatonContent> BatonCodec::Decode(std::string_view database,
                                               std::string_view baton) const {
  auto bytes = base64::Decode(baton, base64::Alphabet::kStandard, base64::Padding::kOptional);
  if (!bytes || bytes->size() != kBatonSize) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(bytes->data());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Sign(in, database, mac);
  if (crypto_verify_32(mac, in + kPayloadSize) != 0) return std::nullopt;
  BatonContent content;
  content.stream_id = GetBigEndian(in);
  content.sequence = GetBigEndian(in);
  content.stateless = *in++ != 0;
  content.session.last_insert_rowid = static_cast<int64_t>(GetBigEndian(in));
  content.session.changes = static_cast<int64_t>(GetBigEndian(in));
  content.session.total_changes = static_cast<int64_t>(GetBigEndian(in));
  return content;
}

}  // namespace edgelite::server
