// Sizes as sqld accepts them on its command line and in the admin API: a byte count, or a number
// with a unit (KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024; B), any case,
// optionally with blanks before the unit: "10MB", "512 KiB", "1048576".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgelite {

// The bytes `text` says; nullopt when it is not a size or does not fit in 64 bits.
std::optional<uint64_t> ParseByteSize(std::string_view text);

// For people: "512 B", "41.2 MB" (powers of 1000, one decimal), which ParseByteSize reads back
// to within the rounding.
std::string FormatByteSize(uint64_t bytes);

}  // namespace edgelite
