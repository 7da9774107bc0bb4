// Base64 in the two alphabets edgelite meets on the wire: standard (Hrana blobs, batons) and URL-safe
// (JWTs, raw Ed25519 keys). Encoders never pad; decoders say whether padding is accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgelite::base64 {

enum class Alphabet { kStandard, kUrlSafe };
enum class Padding { kOptional, kForbidden };

std::string Encode(std::string_view bytes, Alphabet alphabet = Alphabet::kStandard);

// Returns nullopt on any character outside the alphabet, misplaced or (if forbidden) present '='
// padding, or an impossible length.
std::optional<std::string> Decode(std::string_view text, Alphabet alphabet = Alphabet::kStandard,
                                  Padding padding = Padding::kOptional);

}  // namespace edgelite::base64
