// The few pieces of the protobuf wire format (varints, tags, length-delimited fields) that the
// hrana3-protobuf workload needs to write a request and read a response by hand. Hand-written so
// the load generator needs no protobuf library or generated code; a reader that skips unknown
// fields is all it takes to find the request id and count result rows.
#ifndef EDGELITE_BENCH_LOADGEN_PROTOBUF_WIRE_H_
#define EDGELITE_BENCH_LOADGEN_PROTOBUF_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace edgelite::bench::protobuf {

enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void AppendVarint(uint64_t value, std::string* out);
void AppendVarintField(uint32_t field, uint64_t value, std::string* out);
void AppendBytesField(uint32_t field, std::string_view bytes, std::string* out);

// sint64 fields store zigzag-encoded values so small negative numbers stay short.
inline uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

struct Field {
  uint32_t number = 0;
  WireType type = kVarint;
  uint64_t varint = 0;     // For kVarint (and the raw bits of fixed types).
  std::string_view bytes;  // For kLengthDelimited.
};

// Walks the fields of one encoded message in order.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  // Reads the next field; false at the end of the message or on malformed input (then failed()).
  bool Next(Field* field);
  bool failed() const { return failed_; }

 private:
  bool ReadVarint(uint64_t* value);

  std::string_view data_;
  size_t position_ = 0;
  bool failed_ = false;
};

}  // namespace edgelite::bench::protobuf

#endif  // EDGELITE_BENCH_LOADGEN_PROTOBUF_WIRE_H_
