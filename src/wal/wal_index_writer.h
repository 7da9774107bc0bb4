// Writing the wal-index (`<db>-shm`) the way SQLite's own WAL writer does, so that stock SQLite
// readers in any process use frames that edgelite appended to the WAL (docs/wal-replication.md
// §3.2, §6.2 steps 3, 6 and 7): the hash-table entry of every appended frame, the header that
// publishes a commit, and the restart that rewinds the WAL to its start. The replica's frame
// injector is its user.
//
// Invariants the caller guarantees, and on which the lock-free safety for readers rests:
// - It holds WAL_WRITE_LOCK and WAL_CKPT_LOCK (and READ1..4 exclusively for Restart), so no other
//   connection writes the wal-index or checkpoints meanwhile.
// - Append is called only for frames above the published mxFrame, in frame order, starting right
//   after it. Readers ignore every hash entry above their snapshot's mxFrame
//   (sqlite3WalFindFrame), so entries can be added while they read; and an entry is written
//   aPgno first, then its hash slot with one atomic 16-bit store, so a reader that finds the slot
//   finds the page number behind it.
// - The header is the last thing written, after the frames are durable in the WAL.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "edgelite/status.h"
#include "wal/wal_index.h"

namespace edgelite::wal {

// The memory the wal-index lives in: the `-shm` mapping of a database (through the unix VFS's
// xShmMap and xShmBarrier), or plain memory in tests.
class WalIndexMemory {
 public:
  virtual ~WalIndexMemory() = default;
  // Region `index` (kWalIndexRegionSize bytes), created zero-filled when the wal-index is shorter.
  virtual Result<volatile uint8_t*> Region(uint32_t index) = 0;
  // A full memory barrier that orders these writes for readers in other threads and processes.
  virtual void Barrier() = 0;
};

class WalIndexWriter {
 public:
  explicit WalIndexWriter(WalIndexMemory& memory) : memory_(memory) {}

  // The header as a reader takes it (walIndexTryHdr): nullopt when its two copies differ or it is
  // not valid, which means SQLite must rebuild the wal-index from the WAL (recovery).
  Result<std::optional<WalIndexHeader>> ReadHeader();
  Result<WalIndexCheckpointInfo> ReadCheckpointInfo();

  // Records that WAL frame `frame` holds page `page_number` (walIndexAppend): the first frame of a
  // hash table zeroes it; an entry already present for `frame` is what an abandoned transaction
  // left, so every entry above `frame - 1` in that table is removed first (walCleanupHash).
  // Precondition: every frame before `frame` in this WAL generation has its entry.
  Status Append(uint32_t frame, uint32_t page_number);

  // Publishes `header` (isInit and the checksum are set here): copy [1], barrier, copy [0], the
  // order in which readers detect a torn read. `between_copies` runs after copy [1] is written;
  // tests stop the process there.
  Status PublishHeader(const WalIndexHeader& header,
                       const std::function<void()>& between_copies = {});

  // Rewinds the WAL to its start once every frame is checkpointed (walRestartHdr): publishes
  // `current` with mxFrame 0, salt-1 + 1 and `new_salt2`, then resets nBackfill,
  // nBackfillAttempted and the read marks 1..4. Returns the published header. Precondition: the
  // caller also holds READ1..4 exclusively, so no reader is using the WAL.
  Result<WalIndexHeader> Restart(const WalIndexHeader& current, uint32_t new_salt2);

 private:
  WalIndexMemory& memory_;
};

}  // namespace edgelite::wal
