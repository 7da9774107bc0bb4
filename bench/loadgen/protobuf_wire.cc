// Varints are little-endian base-128 with the high bit as "more follows" (at most 10 bytes for 64
// bits); a tag is (field number << 3 | wire type). Groups (wire types 3 and 4) are obsolete and
// never sent by a Hrana server, so they are treated as malformed input.
#include "protobuf_wire.h"

namespace edgelite::bench::protobuf {

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendVarintField(uint32_t field, uint64_t value, std::string* out) {
  AppendVarint((uint64_t{field} << 3) | kVarint, out);
  AppendVarint(value, out);
}

void AppendBytesField(uint32_t field, std::string_view bytes, std::string* out) {
  AppendVarint((uint64_t{field} << 3) | kLengthDelimited, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

bool Reader::ReadVarint(uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (position_ >= data_.size()) return false;
    const auto byte = static_cast<uint8_t>(data_[position_++]);
    *value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool Reader::Next(Field* field) {
  if (failed_ || position_ >= data_.size()) return false;
  uint64_t tag;
  if (!ReadVarint(&tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) {
    failed_ = true;
    return false;
  }
  field->number = static_cast<uint32_t>(tag >> 3);
  field->type = static_cast<WireType>(tag & 7);
  field->bytes = {};
  switch (field->type) {
    case kVarint:
      if (!ReadVarint(&field->varint)) failed_ = true;
      break;
    case kFixed64:
    case kFixed32: {
      const size_t width = field->type == kFixed64 ? 8 : 4;
      if (data_.size() - position_ < width) {
        failed_ = true;
        break;
      }
      field->varint = 0;
      for (size_t i = 0; i < width; ++i) {
        field->varint |= uint64_t{static_cast<uint8_t>(data_[position_ + i])} << (8 * i);
      }
      position_ += width;
      break;
    }
    case kLengthDelimited: {
      uint64_t length;
      if (!ReadVarint(&length) || length > data_.size() - position_) {
        failed_ = true;
        break;
      }
      field->bytes = data_.substr(position_, length);
      position_ += length;
      break;
    }
    default:
      failed_ = true;
  }
  return !failed_;
}

}  // namespace edgelite::bench::protobuf
