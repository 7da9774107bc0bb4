// Batons: the opaque tokens that carry a Hrana HTTP stream from one request to the next. A baton
// names a stream and the sequence number of its next request, and is signed with a key made at
// start-up (HMAC-SHA256), so a client can neither forge one nor replay an old one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgelite::server {

struct BatonContent {
  uint64_t stream_id = 0;
  uint64_t sequence = 0;
};

class BatonCodec {
 public:
  BatonCodec();  // draws a fresh random key
  std::string Encode(BatonContent content) const;
  // nullopt when the text was not made by this codec (wrong size, bad base64, bad signature).
  std::optional<BatonContent> Decode(std::string_view baton) const;

 private:
  unsigned char key_[32];
};

}  // namespace edgelite::server
