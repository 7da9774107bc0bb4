// Batons: the opaque tokens that carry a Hrana HTTP stream from one request to the next. A baton
// names a stream and the sequence number of its next request, and is signed with a key made at
// start-up (HMAC-SHA256) over its content and the name of the database it was issued for, so a
// client can neither forge one, nor replay an old one, nor present one to another database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sqlite/session.h"

namespace edgelite::server {

struct BatonContent {
  uint64_t stream_id = 0;
  uint64_t sequence = 0;
  // The stream held nothing but `session` when the baton was issued (Stream::stateless). It can
  // gain state only through a request, which uses this baton up, so the flag stays true for as long
  // as the baton is good: the baton alone can revive the stream (StreamRegistry).
  bool stateless = false;
  sqlite::Session session;
};

class BatonCodec {
 public:
  BatonCodec();  // draws a fresh random key
  std::string Encode(std::string_view database, const BatonContent& content) const;
  // nullopt when the text was not made by this codec for `database` (wrong size, bad base64, bad
  // signature).
  std::optional<BatonContent> Decode(std::string_view database, std::string_view baton) const;

 private:
  // The signature of `payload` for `database`.
  void Sign(const unsigned char* payload, std::string_view database, unsigned char* mac) const;

  unsigned char key_[32];
};

}  // namespace edgelite::server
