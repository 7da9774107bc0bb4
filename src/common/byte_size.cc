// Parsing sizes with units.
#include "common/byte_size.h"

#include <fmt/format.h>

#include <cctype>
#include <iterator>
#include <charconv>
#include <string>
#include <utility>

namespace edgelite {

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  std::string_view number = upper;
  uint64_t multiplier = 1;
  for (auto [suffix, factor] : {std::pair<std::string_view, uint64_t>{"KB", 1000},
                                {"MB", 1000ull * 1000},
                                {"GB", 1000ull * 1000 * 1000},
                                {"KIB", 1024},
                                {"MIB", 1024ull * 1024},
                                {"GIB", 1024ull * 1024 * 1024},
                                {"B", 1}}) {
    if (number.ends_with(suffix)) {
      number.remove_suffix(suffix.size());
      multiplier = factor;
      break;
    }
  }
  while (!number.empty() && number.back() == ' ') number.remove_suffix(1);
  uint64_t value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc() || end != number.data() + number.size()) {
    return std::nullopt;
  }
  if (value > UINT64_MAX / multiplier) return std::nullopt;
  return value * multiplier;
}

std::string FormatByteSize(uint64_t bytes) {
  constexpr std::string_view kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double value = double(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace edgelite
