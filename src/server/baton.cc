// Baton signing with libsodium's HMAC-SHA256.
#include "server/baton.h"

#include <sodium.h>

#include <cstring>

#include "common/base64.h"

namespace edgelite::server {
namespace {

constexpr size_t kPayloadSize = 16;
constexpr size_t kBatonSize = kPayloadSize + crypto_auth_hmacsha256_BYTES;

void PutBigEndian(unsigned char* out, uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(value & 0xFF);
    value >>= 8;
  }
}

uint64_t GetBigEndian(const unsigned char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

}  // namespace

BatonCodec::BatonCodec() {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing is safe to do
  randombytes_buf(key_, sizeof key_);
}

std::string BatonCodec::Encode(BatonContent content) const {
  unsigned char bytes[kBatonSize];
  PutBigEndian(bytes, content.stream_id);
  PutBigEndian(bytes + 8, content.sequence);
  crypto_auth_hmacsha256(bytes + kPayloadSize, bytes, kPayloadSize, key_);
  return base64::Encode(std::string_view(reinterpret_cast<char*>(bytes), kBatonSize));
}

std::optional<BatonContent> BatonCodec::Decode(std::string_view baton) const {
  auto bytes = base64::Decode(baton, base64::Alphabet::kStandard, base64::Padding::kOptional);
  if (!bytes || bytes->size() != kBatonSize) return std::nullopt;
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes->data());
  if (crypto_auth_hmacsha256_verify(raw + kPayloadSize, raw, kPayloadSize, key_) != 0) {
    return std::nullopt;
  }
  return BatonContent{GetBigEndian(raw), GetBigEndian(raw + 8)};
}

}  // namespace edgelite::server
