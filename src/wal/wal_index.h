// The wal-index header (`<db>-shm` bytes 0..135), frozen since SQLite 3.7.0
// (docs/wal-replication.md §3.1): two copies of a 48-byte WalIndexHdr followed by the checkpoint
// info. Frame capture reads it to learn which WAL frames are committed (mxFrame) and in which WAL
// generation (the salts); the replica's injector also writes it, and the hash tables whose
// geometry follows (wal_index_writer.h). The layout is frozen: sqlite3WalOpen asserts these sizes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "wal/wal_format.h"

namespace edgelite::wal {

inline constexpr size_t kWalIndexHeaderSize = 48;        // one copy of WalIndexHdr
inline constexpr size_t kWalIndexCheckpointOffset = 96;  // WalCkptInfo follows the two copies
inline constexpr size_t kWalIndexRegionSize = 32768;     // one xShmMap region
inline constexpr uint32_t kWalIndexVersion = 3007000;
inline constexpr size_t kWalIndexHeaderRegionBytes = 136;  // both copies + the checkpoint info
inline constexpr uint32_t kWalIndexReadMarks = 5;          // aReadMark[0..4], READ0..READ4
inline constexpr uint32_t kReadMarkUnused = 0xFFFFFFFF;

// The hash tables that follow the header (§3.2). Region 0 holds the header and the page numbers
// of the first 4062 frames, every later region those of the next 4096; each region ends with
// 8192 16-bit hash slots at byte 16384. SQLite's wal.c calls these HASHTABLE_NPAGE_ONE,
// HASHTABLE_NPAGE and HASHTABLE_NSLOT.
inline constexpr uint32_t kHashTableFirstFrames = 4062;
inline constexpr uint32_t kHashTableFrames = 4096;
inline constexpr uint32_t kHashTableSlots = 8192;
inline constexpr size_t kHashTableSlotsOffset = size_t(kHashTableFrames) * 4;

// The region (xShmMap index) whose hash table indexes WAL frame `frame` (1-based).
inline constexpr uint32_t WalIndexRegionOfFrame(uint32_t frame) {
  return (frame + kHashTableFrames - kHashTableFirstFrames - 1) / kHashTableFrames;
}

// The frame before the first one that region `region` indexes (iZero in wal.c).
inline constexpr uint32_t WalIndexRegionBase(uint32_t region) {
  return region == 0 ? 0 : kHashTableFirstFrames + (region - 1) * kHashTableFrames;
}

// One validated copy of the header. All integers in host order, as SQLite stores them.
struct WalIndexHeader {
  uint32_t change = 0;               // iChange: +1 per committed transaction
  bool big_endian_checksum = false;  // = WAL magic & 1
  uint32_t page_size = 0;            // decoded from the 16-bit field (1 means 65536)
  uint32_t max_frame = 0;            // mxFrame: last committed frame of the current WAL generation
  uint32_t database_pages = 0;       // nPage: database size after the last commit
  WalChecksum frame_checksum;        // running checksum at max_frame (stale when max_frame == 0)
  std::array<uint8_t, 8> salt{};     // raw copy of WAL header bytes 16..23

  // The WAL position this header describes, ignoring the change counter.
  bool SamePosition(const WalIndexHeader& other) const {
    return max_frame == other.max_frame && salt == other.salt;
  }
};

// The checkpoint info that follows the header copies; read for diagnostics and checkpoint policy.
struct WalIndexCheckpointInfo {
  uint32_t backfilled = 0;  // nBackfill: frames already copied into the database file
  std::array<uint32_t, 5> read_marks{};
};

// Decodes one 48-byte copy and validates it: isInit set, version 3007000, checksum (native word
// order) over the first 40 bytes correct. nullopt otherwise.
std::optional<WalIndexHeader> DecodeWalIndexHeaderCopy(const uint8_t* copy);

// Reads the header the way walIndexTryHdr does, without any lock: copy [0], barrier, copy [1];
// accepted only if both copies are byte-identical and valid. `barrier` is xShmBarrier of the file
// that mapped the region (a full memory barrier). nullopt means "changing or needs recovery".
std::optional<WalIndexHeader> ReadWalIndexHeader(const volatile uint8_t* region0,
                                                 void (*barrier)(void*), void* barrier_arg);

WalIndexCheckpointInfo ReadWalIndexCheckpointInfo(const volatile uint8_t* region0);

// Encodes a valid header copy (tests use it to build wal-index images).
void EncodeWalIndexHeaderCopy(const WalIndexHeader& header, uint8_t* out /* 48 bytes */);

}  // namespace edgelite::wal
