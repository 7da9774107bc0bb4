// WAL header and frame parsing, and SQLite's WAL checksum (walChecksumBytes in wal.c).
#include "wal/wal_format.h"

#include <cassert>
#include <cstring>

namespace edgelite::wal {

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void StoreBigEndian32(uint8_t* p, uint32_t value) {
  p[0] = uint8_t(value >> 24);
  p[1] = uint8_t(value >> 16);
  p[2] = uint8_t(value >> 8);
  p[3] = uint8_t(value);
}

namespace {

uint32_t LoadLittleEndian32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

}  // namespace

WalChecksum ExtendWalChecksum(WalChecksum in, const uint8_t* data, size_t size, bool big_endian) {
  assert(size % 8 == 0);
  uint32_t s0 = in.s0;
  uint32_t s1 = in.s1;
  // Unsigned overflow is the algorithm: the sums wrap modulo 2^32.
  if (big_endian) {
    for (size_t i = 0; i < size; i += 8) {
      s0 += LoadBigEndian32(data + i) + s1;
      s1 += LoadBigEndian32(data + i + 4) + s0;
    }
  } else {
    for (size_t i = 0; i < size; i += 8) {
      s0 += LoadLittleEndian32(data + i) + s1;
      s1 += LoadLittleEndian32(data + i + 4) + s0;
    }
  }
  return {s0, s1};
}

std::optional<WalHeader> ParseWalHeader(const uint8_t* bytes) {
  WalHeader header;
  header.magic = LoadBigEndian32(bytes);
  if ((header.magic & 0xFFFFFFFEu) != kWalMagicLittleEndian) return std::nullopt;
  header.version = LoadBigEndian32(bytes + 4);
  header.page_size = LoadBigEndian32(bytes + 8);
  if (!IsValidPageSize(header.page_size)) return std::nullopt;
  header.checkpoint_sequence = LoadBigEndian32(bytes + 12);
  std::memcpy(header.salt.data(), bytes + 16, 8);
  header.checksum = {LoadBigEndian32(bytes + 24), LoadBigEndian32(bytes + 28)};
  WalChecksum computed = ExtendWalChecksum({}, bytes, 24, header.big_endian_checksum());
  if (!(computed == header.checksum)) return std::nullopt;
  if (header.version != kWalFormatVersion) return std::nullopt;
  return header;
}

WalHeader EncodeWalHeader(WalHeader header, uint8_t* out) {
  StoreBigEndian32(out, header.magic);
  StoreBigEndian32(out + 4, header.version);
  StoreBigEndian32(out + 8, header.page_size);
  StoreBigEndian32(out + 12, header.checkpoint_sequence);
  std::memcpy(out + 16, header.salt.data(), 8);
  header.checksum = ExtendWalChecksum({}, out, 24, header.big_endian_checksum());
  StoreBigEndian32(out + 24, header.checksum.s0);
  StoreBigEndian32(out + 28, header.checksum.s1);
  return header;
}

WalFrameHeader ParseWalFrameHeader(const uint8_t* bytes) {
  WalFrameHeader frame;
  frame.page_number = LoadBigEndian32(bytes);
  frame.commit_pages = LoadBigEndian32(bytes + 4);
  std::memcpy(frame.salt.data(), bytes + 8, 8);
  frame.checksum = {LoadBigEndian32(bytes + 16), LoadBigEndian32(bytes + 20)};
  return frame;
}

std::optional<WalChecksum> ValidateWalFrame(const WalHeader& header, WalChecksum previous,
                                            const uint8_t* frame_header, const uint8_t* page) {
  WalFrameHeader frame = ParseWalFrameHeader(frame_header);
  if (frame.salt != header.salt || frame.page_number == 0) return std::nullopt;
  bool big_endian = header.big_endian_checksum();
  // The salts (bytes 8..15) are not part of the checksum; pgno and commit (0..7) are.
  WalChecksum running = ExtendWalChecksum(previous, frame_header, 8, big_endian);
  running = ExtendWalChecksum(running, page, header.page_size, big_endian);
  if (!(running == frame.checksum)) return std::nullopt;
  return running;
}

WalChecksum EncodeWalFrame(const WalHeader& header, WalChecksum previous, uint32_t page_number,
                           uint32_t commit_pages, const uint8_t* page, uint8_t* out) {
  StoreBigEndian32(out, page_number);
  StoreBigEndian32(out + 4, commit_pages);
  std::memcpy(out + 8, header.salt.data(), 8);
  bool big_endian = header.big_endian_checksum();
  WalChecksum running = ExtendWalChecksum(previous, out, 8, big_endian);
  running = ExtendWalChecksum(running, page, header.page_size, big_endian);
  StoreBigEndian32(out + 16, running.s0);
  StoreBigEndian32(out + 20, running.s1);
  return running;
}

}  // namespace edgelite::wal
