// The bincode encoding of one SQL value, as proxy.Value.data carries it (docs/protocol.md §10.1).
// sqld serializes its Value enum with bincode 1.x's legacy options: a u32 little-endian variant
// tag (0 Null, 1 Integer, 2 Real, 3 Text, 4 Blob), then Integer as i64 LE, Real as f64 LE, and
// Text and Blob as a u64 LE length followed by the bytes. Embedded replicas send parameters this
// way and decode result values the same way, so the layout is fixed by their code, not ours.
#pragma once

#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "edgelite/value.h"

namespace edgelite::replication {

std::string EncodeBincodeValue(const Value& value);

// Fails (InvalidArgument) on an unknown tag, a truncated payload or trailing bytes.
Result<Value> DecodeBincodeValue(std::string_view data);

}  // namespace edgelite::replication
