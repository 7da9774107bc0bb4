// Which Hrana version a request arrived on. Features are gated on it exactly as the spec says:
// v1 has no stored SQL; `get_autocommit` and the `is_autocommit` condition need v3.
#pragma once

namespace edgelite::hrana {

enum class ProtocolVersion { kV1 = 1, kV2 = 2, kV3 = 3 };

}  // namespace edgelite::hrana
