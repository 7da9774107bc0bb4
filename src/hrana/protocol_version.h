// Which Hrana version a request arrived on. Features are gated on it as the spec says (v1 has no
// stored SQL), with one exception: see kAutocommitSince.
#pragma once

namespace edgelite::hrana {

enum class ProtocolVersion { kV1 = 1, kV2 = 2, kV3 = 3 };

// `get_autocommit` and the `is_autocommit` condition are Hrana 3 in the spec (and on sqld), but
// Turso's sync client pushes on /v2/pipeline with `is_autocommit` conditions
// (docs/turso-sync.md §1.1.2): accepted from Hrana 2 on, over HTTP and WebSocket alike. Hrana 1
// clients predate them and never send them.
constexpr ProtocolVersion kAutocommitSince = ProtocolVersion::kV2;

}  // namespace edgelite::hrana
