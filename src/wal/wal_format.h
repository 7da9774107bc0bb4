// The SQLite WAL file format (`<db>-wal`), unchanged since SQLite 3.7.0: the 32-byte file header,
// the 24-byte frame headers and the cumulative checksum that chains them (docs/wal-replication.md
// §2).
// Frame capture reads WAL files written by SQLite and must accept exactly what SQLite's own
// recovery accepts (walDecodeFrame, walIndexRecover); the encoders exist so that tests can build
// WAL files byte by byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace edgelite::wal {

inline constexpr uint32_t kWalMagicLittleEndian = 0x377f0682;  // checksum words little-endian
inline constexpr uint32_t kWalMagicBigEndian = 0x377f0683;     // checksum words big-endian
inline constexpr uint32_t kWalFormatVersion = 3007000;
inline constexpr size_t kWalHeaderSize = 32;
inline constexpr size_t kWalFrameHeaderSize = 24;
inline constexpr uint32_t kMinPageSize = 512;
inline constexpr uint32_t kMaxPageSize = 65536;

// The page that holds the rollback-mode lock bytes (offset 0x40000000). SQLite never writes it:
// neither capture nor replay may.
inline constexpr uint32_t LockPageNumber(uint32_t page_size) {
  return uint32_t(0x40000000u / page_size) + 1;
}

inline constexpr bool IsValidPageSize(uint32_t page_size) {
  return page_size >= kMinPageSize && page_size <= kMaxPageSize &&
         (page_size & (page_size - 1)) == 0;
}

// Offset of 1-based frame `frame` in a WAL of `page_size` pages.
inline constexpr uint64_t WalFrameOffset(uint32_t frame, uint32_t page_size) {
  return kWalHeaderSize + uint64_t(frame - 1) * (kWalFrameHeaderSize + page_size);
}

// Big-endian integers, the byte order of every WAL header field.
uint32_t LoadBigEndian32(const uint8_t* p);
void StoreBigEndian32(uint8_t* p, uint32_t value);

// The running checksum of §2.3: two u32 sums. Both the WAL header and every frame extend it.
struct WalChecksum {
  uint32_t s0 = 0;
  uint32_t s1 = 0;
  friend bool operator==(const WalChecksum&, const WalChecksum&) = default;
};

// Extends `in` over `data` (size a multiple of 8). Words are read big-endian when `big_endian`
// (WAL magic LSB = 1), little-endian otherwise — whatever the host order is.
WalChecksum ExtendWalChecksum(WalChecksum in, const uint8_t* data, size_t size, bool big_endian);

struct WalHeader {
  uint32_t magic = kWalMagicLittleEndian;
  uint32_t version = kWalFormatVersion;
  uint32_t page_size = 4096;
  uint32_t checkpoint_sequence = 0;
  std::array<uint8_t, 8> salt{};  // raw bytes 16..23, compared byte for byte with frame salts
  WalChecksum checksum;           // over bytes 0..23; the start of the frame chain

  bool big_endian_checksum() const { return (magic & 1) != 0; }
};

// Parses and validates a WAL header the way walIndexRecover does: a bad magic, page size or
// checksum means SQLite treats the WAL as empty (nullopt). A valid checksum with a version other
// than 3007000 is also rejected (SQLite fails to open such a WAL).
std::optional<WalHeader> ParseWalHeader(const uint8_t* bytes /* kWalHeaderSize */);

// Writes a header with a correct checksum (tests build WAL files with it). Returns the header
// with `checksum` filled in.
WalHeader EncodeWalHeader(WalHeader header, uint8_t* out /* kWalHeaderSize */);

struct WalFrameHeader {
  uint32_t page_number = 0;
  uint32_t commit_pages = 0;  // database size in pages after a commit frame; 0 otherwise
  std::array<uint8_t, 8> salt{};
  WalChecksum checksum;  // the running checksum after this frame
  bool is_commit() const { return commit_pages != 0; }
};

WalFrameHeader ParseWalFrameHeader(const uint8_t* bytes /* kWalFrameHeaderSize */);

// Validates one frame against the header and the running checksum before it (walDecodeFrame):
// salts equal to the header's, page number non-zero, stored checksum equal to the chain extended
// over frame-header bytes 0..7 and the page. On success returns the new running checksum.
std::optional<WalChecksum> ValidateWalFrame(const WalHeader& header, WalChecksum previous,
                                            const uint8_t* frame_header, const uint8_t* page);

// Writes a valid frame header for `page` continuing `previous`; returns the new running checksum.
WalChecksum EncodeWalFrame(const WalHeader& header, WalChecksum previous, uint32_t page_number,
                           uint32_t commit_pages, const uint8_t* page,
                           uint8_t* out /* kWalFrameHeaderSize */);

}  // namespace edgelite::wal
