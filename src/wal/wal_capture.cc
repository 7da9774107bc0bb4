// CaptureCommitted: scan, verify and split committed WAL frames into frame log records.
#include "wal/wal_capture.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace edgelite::wal {
namespace {

constexpr uint32_t kFramesPerRead = 64;

// One committed transaction found in the WAL, not yet appended: it is held back until the next
// frame shows whether the commit frame was followed by sector padding (copies of the commit frame,
// written with synchronous=FULL when the VFS lacks POWERSAFE_OVERWRITE, §2.5).
struct FoundTransaction {
  std::vector<std::pair<uint32_t, uint32_t>> frames;  // (page number, WAL frame) in WAL order
  uint32_t commit_pages = 0;
  uint32_t end_frame = 0;  // last frame, padding included
  WalChecksum end_checksum;
  uint32_t commit_page_no = 0;
  std::vector<uint8_t> commit_page;  // the commit frame's page, to recognise padding
};

// Pages of one transaction, read back from the WAL in page-number order.
class WalPages : public PageSource {
 public:
  WalPages(WalReader& wal, uint32_t page_size, std::vector<std::pair<uint32_t, uint32_t>> pages)
      : wal_(wal), page_size_(page_size), pages_(std::move(pages)) {}
  Result<uint32_t> ReadPage(uint32_t index, uint8_t* page) override {
    const auto& [page_no, frame] = pages_[index];
    if (Status s =
            wal_.Read(page, page_size_, WalFrameOffset(frame, page_size_) + kWalFrameHeaderSize);
        !s.ok()) {
      return s;
    }
    return page_no;
  }

