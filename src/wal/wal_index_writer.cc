// Hash-table entries, header publication and WAL restarts in the wal-index (walIndexAppend,
// walCleanupHash, walIndexWriteHdr and walRestartHdr in SQLite's wal.c, reproduced from the
// format they maintain).
#include "wal/wal_index_writer.h"

#include <fmt/format.h>

#include <atomic>
#include <cstring>

namespace edgelite::wal {
namespace {

constexpr size_t kBackfillOffset = kWalIndexCheckpointOffset;  // nBackfill
constexpr size_t kReadMarksOffset = kWalIndexCheckpointOffset + 4;
constexpr size_t kBackfillAttemptedOffset = 128;
constexpr uint32_t kHashMultiplier = 383;  // HASHTABLE_HASH_1

// The wal-index is shared memory: `volatile` says other processes change it, and the stores that
// readers synchronise on go through atomics. Plain bulk copies are what SQLite does too; the
// barriers around them order them.
uint8_t* Writable(volatile uint8_t* p) {
  return const_cast<uint8_t*>(p);
}

void StoreNative32(volatile uint8_t* p, uint32_t value) {
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(Writable(p)))
      .store(value, std::memory_order_relaxed);
}

// One region's hash table: the page numbers of its frames and the slots that index them.
struct HashTable {
  uint32_t* page_numbers;  // page_numbers[i] holds the page of frame base + 1 + i
  uint16_t* slots;         // value idx (1-based) refers to frame base + idx
  uint32_t base;           // iZero
  uint32_t capacity;       // frames this table indexes
};

Result<HashTable> HashTableOfRegion(WalIndexMemory& memory, uint32_t region) {
  auto mapped = memory.Region(region);
  if (!mapped.ok()) return mapped.status();
  uint8_t* bytes = Writable(*mapped);
  HashTable table;
  // The page-number array of region 0 starts after the header; the slots are at the same offset
  // in every region, so the first table is the shorter one.
  table.page_numbers =
      reinterpret_cast<uint32_t*>(bytes + (region == 0 ? kWalIndexHeaderRegionBytes : 0));
  table.slots = reinterpret_cast<uint16_t*>(bytes + kHashTableSlotsOffset);
  table.base = WalIndexRegionBase(region);
  table.capacity = region == 0 ? kHashTableFirstFrames : kHashTableFrames;
  return table;
}

uint32_t HashSlot(uint32_t page_number) {
  return (page_number * kHashMultiplier) & (kHashTableSlots - 1);
}

uint32_t NextHashSlot(uint32_t slot) {
  return (slot + 1) & (kHashTableSlots - 1);
}

// Removes the entries of frames above `last_valid_frame` from the table that holds it, as
// walCleanupHash does. Zeroing a slot never cuts a probe chain that a reader needs: an entry of a
// valid frame was inserted before every entry above it, so no later entry lies on its path.
void RemoveEntriesAbove(HashTable& table, uint32_t last_valid_frame) {
  uint32_t limit = last_valid_frame - table.base;
  for (uint32_t slot = 0; slot < kHashTableSlots; ++slot) {
    std::atomic_ref<uint16_t> value(table.slots[slot]);
    if (value.load(std::memory_order_relaxed) > limit) value.store(0, std::memory_order_relaxed);
  }
  std::memset(table.page_numbers + limit, 0, (table.capacity - limit) * sizeof(uint32_t));
}

}  // namespace

Result<std::optional<WalIndexHeader>> WalIndexWriter::ReadHeader() {
  auto region = memory_.Region(0);
  if (!region.ok()) return region.status();
  auto barrier = [](void* memory) { static_cast<WalIndexMemory*>(memory)->Barrier(); };
  return ReadWalIndexHeader(*region, barrier, &memory_);
}

Result<WalIndexCheckpointInfo> WalIndexWriter::ReadCheckpointInfo() {
  auto region = memory_.Region(0);
  if (!region.ok()) return region.status();
  return ReadWalIndexCheckpointInfo(*region);
}

Status WalIndexWriter::Append(uint32_t frame, uint32_t page_number) {
  uint32_t region = WalIndexRegionOfFrame(frame);
  auto table = HashTableOfRegion(memory_, region);
  if (!table.ok()) return table.status();
  uint32_t idx = frame - table->base;
  if (idx == 1) {
    // The table's first frame: whatever it holds belongs to an older WAL generation.
    std::memset(table->page_numbers, 0,
                reinterpret_cast<uint8_t*>(table->slots + kHashTableSlots) -
                    reinterpret_cast<uint8_t*>(table->page_numbers));
  } else if (table->page_numbers[idx - 1] != 0) {
    RemoveEntriesAbove(*table, frame - 1);
  }
  // The table is at most half full, so a free slot is always near; more collisions than entries
  // means the table is corrupt (SQLite answers SQLITE_CORRUPT there too).
  uint32_t slot = HashSlot(page_number);
  uint32_t collisions = 0;
  while (std::atomic_ref<uint16_t>(table->slots[slot]).load(std::memory_order_relaxed) != 0) {
    if (++collisions > idx) {
      return Status::Internal(
          fmt::format("the wal-index hash table of region {} is corrupt (no free slot for frame "
                      "{}): close every connection to the database so that SQLite rebuilds it",
                      region, frame));
    }
    slot = NextHashSlot(slot);
  }
  std::atomic_ref<uint32_t>(table->page_numbers[idx - 1])
      .store(page_number, std::memory_order_relaxed);
  std::atomic_ref<uint16_t>(table->slots[slot]).store(uint16_t(idx), std::memory_order_release);
  return Status::Ok();
}

Status WalIndexWriter::PublishHeader(const WalIndexHeader& header,
                                     const std::function<void()>& between_copies) {
  auto region = memory_.Region(0);
  if (!region.ok()) return region.status();
  uint8_t copy[kWalIndexHeaderSize];
  EncodeWalIndexHeaderCopy(header, copy);
  std::memcpy(Writable(*region) + kWalIndexHeaderSize, copy, kWalIndexHeaderSize);
  memory_.Barrier();
  if (between_copies) between_copies();
  std::memcpy(Writable(*region), copy, kWalIndexHeaderSize);
  return Status::Ok();
}

Result<WalIndexHeader> WalIndexWriter::Restart(const WalIndexHeader& current, uint32_t new_salt2) {
  WalIndexHeader restarted = current;
  restarted.max_frame = 0;
  StoreBigEndian32(restarted.salt.data(), LoadBigEndian32(current.salt.data()) + 1);
  std::memcpy(restarted.salt.data() + 4, &new_salt2, 4);
  if (Status status = PublishHeader(restarted); !status.ok()) return status;
  auto region = memory_.Region(0);
  if (!region.ok()) return region.status();
  StoreNative32(*region + kBackfillOffset, 0);
  StoreNative32(*region + kBackfillAttemptedOffset, 0);
  // aReadMark[0] is always 0; mark 1 at 0 lets the next reader of an empty WAL take slot 1.
  StoreNative32(*region + kReadMarksOffset + 4, 0);
  for (uint32_t i = 2; i < kWalIndexReadMarks; ++i) {
    StoreNative32(*region + kReadMarksOffset + 4 * i, kReadMarkUnused);
  }
  return restarted;
}

}  // namespace edgelite::wal
