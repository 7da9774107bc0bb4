// SHA-1 and base64, only for the WebSocket opening handshake: the client must check that the
// server's Sec-WebSocket-Accept is base64(SHA-1(key + RFC 6455 GUID)). Written here rather than
// taken from OpenSSL so the load generator keeps linking nothing but the standard library. SHA-1
// is broken for collision resistance, which does not matter for this use; do not use it for
// anything else.
#ifndef EDGELITE_BENCH_LOADGEN_SHA1_H_
#define EDGELITE_BENCH_LOADGEN_SHA1_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgelite::bench {

// The 20-byte SHA-1 digest of `data` (FIPS 180-4).
std::array<uint8_t, 20> Sha1(std::string_view data);

// Standard base64 (RFC 4648, with '=' padding) of `size` bytes at `data`.
std::string Base64Encode(const uint8_t* data, size_t size);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_SHA1_H_
