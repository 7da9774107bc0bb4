// Reading and validating the wal-index header (walIndexTryHdr in wal.c).
#include "wal/wal_index.h"

#include <bit>
#include <cstring>

namespace edgelite::wal {
namespace {

// Field offsets inside one WalIndexHdr copy.
constexpr size_t kVersionOffset = 0;
constexpr size_t kChangeOffset = 8;
constexpr size_t kIsInitOffset = 12;
constexpr size_t kBigEndianOffset = 13;
constexpr size_t kPageSizeOffset = 14;
constexpr size_t kMaxFrameOffset = 16;
constexpr size_t kPagesOffset = 20;
constexpr size_t kFrameChecksumOffset = 24;
constexpr size_t kSaltOffset = 32;
constexpr size_t kChecksumOffset = 40;

uint32_t LoadNative32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, 4);
  return value;
}

void StoreNative32(uint8_t* p, uint32_t value) {
  std::memcpy(p, &value, 4);
}

// The wal-index checksum is the WAL checksum over native-order words.
WalChecksum NativeChecksum(const uint8_t* data, size_t size) {
  return ExtendWalChecksum({}, data, size, std::endian::native == std::endian::big);
}

void CopyFromShared(uint8_t* out, const volatile uint8_t* in, size_t size) {
  // Byte-wise through volatile: another process may be writing; the copies are compared after.
  for (size_t i = 0; i < size; ++i) out[i] = in[i];
}

}  // namespace

std::optional<WalIndexHeader> DecodeWalIndexHeaderCopy(const uint8_t* copy) {
  if (copy[kIsInitOffset] == 0) return std::nullopt;
  if (LoadNative32(copy + kVersionOffset) != kWalIndexVersion) return std::nullopt;
  WalChecksum expected = NativeChecksum(copy, kChecksumOffset);
  if (LoadNative32(copy + kChecksumOffset) != expected.s0 ||
      LoadNative32(copy + kChecksumOffset + 4) != expected.s1) {
    return std::nullopt;
  }
  WalIndexHeader header;
  header.change = LoadNative32(copy + kChangeOffset);
  header.big_endian_checksum = copy[kBigEndianOffset] != 0;
  uint16_t encoded_page_size;
  std::memcpy(&encoded_page_size, copy + kPageSizeOffset, 2);
  header.page_size = (encoded_page_size & 0xfe00u) + ((encoded_page_size & 1u) << 16);
  header.max_frame = LoadNative32(copy + kMaxFrameOffset);
  header.database_pages = LoadNative32(copy + kPagesOffset);
  header.frame_checksum = {LoadNative32(copy + kFrameChecksumOffset),
                           LoadNative32(copy + kFrameChecksumOffset + 4)};
  std::memcpy(header.salt.data(), copy + kSaltOffset, 8);
  return header;
}

std::optional<WalIndexHeader> ReadWalIndexHeader(const volatile uint8_t* region0,
                                                 void (*barrier)(void*), void* barrier_arg) {
  uint8_t first[kWalIndexHeaderSize];
  uint8_t second[kWalIndexHeaderSize];
  // Same order as walIndexTryHdr: a writer publishes copy [1] first and copy [0] last, so reading
  // [0] before [1] sees two different copies if it races a publish.
  CopyFromShared(first, region0, kWalIndexHeaderSize);
  barrier(barrier_arg);
  CopyFromShared(second, region0 + kWalIndexHeaderSize, kWalIndexHeaderSize);
  if (std::memcmp(first, second, kWalIndexHeaderSize) != 0) return std::nullopt;
  return DecodeWalIndexHeaderCopy(first);
}

WalIndexCheckpointInfo ReadWalIndexCheckpointInfo(const volatile uint8_t* region0) {
  uint8_t bytes[24];
  CopyFromShared(bytes, region0 + kWalIndexCheckpointOffset, sizeof(bytes));
  WalIndexCheckpointInfo info;
  info.backfilled = LoadNative32(bytes);
  for (size_t i = 0; i < info.read_marks.size(); ++i)
    info.read_marks[i] = LoadNative32(bytes + 4 + 4 * i);
  return info;
}

void EncodeWalIndexHeaderCopy(const WalIndexHeader& header, uint8_t* out) {
  std::memset(out, 0, kWalIndexHeaderSize);
  StoreNative32(out + kVersionOffset, kWalIndexVersion);
  StoreNative32(out + kChangeOffset, header.change);
  out[kIsInitOffset] = 1;
  out[kBigEndianOffset] = header.big_endian_checksum ? 1 : 0;
  uint16_t encoded_page_size =
      uint16_t((header.page_size & 0xff00u) | ((header.page_size >> 16) & 0xffffu));
  std::memcpy(out + kPageSizeOffset, &encoded_page_size, 2);
  StoreNative32(out + kMaxFrameOffset, header.max_frame);
  StoreNative32(out + kPagesOffset, header.database_pages);
  StoreNative32(out + kFrameChecksumOffset, header.frame_checksum.s0);
  StoreNative32(out + kFrameChecksumOffset + 4, header.frame_checksum.s1);
  std::memcpy(out + kSaltOffset, header.salt.data(), 8);
  WalChecksum checksum = NativeChecksum(out, kChecksumOffset);
  StoreNative32(out + kChecksumOffset, checksum.s0);
  StoreNative32(out + kChecksumOffset + 4, checksum.s1);
}

}  // namespace edgelite::wal
