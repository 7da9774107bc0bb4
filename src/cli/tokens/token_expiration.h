// The lifetime a user gives `edgelite db tokens create --expiration`, in the forms Turso's CLI
// takes: `never`, or a duration made of numbers with the units w (weeks), d, h, m and s, such as
// `7d`, `12h`, `30m` or `1w2d12h30m`.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::cli {

// nullopt for `never`; otherwise a positive duration. Errors quote the text and show the forms.
Result<std::optional<std::chrono::seconds>> ParseTokenExpiration(std::string_view text);

}  // namespace edgelite::cli
