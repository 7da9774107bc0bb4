// bincode 1.x encoding of SQL values.
#include "protocol/bincode_value.h"

#include <fmt/format.h>

#include <bit>
#include <cstdint>

namespace edgelite::replication {
namespace {

enum Tag : uint32_t { kNull = 0, kInteger = 1, kReal = 2, kText = 3, kBlob = 4 };

template <typename T>
void Put(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out += char(uint8_t(value >> (8 * i)));
}

void PutBytes(std::string& out, std::string_view bytes) {
  Put<uint64_t>(out, bytes.size());
  out += bytes;
}

// Reads little-endian integers off the front of `data`.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  template <typename T>
  Result<T> Take(std::string_view what) {
    if (data_.size() < sizeof(T)) return Truncated(what);
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value |= T(uint8_t(data_[i])) << (8 * i);
    data_.remove_prefix(sizeof(T));
    return value;
  }

  Result<std::string> TakeBytes(std::string_view what) {
    auto length = Take<uint64_t>(what);
    if (!length.ok()) return length.status();
    if (data_.size() < *length) return Truncated(what);
    std::string bytes(data_.substr(0, *length));
    data_.remove_prefix(*length);
    return bytes;
  }

  bool done() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

 private:
  static Status Truncated(std::string_view what) {
    return Status::InvalidArgument(fmt::format("bincode value: the {} is truncated", what));
  }

  std::string_view data_;
};

Result<Value> DecodePayload(Reader& reader, uint32_t tag) {
  switch (tag) {
    case kNull:
      return Value(Null{});
    case kInteger: {
      auto bits = reader.Take<uint64_t>("integer");
      if (!bits.ok()) return bits.status();
      return Value(int64_t(*bits));
    }
    case kReal: {
      auto bits = reader.Take<uint64_t>("real");
      if (!bits.ok()) return bits.status();
      return Value(std::bit_cast<double>(*bits));
    }
    case kText: {
      auto text = reader.TakeBytes("text");
      if (!text.ok()) return text.status();
      return Value(std::move(text).value());
    }
    case kBlob: {
      auto bytes = reader.TakeBytes("blob");
      if (!bytes.ok()) return bytes.status();
      return Value(Blob{std::move(bytes).value()});
    }
  }
  return Status::InvalidArgument(
      fmt::format("bincode value: unknown variant tag {} (expected 0 to 4)", tag));
}

}  // namespace

std::string EncodeBincodeValue(const Value& value) {
  std::string out;
  if (std::holds_alternative<Null>(value)) {
    Put<uint32_t>(out, kNull);
  } else if (auto* integer = std::get_if<int64_t>(&value)) {
    Put<uint32_t>(out, kInteger);
    Put<uint64_t>(out, uint64_t(*integer));
  } else if (auto* real = std::get_if<double>(&value)) {
    Put<uint32_t>(out, kReal);
    Put<uint64_t>(out, std::bit_cast<uint64_t>(*real));
  } else if (auto* text = std::get_if<std::string>(&value)) {
    Put<uint32_t>(out, kText);
    PutBytes(out, *text);
  } else {
    Put<uint32_t>(out, kBlob);
    PutBytes(out, std::get<Blob>(value).bytes);
  }
  return out;
}

Result<Value> DecodeBincodeValue(std::string_view data) {
  Reader reader(data);
  auto tag = reader.Take<uint32_t>("variant tag");
  if (!tag.ok()) return tag.status();
  auto value = DecodePayload(reader, *tag);
  if (!value.ok()) return value;
  if (!reader.done()) {
    return Status::InvalidArgument(
        fmt::format("bincode value: {} unexpected bytes after the value", reader.remaining()));
  }
  return value;
}

}  // namespace edgelite::replication