 private:
  WalReader& wal_;
  uint32_t page_size_;
  std::vector<std::pair<uint32_t, uint32_t>> pages_;
};

// The transaction's record pages: the newest frame of each page, page-number order, without pages
// beyond the commit size (pagerWalFrames drops them too) and without the lock page.
std::vector<std::pair<uint32_t, uint32_t>> RecordPages(const FoundTransaction& txn,
                                                       uint32_t page_size) {
  std::vector<std::pair<uint32_t, uint32_t>> pages = txn.frames;
  std::stable_sort(pages.begin(), pages.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const uint32_t lock_page = LockPageNumber(page_size);
  for (size_t i = 0; i < pages.size(); ++i) {
    bool newest = i + 1 == pages.size() || pages[i + 1].first != pages[i].first;
    if (!newest) continue;  // stable sort: the later frame of the same page comes after
    if (pages[i].first > txn.commit_pages || pages[i].first == lock_page) continue;
    out.push_back(pages[i]);
  }
  return out;
}

}  // namespace

Result<std::vector<uint32_t>> MapWalPages(const WalIndexHeader& live, WalReader& wal) {
  std::vector<uint32_t> newest;
  if (live.max_frame == 0) return newest;
  uint8_t header_bytes[kWalHeaderSize];
  if (Status s = wal.Read(header_bytes, sizeof(header_bytes), 0); !s.ok()) return s;
  std::optional<WalHeader> header = ParseWalHeader(header_bytes);
  if (!header || header->salt != live.salt || header->page_size != live.page_size) {
    return Status::Internal("the WAL file header does not match the wal-index header");
  }
  const uint32_t page_size = live.page_size;
  const size_t frame_size = kWalFrameHeaderSize + page_size;
  std::vector<uint8_t> buffer(size_t(kFramesPerRead) * frame_size);
  WalChecksum running = header->checksum;
  for (uint32_t frame = 1; frame <= live.max_frame;) {
    uint32_t count = std::min(kFramesPerRead, live.max_frame - frame + 1);
    if (Status s =
            wal.Read(buffer.data(), size_t(count) * frame_size, WalFrameOffset(frame, page_size));
        !s.ok()) {
      return s;
    }
    for (uint32_t k = 0; k < count; ++k, ++frame) {
      const uint8_t* frame_header = buffer.data() + size_t(k) * frame_size;
      auto next =
          ValidateWalFrame(*header, running, frame_header, frame_header + kWalFrameHeaderSize);
      if (!next) return Status::Internal(fmt::format("WAL frame {} fails validation", frame));
      running = *next;
      uint32_t page_no = ParseWalFrameHeader(frame_header).page_number;
      if (page_no >= newest.size()) newest.resize(size_t(page_no) + 1, 0);
      newest[page_no] = frame;
    }
  }
  if (!(running == live.frame_checksum)) {
    return Status::Internal(
        "the WAL checksum chain does not end at the wal-index header's checksum");
  }
  return newest;
}

CaptureOutcome CaptureCommitted(const WalIndexHeader& live, const WalPosition& from, WalReader& wal,
                                bool sync_wal, FrameLog& log) {
  CaptureOutcome outcome;
  outcome.position = from;
  auto diverged = [&](std::string message) {
    outcome.status = Status::Internal(std::move(message));
    outcome.diverged = true;
    return outcome;
  };

  const bool same_generation = live.salt == from.salt;
  if (same_generation && live.max_frame == from.frame) return outcome;
  if (same_generation && live.max_frame < from.frame) {
    return diverged(
        fmt::format("the WAL ends at frame {} but the frame log already holds frames up "
                    "to WAL frame {}: the WAL was rewritten outside the capture VFS",
                    live.max_frame, from.frame));
  }
  if (live.max_frame == 0) {
    // A restarted or truncated WAL with nothing committed yet: only the generation changed.
    outcome.position = WalPosition{live.salt, 0, {}};
    return outcome;
  }
  // (An empty WAL's header may carry no page size, so this is checked only when there are frames.)
  if (live.page_size != log.page_size()) {
    return diverged(
        fmt::format("the database page size is {} but the frame log's is {}; page size "
                    "changes are not supported",
                    live.page_size, log.page_size()));
  }

  uint8_t header_bytes[kWalHeaderSize];
  if (Status s = wal.Read(header_bytes, sizeof(header_bytes), 0); !s.ok()) {
    outcome.status = s;
    return outcome;
  }
  std::optional<WalHeader> header = ParseWalHeader(header_bytes);
  if (!header || header->salt != live.salt || header->page_size != live.page_size ||
      header->big_endian_checksum() != live.big_endian_checksum) {
    return diverged("the WAL file header does not match the wal-index header");
  }

  const uint32_t page_size = live.page_size;
  const size_t frame_size = kWalFrameHeaderSize + page_size;
  const bool continuing = same_generation && from.frame > 0;
  uint32_t frame = continuing ? from.frame + 1 : 1;
  WalChecksum running = continuing ? from.checksum : header->checksum;

  std::optional<FoundTransaction> pending;  // complete, waiting to see whether padding follows
  FoundTransaction current;
  bool wal_synced = !sync_wal;
  auto emit = [&](const FoundTransaction& txn) -> Status {
    auto pages = RecordPages(txn, page_size);
    WalPosition after{live.salt, txn.end_frame, txn.end_checksum};
    if (!pages.empty()) {
      if (!wal_synced) {
        if (Status s = wal.Sync(); !s.ok()) return s;
        wal_synced = true;
      }
      TransactionInfo info;
      info.frame_count = uint32_t(pages.size());
      info.commit_pages = txn.commit_pages;
      info.wal = after;
      WalPages source(wal, page_size, std::move(pages));
      auto appended = log.Append(info, source);
      if (!appended.ok()) return appended.status();
      ++outcome.transactions;
    }
    outcome.position = after;
    return Status::Ok();
  };

  std::vector<uint8_t> buffer(size_t(kFramesPerRead) * frame_size);
  while (frame <= live.max_frame) {
    uint32_t count = std::min(kFramesPerRead, live.max_frame - frame + 1);
    if (Status s =
            wal.Read(buffer.data(), size_t(count) * frame_size, WalFrameOffset(frame, page_size));
        !s.ok()) {
      outcome.status = s;
      return outcome;
    }
    for (uint32_t k = 0; k < count; ++k, ++frame) {
      const uint8_t* frame_header = buffer.data() + size_t(k) * frame_size;
      const uint8_t* page = frame_header + kWalFrameHeaderSize;
      std::optional<WalChecksum> next = ValidateWalFrame(*header, running, frame_header, page);
      if (!next) {
        return diverged(
            fmt::format("WAL frame {} fails validation although the wal-index says "
                        "frames up to {} are committed",
                        frame, live.max_frame));
      }
      running = *next;
      WalFrameHeader parsed = ParseWalFrameHeader(frame_header);
      if (pending && current.frames.empty() && parsed.is_commit() &&
          parsed.page_number == pending->commit_page_no &&
          parsed.commit_pages == pending->commit_pages &&
          std::memcmp(page, pending->commit_page.data(), page_size) == 0) {
        // Sector padding (or a transaction that rewrote the same page with the same bytes, which
        // changes nothing): it extends the pending transaction.
        pending->end_frame = frame;
        pending->end_checksum = running;
        continue;
      }
      if (pending) {
        if (Status s = emit(*pending); !s.ok()) {
          outcome.status = s;
          return outcome;
        }
        pending.reset();
      }
      current.frames.emplace_back(parsed.page_number, frame);
      if (parsed.is_commit()) {
        current.commit_pages = parsed.commit_pages;
        current.end_frame = frame;
        current.end_checksum = running;
        current.commit_page_no = parsed.page_number;
        current.commit_page.assign(page, page + page_size);
        pending = std::move(current);
        current = FoundTransaction();
      }
    }
  }
  if (!current.frames.empty()) {
    return diverged(
        fmt::format("WAL frame {} (the wal-index's last committed frame) is not a "
                    "commit frame",
                    live.max_frame));
  }
  if (!(running == live.frame_checksum)) {
    return diverged("the WAL checksum chain does not end at the wal-index header's checksum");
  }
  if (pending) {
    if (Status s = emit(*pending); !s.ok()) {
      outcome.status = s;
      return outcome;
    }
  }
  return outcome;
}

}  // namespace edgelite::wal
