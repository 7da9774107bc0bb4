// FindLogTailMismatch: the database as of the log's last WAL position, compared with the log.
#include "wal/log_tail_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace edgelite::wal {
namespace {

// How much of the log's tail is compared, in page bytes: the newest versions written by hundreds of
// small transactions, or a sample of a bigger one, cheap next to opening the log (which reads its
// whole last segment).
constexpr uint64_t kCheckedBytes = 4 << 20;

// The size in pages SQLite gives a database file read without a WAL (btree.c, lockBtree): the
// size in the header (offset 28) when the change counter (offset 24) equals the version-valid-for
// number (offset 92), else the size of the file.
uint32_t DatabaseSize(const uint8_t* page1, uint64_t file_pages) {
  uint32_t in_header = LoadBigEndian32(page1 + 28);
  bool valid = in_header != 0 && std::memcmp(page1 + 24, page1 + 92, 4) == 0;
  return valid ? in_header : uint32_t(file_pages);
}

// The entry read at step k of n over a record of `count` entries: each in turn when n == count,
// else n of them spread evenly from the first (lowest page number) to the last (highest).
uint32_t EntryAt(uint64_t k, uint64_t n, uint32_t count) {
  if (n == count) return uint32_t(k);
  return n == 1 ? count - 1 : uint32_t(k * (count - 1) / (n - 1));
}

}  // namespace

Result<std::optional<std::string>> FindLogTailMismatch(const FrameLog& log,
                                                       const WalIndexHeader& live,
                                                       WalReader& database, WalReader& wal) {
  using Mismatch = std::optional<std::string>;
  const std::optional<RecordHeader> last = log.last_record();
  if (!last) return Mismatch();
  const uint32_t page_size = log.page_size();
  const WalPosition& end = last->wal;
  auto mismatch = [&](const std::string& detail) {
    return Mismatch(fmt::format(
        "the database no longer holds what the frame log's last transaction (frame {}) left: {}. "
        "Its WAL was deleted or lost, or the file was replaced (restored from a backup) or "
        "written without edgelite",
        last->last_frame_no(), detail));
  };

  // The WAL frames that are part of the database as of `end`: index = page number, 0 = the page
  // is read from the database file.
  std::vector<uint32_t> wal_frames;
  const bool in_wal = end.frame > 0 && live.salt == end.salt;
  if (in_wal) {
    if (live.max_frame < end.frame) {
      return mismatch(fmt::format(
          "the WAL ends at frame {} but the log's last transaction ends at WAL frame {}",
          live.max_frame, end.frame));
    }
    WalIndexHeader at_end = live;
    at_end.max_frame = end.frame;
    at_end.frame_checksum = end.checksum;
    auto mapped = MapWalPages(at_end, wal);
    if (!mapped.ok()) {
      // Internal: the frames fail validation or their chain ends elsewhere (not a read error).
      if (mapped.status().kind() != ErrorKind::kInternal) return mapped.status();
      return mismatch(
          fmt::format("the WAL's frames up to {} are not the ones the log captured ({})", end.frame,
                      mapped.status().message()));
    }
    wal_frames = std::move(mapped).value();
  }

  auto file_size = database.Size();
  if (!file_size.ok()) return file_size.status();
  const uint64_t file_pages = *file_size / page_size;  // whole pages: a torn one is not there
  std::vector<uint8_t> current(page_size);
  if (!in_wal) {
    // The database file alone is the database: its size must be the one the log ends with.
    uint32_t pages = 0;
    if (file_pages > 0) {
      if (Status s = database.Read(current.data(), page_size, 0); !s.ok()) return s;
      pages = DatabaseSize(current.data(), file_pages);
    }
    if (pages != last->commit_pages || file_pages < last->commit_pages) {
      return mismatch(
          fmt::format("the database file holds {} pages where the log's last transaction left {}",
                      std::min<uint64_t>(pages, file_pages), last->commit_pages));
    }
  }

  // Newest record first; a page already compared has a newer version than this record's. A record
  // bigger than what is left of the budget is sampled evenly, first entry to last, and ends the
  // walk: older records' pages could not be told apart from pages it overwrote.
  std::vector<bool> compared(size_t(last->commit_pages) + 1, false);
  uint32_t surviving = last->commit_pages;  // pages above a later shrink no longer exist
  uint64_t budget = std::max<uint64_t>(1, kCheckedBytes / page_size);  // entries left to read
  std::vector<uint8_t> entry(4 + size_t(page_size));
  Mismatch found;
  Status walked = log.ForEachRecordNewestFirst(
      [&](const RecordHeader& header, const FrameLog::EntryReader& read_entry) -> Result<bool> {
        surviving = std::min(surviving, header.commit_pages);
        const bool sampled = header.frame_count > budget;
        const uint64_t reads = sampled ? budget : header.frame_count;
        for (uint64_t k = 0; k < reads; ++k) {
          const uint32_t index = EntryAt(k, reads, header.frame_count);
          if (Status s = read_entry(index, entry.data()); !s.ok()) return s;
          const uint32_t page_no = RecordEntryPageNumber(entry.data());
          if (page_no > surviving || compared[page_no]) continue;
          compared[page_no] = true;
          const uint32_t frame = page_no < wal_frames.size() ? wal_frames[page_no] : 0;
          if (frame == 0 && page_no > file_pages) {
            found = mismatch(fmt::format("page {} is past the end of the database file", page_no));
            return false;
          }
          Status read =
              frame != 0
                  ? wal.Read(current.data(), page_size,
                             WalFrameOffset(frame, page_size) + kWalFrameHeaderSize)
                  : database.Read(current.data(), page_size, uint64_t(page_no - 1) * page_size);
          if (!read.ok()) return read;
          if (std::memcmp(current.data(), entry.data() + 4, page_size) != 0) {
            found = mismatch(
                fmt::format("page {} differs from its newest version in the log (frame {})",
                            page_no, header.first_frame_no + index));
            return false;
          }
        }
        budget -= reads;
        return !sampled && budget > 0;
      });
  if (!walked.ok()) return walked;
  return found;
}

}  // namespace edgelite::wal
