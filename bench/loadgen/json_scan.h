// Just enough JSON reading for the load generator to check a server's answer: find a member of
// an object, an element of an array, or a string's value, working on views into the response
// body without building a document. A JSON value is represented by the span of text it occupies.
// This scanner does not validate JSON; it only has to find the fields that prove a Hrana request
// succeeded, and every lookup fails (returns nullopt) rather than guessing on malformed input.
#ifndef EDGELITE_BENCH_LOADGEN_JSON_SCAN_H_
#define EDGELITE_BENCH_LOADGEN_JSON_SCAN_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace edgelite::bench::json {

// The top-level value of `text`, with surrounding whitespace removed.
std::optional<std::string_view> Root(std::string_view text);

// The value of member `key` of `object` (which must be an object's span).
std::optional<std::string_view> Member(std::string_view object, std::string_view key);

// Element `index` of `array` (which must be an array's span).
std::optional<std::string_view> Element(std::string_view array, size_t index);

// Number of elements of `array`.
std::optional<size_t> Length(std::string_view array);

// The decoded contents of a JSON string value. Escapes other than \uXXXX are decoded exactly;
// \uXXXX becomes '?' because nothing here needs non-ASCII text.
std::optional<std::string> String(std::string_view value);

// `value` as an integer, accepting both a JSON number and a decimal string (Hrana sends 64-bit
// integers as strings).
std::optional<long long> Integer(std::string_view value);

// Escapes `text` for inclusion between double quotes in JSON output.
std::string Escape(std::string_view text);

}  // namespace edgelite::bench::json

#endif  // EDGELITE_BENCH_LOADGEN_JSON_SCAN_H_
