// Parsing token lifetimes (see token_expiration.h).
#include "cli/tokens/token_expiration.h"

#include <cstdint>
#include <string>

namespace edgelite::cli {
namespace {

std::optional<int64_t> UnitSeconds(char unit) {
  switch (unit) {
    case 'w':
      return int64_t{7 * 24 * 3600};
    case 'd':
      return int64_t{24 * 3600};
    case 'h':
      return int64_t{3600};
    case 'm':
      return int64_t{60};
    case 's':
      return int64_t{1};
    default:
      return std::nullopt;
  }
}

Status Invalid(std::string_view text, std::string_view problem) {
  return Status::InvalidArgument("invalid --expiration `" + std::string(text) +
                                 "`: " + std::string(problem) +
                                 "; use `never` or a duration such as 7d, 12h, 30m or 1w2d12h");
}

}  // namespace

Result<std::optional<std::chrono::seconds>> ParseTokenExpiration(std::string_view text) {
  if (text == "never") return std::optional<std::chrono::seconds>();
  if (text.empty()) return Invalid(text, "it is empty");
  // A JWT "exp" is seconds since 1970 in an int64; a century is far beyond any sensible lifetime
  // and keeps iat + lifetime from overflowing.
  constexpr int64_t kLongest = int64_t{100} * 366 * 24 * 3600;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t number = 0;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (number > kLongest) return Invalid(text, "it is longer than 100 years");
      number = number * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return Invalid(text, "a number must come before each unit");
    if (pos == text.size()) {
      return Invalid(text, "`" + std::to_string(number) + "` has no unit (w, d, h, m or s)");
    }
    std::optional<int64_t> unit = UnitSeconds(text[pos]);
    if (!unit)
      return Invalid(text, "`" + std::string(1, text[pos]) + "` is not a unit (w, d, h, m or s)");
    ++pos;
    if (number > kLongest / *unit) return Invalid(text, "it is longer than 100 years");
    total += number * *unit;
    if (total > kLongest) return Invalid(text, "it is longer than 100 years");
  }
  if (total == 0) return Invalid(text, "a token must live for at least a second");
  return std::optional<std::chrono::seconds>(std::chrono::seconds(total));
}

}  // namespace edgelite::cli
