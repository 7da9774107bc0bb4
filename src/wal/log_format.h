// The on-disk format of the frame log (docs/wal-replication.md §5.7): the `meta` file that names
// the current lineage, segment files, and one CRC-protected record per committed transaction.
// Every integer is little-endian, like sqld's wallog and wire frames.
//
//   <log dir>/meta                       44 bytes: magic "EDGLMETA", version, page size,
//                                        log_id (16 bytes), created (unix ms), CRC-32 of 0..39
//   <log dir>/<log_id>/<first:016x>.seg  segment: 44-byte header, then records back to back
//
//   segment header: magic "EDGLSEG1" | u32 version | u32 page_size | log_id[16] |
//                   u64 first_frame_no | u32 crc32(bytes 0..39)
//   record:         64-byte header | frame_count x (u32 page_no | page) | u32 crc32(pages part)
//   record header:  u32 magic "ELGR" | u16 version | u16 flags | u64 first_frame_no |
//                   u32 frame_count | u32 page_size | u32 commit_pages | u8 wal_salt[8] |
//                   u32 wal_frame | u32 wal_checksum[2] | u64 timestamp_ms | u32 reserved (0) |
//                   u32 crc32(bytes 0..59)
//
//   <log dir>/<log_id>/<end:016x>.snap  compaction snapshot: the lineage's database as of frame
//                   `end`, one entry per page (its newest version), ascending page numbers:
//   snapshot:       64-byte header | page_count x (u64 frame_no | u32 page_no | page) |
//                   u32 crc32(entries)
//   snapshot header: magic "EDGLSNAP" | u32 version | u32 page_size | log_id[16] |
//                   u64 end_frame_no | u32 page_count | u32 size_after | u64 created_ms |
//                   u32 reserved (0) | u32 crc32(bytes 0..59)
//
// A record is one committed transaction: its pages sorted by page number, each the newest image in
// the transaction, no page above `commit_pages` and never the lock page. Frame numbers are global
// and gapless: the record's frames are first_frame_no .. first_frame_no + frame_count - 1 in page
// order, and only the last one carries size_after = commit_pages (sqld's frame numbering,
// protocol.md §9.3). The wal_* fields are the primary's WAL position after the transaction, used to
// resume capture after a restart. CRC-32 is zlib's (the ISO-HDLC polynomial).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "wal/wal_format.h"

namespace edgelite::wal {

using LogId = std::array<uint8_t, 16>;

// A random (version 4) UUID from the kernel's random source.
LogId NewLogId();
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase: the form sqld puts in HelloResponse.log_id.
std::string FormatLogId(const LogId& id);
std::optional<LogId> ParseLogId(const std::string& text);

uint32_t Crc32(uint32_t crc, const void* data, size_t size);

// Where the primary's WAL stood after a transaction: enough to continue the checksum chain and to
// notice a new WAL generation. `frame` 0 means "at the start of a generation".
struct WalPosition {
  std::array<uint8_t, 8> salt{};
  uint32_t frame = 0;
  WalChecksum checksum;
  friend bool operator==(const WalPosition&, const WalPosition&) = default;
};

inline constexpr size_t kLogMetaSize = 44;
inline constexpr uint32_t kLogMetaVersion = 1;

struct LogMeta {
  uint32_t page_size = 4096;
  LogId log_id{};
  uint64_t created_ms = 0;
};

void EncodeLogMeta(const LogMeta& meta, uint8_t* out /* kLogMetaSize */);
std::optional<LogMeta> DecodeLogMeta(const uint8_t* bytes, size_t size);

inline constexpr size_t kSegmentHeaderSize = 44;
inline constexpr uint32_t kSegmentVersion = 1;

struct SegmentHeader {
  uint32_t page_size = 4096;
  LogId log_id{};
  uint64_t first_frame_no = 0;
};

void EncodeSegmentHeader(const SegmentHeader& header, uint8_t* out /* kSegmentHeaderSize */);
std::optional<SegmentHeader> DecodeSegmentHeader(const uint8_t* bytes);
// "0000000000000400.seg" for first_frame_no 0x400.
std::string SegmentFileName(uint64_t first_frame_no);
std::optional<uint64_t> ParseSegmentFileName(const std::string& name);

inline constexpr size_t kRecordHeaderSize = 64;
inline constexpr size_t kRecordTrailerSize = 4;
inline constexpr uint32_t kRecordVersion = 1;
// The record is a full image of the database (a base snapshot starting a lineage), not a delta.
inline constexpr uint16_t kRecordFlagBaseSnapshot = 1;

// Bytes of a whole record on disk: header, frame_count × (u32 page number + page), trailer.
inline uint64_t RecordSize(uint32_t frame_count, uint32_t page_size) {
  return kRecordHeaderSize + uint64_t(frame_count) * (4 + page_size) + kRecordTrailerSize;
}

// The page number of one entry of a record's pages part (u32 page number + page).
inline uint32_t RecordEntryPageNumber(const uint8_t* entry) {
  return uint32_t(entry[0]) | (uint32_t(entry[1]) << 8) | (uint32_t(entry[2]) << 16) |
         (uint32_t(entry[3]) << 24);
}

struct RecordHeader {
  uint16_t flags = 0;
  uint64_t first_frame_no = 0;
  uint32_t frame_count = 0;
  uint32_t page_size = 4096;
  uint32_t commit_pages = 0;
  WalPosition wal;
  uint64_t timestamp_ms = 0;

  uint64_t last_frame_no() const { return first_frame_no + frame_count - 1; }
  // Bytes of the whole record on disk.
  uint64_t record_size() const { return RecordSize(frame_count, page_size); }
};

inline constexpr size_t kSnapshotHeaderSize = 64;
inline constexpr uint32_t kSnapshotVersion = 1;

struct SnapshotHeader {
  uint32_t page_size = 4096;
  LogId log_id{};
  uint64_t end_frame_no = 0;  // the snapshot holds frames 0..end_frame_no, compacted
  uint32_t page_count = 0;    // entries
  uint32_t size_after = 0;    // database size in pages as of end_frame_no
  uint64_t created_ms = 0;

  uint64_t entry_size() const { return 12 + uint64_t(page_size); }
  uint64_t file_size() const {
    return kSnapshotHeaderSize + uint64_t(page_count) * entry_size() + kRecordTrailerSize;
  }
};

void EncodeSnapshotHeader(const SnapshotHeader& header, uint8_t* out /* kSnapshotHeaderSize */);
std::optional<SnapshotHeader> DecodeSnapshotHeader(const uint8_t* bytes);
// "00000000000003ff.snap" for end_frame_no 0x3ff.
std::string SnapshotFileName(uint64_t end_frame_no);
std::optional<uint64_t> ParseSnapshotFileName(const std::string& name);

void EncodeRecordHeader(const RecordHeader& header, uint8_t* out /* kRecordHeaderSize */);
// Checks magic, version, header CRC and the basic sanity of the sizes.
std::optional<RecordHeader> DecodeRecordHeader(const uint8_t* bytes);

}  // namespace edgelite::wal
