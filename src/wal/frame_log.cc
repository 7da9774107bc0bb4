// FrameLog: opening (torn-tail repair), appending records, reading frames, lineage switches.
#include "wal/frame_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "wal/posix_file.h"

namespace edgelite::wal {
namespace {

constexpr size_t kWriteBufferBytes = 1 << 20;
constexpr const char* kMetaFileName = "meta";

uint64_t NowMs() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

uint32_t LoadLittleEndian32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

void StoreLittleEndian32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}

}  // namespace

struct FrameLog::Segment {
  std::filesystem::path path;
  uint64_t first_frame_no = 0;
  PosixFile file;
  uint64_t size = 0;  // bytes of the header and the complete, fsynced records
  std::vector<RecordRef> records;

  uint64_t end_frame_no() const {
    return records.empty() ? first_frame_no
                           : records.back().first_frame_no + records.back().frame_count;
  }
};

struct FrameLog::Snapshot {
  std::filesystem::path path;
  SnapshotHeader header;
  PosixFile file;
};

namespace {

uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void StoreLittleEndian64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}

// Reads the record at `offset` of `file` into `buffer` (whole record) and verifies both CRCs.
Result<RecordHeader> ReadRecordAt(const PosixFile& file, uint64_t offset, uint64_t file_size,
                                  std::vector<uint8_t>& buffer) {
  uint8_t header_bytes[kRecordHeaderSize];
  if (offset + kRecordHeaderSize > file_size) return Status::Io("record header past end of file");
  auto got = file.ReadAt(header_bytes, kRecordHeaderSize, offset);
  if (!got.ok()) return got.status();
  if (*got != kRecordHeaderSize) return Status::Io("short read of a record header");
  std::optional<RecordHeader> header = DecodeRecordHeader(header_bytes);
  if (!header) return Status::Io("record header is corrupt (bad magic, version or CRC)");
  if (offset + header->record_size() > file_size)
    return Status::Io("record extends past end of file");
  size_t body = size_t(header->record_size() - kRecordHeaderSize);
  buffer.resize(body);
  got = file.ReadAt(buffer.data(), body, offset + kRecordHeaderSize);
  if (!got.ok()) return got.status();
  if (*got != body) return Status::Io("short read of a record");
  size_t pages_part = body - kRecordTrailerSize;
  if (Crc32(0, buffer.data(), pages_part) != LoadLittleEndian32(buffer.data() + pages_part)) {
    return Status::Io("record CRC mismatch");
  }
  buffer.resize(pages_part);
  return *header;
}

}  // namespace

Result<std::unique_ptr<FrameLog>> FrameLog::Open(FrameLogOptions options) {
  if (!IsValidPageSize(options.page_size)) {
    return Status::InvalidArgument(fmt::format("invalid page size {}", options.page_size));
  }
  std::unique_ptr<FrameLog> log(new FrameLog(std::move(options)));
  if (Status s = log->Load(); !s.ok()) return s;
  return log;
}

FrameLog::~FrameLog() {
  Close();
}

std::filesystem::path FrameLog::LineageDirectory(const LogId& id) const {
  return options_.directory / FormatLogId(id);
}

Status FrameLog::Load() {
  std::error_code error;
  std::filesystem::create_directories(options_.directory, error);
  if (error) {
    return Status::Io(fmt::format("cannot create frame log directory {}: {}",
                                  options_.directory.string(), error.message()));
  }
  std::filesystem::path meta_path = options_.directory / kMetaFileName;
  if (!std::filesystem::exists(meta_path)) {
    meta_ = LogMeta{options_.page_size, NewLogId(), NowMs()};
    std::filesystem::create_directories(LineageDirectory(meta_.log_id), error);
    if (error) return Status::Io("cannot create lineage directory: " + error.message());
    uint8_t bytes[kLogMetaSize];
    EncodeLogMeta(meta_, bytes);
    if (Status s = WriteFileAtomically(meta_path, bytes, sizeof(bytes)); !s.ok()) return s;
  } else {
    auto file = PosixFile::Open(meta_path, O_RDONLY);
    if (!file.ok()) return file.status();
    uint8_t bytes[kLogMetaSize + 1];
    auto got = file->ReadAt(bytes, sizeof(bytes), 0);
    if (!got.ok()) return got.status();
    std::optional<LogMeta> meta = DecodeLogMeta(bytes, *got);
    if (!meta) {
      return Status::Io(fmt::format(
          "frame log meta file {} is corrupt; move the log directory aside to start a new lineage "
          "(replicas will resync from a snapshot)",
          meta_path.string()));
    }
    meta_ = *meta;
  }

  // Leftovers of an interrupted StartNewLineage: a lineage the meta file never switched to.
  for (const auto& entry : std::filesystem::directory_iterator(options_.directory, error)) {
    std::string name = entry.path().filename().string();
    // WriteFileAtomically's temporary file, left by a crash during a meta write.
    if (name.starts_with(std::string(kMetaFileName) + ".tmp-")) {
      std::filesystem::remove(entry.path(), error);
    } else if (entry.is_directory() && ParseLogId(name) && *ParseLogId(name) != meta_.log_id) {
      std::filesystem::remove_all(entry.path(), error);
    }
  }

  std::filesystem::path lineage = LineageDirectory(meta_.log_id);
  std::filesystem::create_directories(lineage, error);
  if (error) return Status::Io("cannot create lineage directory: " + error.message());
  if (Status s = LoadSnapshot(lineage); !s.ok()) return s;
  std::vector<std::pair<uint64_t, std::filesystem::path>> found;
  for (const auto& entry : std::filesystem::directory_iterator(lineage, error)) {
    if (auto first = ParseSegmentFileName(entry.path().filename().string())) {
      found.emplace_back(*first, entry.path());
    }
  }
  if (error) return Status::Io("cannot list " + lineage.string() + ": " + error.message());
  std::sort(found.begin(), found.end());
  const uint64_t first_expected = snapshot_ ? snapshot_->header.end_frame_no + 1 : 0;
  // Segments a compaction folded into the snapshot but had not deleted yet when it was interrupted.
  while (found.size() > 1 && found[1].first <= first_expected) {
    std::filesystem::remove(found.front().second, error);
    found.erase(found.begin());
  }
  if (!found.empty() && found.front().first != first_expected) {
    return Status::Io(fmt::format(
        "the frame log in {} starts at frame {} but should start at frame {}; frames are missing",
        lineage.string(), found.front().first, first_expected));
  }

  for (size_t i = 0; i < found.size(); ++i) {
    auto segment = std::make_shared<Segment>();
    segment->path = found[i].second;
    segment->first_frame_no = found[i].first;
    auto file = PosixFile::Open(segment->path, O_RDWR);
    if (!file.ok()) return file.status();
    segment->file = std::move(file).value();
    bool is_last = i + 1 == found.size();
    if (!segments_.empty() && segments_.back()->end_frame_no() != segment->first_frame_no) {
      return Status::Io(
          fmt::format("frame log segment {} does not continue the previous one "
                      "(expected first frame {}); the log has a gap",
                      segment->path.string(), segments_.back()->end_frame_no()));
    }
    if (Status s = LoadSegment(segment, is_last); !s.ok()) return s;
    if (segment->file.is_open()) segments_.push_back(std::move(segment));
  }
  next_frame_no_ = segments_.empty() ? first_expected : segments_.back()->end_frame_no();
  if (!segments_.empty()) {
    // The newest record's header, for the capture position.
    for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) {
      if ((*it)->records.empty()) continue;
      uint8_t bytes[kRecordHeaderSize];
      auto got = (*it)->file.ReadAt(bytes, kRecordHeaderSize, (*it)->records.back().offset);
      if (!got.ok()) return got.status();
      last_record_ = DecodeRecordHeader(bytes);
      break;
    }
  }
  return Status::Ok();
}

Status FrameLog::LoadSnapshot(const std::filesystem::path& lineage) {
  std::error_code error;
  std::vector<std::pair<uint64_t, std::filesystem::path>> found;
  for (const auto& entry : std::filesystem::directory_iterator(lineage, error)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), error);  // an unfinished compaction
    } else if (auto end = ParseSnapshotFileName(name)) {
      found.emplace_back(*end, entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  // The newest complete snapshot wins; older ones are leftovers of an interrupted compaction.
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    if (!snapshot_) {
      auto file = PosixFile::Open(it->second, O_RDONLY);
      if (!file.ok()) return file.status();
      uint8_t bytes[kSnapshotHeaderSize];
      auto got = file->ReadAt(bytes, sizeof(bytes), 0);
      if (!got.ok()) return got.status();
      std::optional<SnapshotHeader> header;
      if (*got == sizeof(bytes)) header = DecodeSnapshotHeader(bytes);
      auto size = file->Size();
      if (header && size.ok() && header->log_id == meta_.log_id &&
          header->page_size == meta_.page_size && header->end_frame_no == it->first &&
          *size == header->file_size()) {
        snapshot_ = std::make_shared<Snapshot>();
        snapshot_->path = it->second;
        snapshot_->header = *header;
        snapshot_->file = std::move(file).value();
        continue;
      }
    }
    std::filesystem::remove(it->second, error);
  }
  return Status::Ok();
}

Status FrameLog::LoadSegment(const std::shared_ptr<Segment>& segment, bool is_last) {
  auto size = segment->file.Size();
  if (!size.ok()) return size.status();
  uint8_t header_bytes[kSegmentHeaderSize];
  std::optional<SegmentHeader> header;
  if (*size >= kSegmentHeaderSize) {
    auto got = segment->file.ReadAt(header_bytes, kSegmentHeaderSize, 0);
    if (!got.ok()) return got.status();
    header = DecodeSegmentHeader(header_bytes);
  }
  if (!header) {
    if (is_last) {
      // Torn while being created: nothing in it was ever acknowledged.
      segment->file = PosixFile();
      std::error_code error;
      std::filesystem::remove(segment->path, error);
      return SyncDirectory(segment->path.parent_path());
    }
    return Status::Io(
        fmt::format("frame log segment {} has a corrupt header", segment->path.string()));
  }
  if (header->log_id != meta_.log_id || header->page_size != meta_.page_size ||
      header->first_frame_no != segment->first_frame_no) {
    return Status::Io(fmt::format("frame log segment {} belongs to another lineage or is misnamed",
                                  segment->path.string()));
  }

  uint64_t offset = kSegmentHeaderSize;
  uint64_t expected_frame = segment->first_frame_no;
  std::vector<uint8_t> buffer;
  while (offset < *size) {
    Status problem;
    std::optional<RecordHeader> record;
    if (is_last) {
      // Only the last segment can have a torn tail: verify every record in full.
      auto read = ReadRecordAt(segment->file, offset, *size, buffer);
      if (read.ok()) {
        record = *read;
      } else {
        problem = read.status();
      }
    } else {
      uint8_t bytes[kRecordHeaderSize];
      auto got = segment->file.ReadAt(bytes, kRecordHeaderSize, offset);
      if (!got.ok()) return got.status();
      if (*got == kRecordHeaderSize) record = DecodeRecordHeader(bytes);
      if (!record) {
        problem = Status::Io("corrupt record header");
      } else if (offset + record->record_size() > *size) {
        problem = Status::Io("record extends past end of file");
      }
    }
    if (problem.ok() &&
        (record->first_frame_no != expected_frame || record->page_size != meta_.page_size)) {
      problem = Status::Io("record out of sequence");
    }
    if (!problem.ok()) {
      if (!is_last) {
        return Status::Io(fmt::format("frame log segment {} is corrupt at offset {}: {}",
                                      segment->path.string(), offset, problem.message()));
      }
      // A torn tail: everything from here on was never acknowledged (appends fsync before they
      // return), so cut it off.
      if (Status s = segment->file.Truncate(offset); !s.ok()) return s;
      if (Status s = segment->file.Sync(); !s.ok()) return s;
      *size = offset;
      break;
    }
    segment->records.push_back({record->first_frame_no, record->frame_count, offset});
    expected_frame += record->frame_count;
    offset += record->record_size();
  }
  segment->size = offset;
  return Status::Ok();
}

LogId FrameLog::log_id() const {
  std::lock_guard lock(mutex_);
  return meta_.log_id;
}

uint32_t FrameLog::page_size() const {
  std::lock_guard lock(mutex_);
  return meta_.page_size;
}

uint64_t FrameLog::next_frame_no() const {
  return next_frame_no_.load();
}

std::optional<uint64_t> FrameLog::last_frame_no() const {
  uint64_t next = next_frame_no_.load();
  if (next == 0) return std::nullopt;
  return next - 1;
}

uint64_t FrameLog::first_frame_no() const {
  std::lock_guard lock(mutex_);
  return segments_.empty() ? next_frame_no_.load() : segments_.front()->first_frame_no;
}

std::optional<RecordHeader> FrameLog::last_record() const {
  std::lock_guard lock(mutex_);
  return last_record_;
}

Result<std::shared_ptr<FrameLog::Segment>> FrameLog::CreateSegment(
    const std::filesystem::path& lineage_dir, const LogMeta& meta, uint64_t first_frame_no) {
  auto segment = std::make_shared<Segment>();
  segment->path = lineage_dir / SegmentFileName(first_frame_no);
  segment->first_frame_no = first_frame_no;
  auto file = PosixFile::Open(segment->path, O_RDWR | O_CREAT | O_TRUNC);
  if (!file.ok()) return file.status();
  segment->file = std::move(file).value();
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader({meta.page_size, meta.log_id, first_frame_no}, header);
  if (Status s = segment->file.WriteAt(header, sizeof(header), 0); !s.ok()) return s;
  if (Status s = segment->file.Sync(); !s.ok()) return s;
  if (Status s = SyncDirectory(lineage_dir); !s.ok()) return s;
  segment->size = kSegmentHeaderSize;
  return segment;
}

Result<RecordHeader> FrameLog::WriteRecord(Segment& segment, uint64_t first_frame_no,
                                           const TransactionInfo& info, PageSource& pages) {
  if (info.frame_count == 0 || info.commit_pages == 0) {
    return Status::Internal("a log record needs at least one page and a commit size");
  }
  RecordHeader header;
  header.flags = info.flags;
  header.first_frame_no = first_frame_no;
  header.frame_count = info.frame_count;
  header.page_size = meta_.page_size;
  header.commit_pages = info.commit_pages;
  header.wal = info.wal;
  header.timestamp_ms = NowMs();

  const uint32_t page_size = meta_.page_size;
  const uint32_t lock_page = LockPageNumber(page_size);
  const uint64_t start = segment.size;
  std::vector<uint8_t>& buffer = record_buffer_;
  // As large as the record, up to kWriteBufferBytes, and never shrunk: a database that only ever
  // wrote small transactions keeps a small buffer (an open, idle namespace costs little memory).
  size_t record_bytes =
      kRecordHeaderSize + size_t(info.frame_count) * (4 + page_size) + kRecordTrailerSize;
  size_t wanted =
      std::clamp(record_bytes, size_t(kRecordHeaderSize + 4 + page_size), kWriteBufferBytes);
  if (buffer.size() < wanted) buffer.resize(wanted);
  size_t used = kRecordHeaderSize;
  EncodeRecordHeader(header, buffer.data());
  uint64_t written = 0;  // bytes of the record already in the file
  uint32_t crc = 0;
  size_t crc_from = kRecordHeaderSize;  // the pages part starts after the header

  auto fail = [&](Status status) -> Status {
    // Cut the partial record off so the segment ends on a record boundary again.
    (void)segment.file.Truncate(start);
    return status;
  };
  auto flush = [&]() -> Status {
    crc = Crc32(crc, buffer.data() + crc_from, used - crc_from);
    crc_from = 0;
    if (Status s = segment.file.WriteAt(buffer.data(), used, start + written); !s.ok()) return s;
    written += used;
    used = 0;
    return Status::Ok();
  };

  uint32_t previous_page = 0;
  for (uint32_t i = 0; i < info.frame_count; ++i) {
    if (buffer.size() - used < 4 + page_size) {
      if (Status s = flush(); !s.ok()) return fail(s);
    }
    auto page_no = pages.ReadPage(i, buffer.data() + used + 4);
    if (!page_no.ok()) return fail(page_no.status());
    // The record invariants replicas and replay rely on.
    if (*page_no == 0 || *page_no <= previous_page || *page_no > info.commit_pages ||
        *page_no == lock_page) {
      return fail(Status::Internal(fmt::format(
          "log record page {} out of order or out of range (previous {}, commit size {})", *page_no,
          previous_page, info.commit_pages)));
    }
    previous_page = *page_no;
    StoreLittleEndian32(buffer.data() + used, *page_no);
    used += 4 + page_size;
  }
  crc = Crc32(crc, buffer.data() + crc_from, used - crc_from);
  if (buffer.size() - used < kRecordTrailerSize) {
    if (Status s = segment.file.WriteAt(buffer.data(), used, start + written); !s.ok()) {
      return fail(s);
    }
    written += used;
    used = 0;
  }
  StoreLittleEndian32(buffer.data() + used, crc);
  used += kRecordTrailerSize;
  if (Status s = segment.file.WriteAt(buffer.data(), used, start + written); !s.ok()) {
    return fail(s);
  }
  written += used;
  if (options_.sync_appends) {
    if (Status s = segment.file.Sync(); !s.ok()) return fail(s);
  }
  segment.size = start + written;
  return header;
}

Result<uint64_t> FrameLog::Append(const TransactionInfo& info, PageSource& pages) {
  std::lock_guard append_lock(append_mutex_);
  std::shared_ptr<Segment> active;
  uint64_t first_frame_no;
  LogMeta meta;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Status::Unavailable("the frame log is closed");
    if (!segments_.empty()) active = segments_.back();
    first_frame_no = next_frame_no_;
    meta = meta_;
  }
  // Only this thread (holding append_mutex_) changes segments_, so `active` stays the active one.
  bool new_segment =
      !active || (active->size >= options_.segment_target_bytes && !active->records.empty());
  if (new_segment) {
    auto created = CreateSegment(LineageDirectory(meta.log_id), meta, first_frame_no);
    if (!created.ok()) return created.status();
    active = std::move(created).value();
  }
  auto header = WriteRecord(*active, first_frame_no, info, pages);
  if (!header.ok()) return header.status();
  uint64_t last;
  {
    std::lock_guard lock(mutex_);
    if (new_segment) segments_.push_back(active);
    active->records.push_back(
        {first_frame_no, info.frame_count, active->size - header->record_size()});
    next_frame_no_ = first_frame_no + info.frame_count;
    last_record_ = *header;
    last = next_frame_no_ - 1;
  }
  Notify(last);
  return last;
}

Status FrameLog::StartNewLineage(const TransactionInfo* snapshot, PageSource* pages) {
  std::lock_guard append_lock(append_mutex_);
  LogMeta meta;
  {
    std::lock_guard lock(mutex_);
    meta = meta_;
  }
  LogId old_id = meta.log_id;
  meta.log_id = NewLogId();
  meta.created_ms = NowMs();
  std::filesystem::path lineage = LineageDirectory(meta.log_id);
  std::error_code error;
  std::filesystem::create_directories(lineage, error);
  if (error) return Status::Io("cannot create lineage directory: " + error.message());

  std::vector<std::shared_ptr<Segment>> segments;
  std::optional<RecordHeader> last_record;
  uint64_t next_frame_no = 0;
  if (snapshot) {
    auto segment = CreateSegment(lineage, meta, 0);
    if (!segment.ok()) return segment.status();
    TransactionInfo info = *snapshot;
    info.flags |= kRecordFlagBaseSnapshot;
    // WriteRecord reads the page size from meta_, which is the same in both lineages.
    auto header = WriteRecord(**segment, 0, info, *pages);
    if (!header.ok()) return header.status();
    (*segment)->records.push_back({0, info.frame_count, kSegmentHeaderSize});
    last_record = *header;
    next_frame_no = info.frame_count;
    segments.push_back(std::move(segment).value());
  }
  if (Status s = SyncDirectory(options_.directory); !s.ok()) return s;
  // The switch point: before this rename the old lineage is current, after it the new one.
  uint8_t bytes[kLogMetaSize];
  EncodeLogMeta(meta, bytes);
  if (Status s = WriteFileAtomically(options_.directory / kMetaFileName, bytes, sizeof(bytes));
      !s.ok()) {
    return s;
  }
  {
    std::lock_guard lock(mutex_);
    meta_ = meta;
    segments_ = std::move(segments);
    snapshot_.reset();
    next_frame_no_ = next_frame_no;
    last_record_ = last_record;
  }
  // Readers still holding old segments keep their open descriptors.
  std::filesystem::remove_all(LineageDirectory(old_id), error);
  if (next_frame_no > 0) Notify(next_frame_no - 1);
  return Status::Ok();
}

Result<FrameBatch> FrameLog::ReadFrames(uint64_t from, size_t max_frames) const {
  FrameBatch batch;
  std::vector<std::pair<std::shared_ptr<Segment>, RecordRef>> wanted;
  uint32_t page_size;
  {
    std::lock_guard lock(mutex_);
    page_size = meta_.page_size;
    uint64_t oldest = segments_.empty() ? next_frame_no_.load() : segments_.front()->first_frame_no;
    if (from < oldest) {
      batch.need_snapshot = true;
      return batch;
    }
    if (from > next_frame_no_) {
      return Status::NotFound(fmt::format(
          "frame {} is beyond the end of the log (next frame is {}); the replica is ahead of this "
          "primary or follows another lineage",
          from, next_frame_no_.load()));
    }
    size_t collected = 0;
    auto seg = std::upper_bound(segments_.begin(), segments_.end(), from,
                                [](uint64_t f, const auto& s) { return f < s->first_frame_no; });
    if (seg != segments_.begin()) --seg;
    for (; seg != segments_.end() && (wanted.empty() || collected < max_frames); ++seg) {
      const auto& records = (*seg)->records;
      auto rec =
          std::upper_bound(records.begin(), records.end(), from,
                           [](uint64_t f, const RecordRef& r) { return f < r.first_frame_no; });
      if (rec != records.begin()) --rec;
      for (; rec != records.end() && (wanted.empty() || collected < max_frames); ++rec) {
        if (rec->first_frame_no + rec->frame_count <= from) continue;
        wanted.emplace_back(*seg, *rec);
        collected += rec->first_frame_no + rec->frame_count - std::max(from, rec->first_frame_no);
      }
    }
  }
  std::vector<uint8_t> buffer;
  for (const auto& [segment, ref] : wanted) {
    auto header = ReadRecordAt(segment->file, ref.offset,
                               ref.offset + RecordSize(ref.frame_count, page_size), buffer);
    if (!header.ok()) {
      return Status::Io(fmt::format("cannot read frames {}..{} from {}: {}", ref.first_frame_no,
                                    ref.first_frame_no + ref.frame_count - 1,
                                    segment->path.string(), header.status().message()));
    }
    for (uint32_t i = 0; i < header->frame_count; ++i) {
      uint64_t frame_no = header->first_frame_no + i;
      if (frame_no < from) continue;
      const uint8_t* entry = buffer.data() + size_t(i) * (4 + page_size);
      LogFrame frame;
      frame.frame_no = frame_no;
      frame.page_no = LoadLittleEndian32(entry);
      bool last = i + 1 == header->frame_count;
      frame.size_after = last ? header->commit_pages : 0;
      frame.timestamp_ms = last ? header->timestamp_ms : 0;
      frame.page.assign(reinterpret_cast<const char*>(entry + 4), page_size);
      batch.frames.push_back(std::move(frame));
    }
  }
  return batch;
}

Status FrameLog::ForEachRecord(uint64_t from, const RecordVisitor& visit) const {
  std::vector<std::pair<std::shared_ptr<Segment>, RecordRef>> wanted;
  uint32_t page_size;
  {
    std::lock_guard lock(mutex_);
    page_size = meta_.page_size;
    for (const auto& segment : segments_) {
      for (const auto& ref : segment->records) {
        if (ref.first_frame_no + ref.frame_count > from) wanted.emplace_back(segment, ref);
      }
    }
  }
  std::vector<uint8_t> buffer;
  for (const auto& [segment, ref] : wanted) {
    auto header = ReadRecordAt(segment->file, ref.offset,
                               ref.offset + RecordSize(ref.frame_count, page_size), buffer);
    if (!header.ok()) {
      return Status::Io(fmt::format("cannot read the record at frame {} from {}: {}",
                                    ref.first_frame_no, segment->path.string(),
                                    header.status().message()));
    }
    auto more = visit(*header, buffer.data());
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return Status::Ok();
}

Status FrameLog::ForEachRecordNewestFirst(const RecordHeaderVisitor& visit) const {
  std::vector<std::shared_ptr<Segment>> segments;
  uint32_t page_size;
  {
    std::lock_guard lock(mutex_);
    segments = segments_;
    page_size = meta_.page_size;
  }
  const size_t entry_size = 4 + size_t(page_size);
  for (auto segment = segments.rbegin(); segment != segments.rend(); ++segment) {
    std::vector<RecordRef> records;
    {
      std::lock_guard lock(mutex_);  // appends extend the active segment's list
      records = (*segment)->records;
    }
    const PosixFile& file = (*segment)->file;
    for (auto ref = records.rbegin(); ref != records.rend(); ++ref) {
      auto where = [&] {
        return fmt::format("the record at frame {} in {}", ref->first_frame_no,
                           (*segment)->path.string());
      };
      uint8_t bytes[kRecordHeaderSize];
      auto got = file.ReadAt(bytes, sizeof(bytes), ref->offset);
      if (!got.ok()) return got.status();
      std::optional<RecordHeader> header;
      if (*got == sizeof(bytes)) header = DecodeRecordHeader(bytes);
      if (!header) return Status::Io(fmt::format("cannot read the header of {}", where()));
      EntryReader read_entry = [&](uint32_t index, uint8_t* entry) -> Status {
        if (index >= header->frame_count) {
          return Status::Internal(fmt::format("{} has no entry {}", where(), index));
        }
        auto read = file.ReadAt(entry, entry_size,
                                ref->offset + kRecordHeaderSize + uint64_t(index) * entry_size);
        if (!read.ok()) return read.status();
        if (*read != entry_size) return Status::Io(fmt::format("short read of {}", where()));
        return Status::Ok();
      };
      auto more = visit(*header, read_entry);
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
    }
  }
  return Status::Ok();
}

std::optional<SnapshotInfo> FrameLog::snapshot() const {
  std::lock_guard lock(mutex_);
  if (!snapshot_) return std::nullopt;
  const SnapshotHeader& h = snapshot_->header;
  return SnapshotInfo{h.end_frame_no, h.page_count, h.size_after};
}

Status FrameLog::ScanSnapshot(const Snapshot& snapshot,
                              const std::function<void(const SnapshotEntry&)>& visit) {
  const SnapshotHeader& header = snapshot.header;
  const uint64_t entry_size = header.entry_size();
  const uint64_t per_chunk = std::max<uint64_t>(1, kWriteBufferBytes / entry_size);
  std::vector<uint8_t> buffer(size_t(per_chunk * entry_size));
  uint32_t crc = 0;
  uint64_t offset = kSnapshotHeaderSize;
  for (uint64_t done = 0; done < header.page_count;) {
    uint64_t count = std::min<uint64_t>(per_chunk, header.page_count - done);
    size_t bytes = size_t(count * entry_size);
    auto got = snapshot.file.ReadAt(buffer.data(), bytes, offset);
    if (!got.ok()) return got.status();
    if (*got != bytes) return Status::Io("short read of snapshot " + snapshot.path.string());
    crc = Crc32(crc, buffer.data(), bytes);
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t* entry = buffer.data() + i * entry_size;
      visit(
          {LoadLittleEndian64(entry), LoadLittleEndian32(entry + 8), offset + i * entry_size + 12});
    }
    offset += bytes;
    done += count;
  }
  uint8_t trailer[kRecordTrailerSize];
  auto got = snapshot.file.ReadAt(trailer, sizeof(trailer), offset);
  if (!got.ok()) return got.status();
  if (*got != sizeof(trailer) || LoadLittleEndian32(trailer) != crc) {
    return Status::Io("snapshot " + snapshot.path.string() + " is corrupt (CRC mismatch)");
  }
  return Status::Ok();
}

uint64_t FrameLog::SnapshotCursor::end_frame_no() const {
  return snapshot_->header.end_frame_no;
}

uint32_t FrameLog::SnapshotCursor::size_after() const {
  return snapshot_->header.size_after;
}

Result<std::optional<LogFrame>> FrameLog::SnapshotCursor::Next() {
  if (next_ >= entries_.size()) return std::optional<LogFrame>();
  const SnapshotEntry& entry = entries_[next_++];
  const uint32_t page_size = snapshot_->header.page_size;
  LogFrame frame;
  frame.frame_no = entry.frame_no;
  frame.page_no = entry.page_no;
  frame.size_after = next_ == entries_.size() ? snapshot_->header.size_after : 0;
  frame.page.resize(page_size);
  auto got = snapshot_->file.ReadAt(frame.page.data(), page_size, entry.offset);
  if (!got.ok()) return got.status();
  if (*got != page_size) return Status::Io("short read of snapshot " + snapshot_->path.string());
  return std::optional<LogFrame>(std::move(frame));
}

Result<std::optional<std::unique_ptr<FrameLog::SnapshotCursor>>> FrameLog::OpenSnapshot(
    uint64_t from) const {
  std::shared_ptr<Snapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = snapshot_;
  }
  using Opened = std::optional<std::unique_ptr<SnapshotCursor>>;
  if (!snapshot || from > snapshot->header.end_frame_no) return Opened();
  auto cursor = std::make_unique<SnapshotCursor>();
  Status scanned = ScanSnapshot(*snapshot, [&](const SnapshotEntry& entry) {
    if (entry.frame_no >= from) cursor->entries_.push_back(entry);
  });
  if (!scanned.ok()) return scanned;
  std::sort(cursor->entries_.begin(), cursor->entries_.end(),
            [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.frame_no > b.frame_no; });
  cursor->snapshot_ = std::move(snapshot);
  return Opened(std::move(cursor));
}

Status FrameLog::ForEachSnapshotFrame(uint64_t from, const FrameVisitor& visit) const {
  auto opened = OpenSnapshot(from);
  if (!opened.ok()) return opened.status();
  if (!opened->has_value())
    return Status::NotFound(fmt::format("no snapshot covers frame {}", from));
  SnapshotCursor& cursor = ***opened;
  while (true) {
    auto frame = cursor.Next();
    if (!frame.ok()) return frame.status();
    if (!frame->has_value()) return Status::Ok();
    auto more = visit(**frame);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
  }
}

Status FrameLog::ForEachSnapshotPage(
    const std::function<Status(uint32_t page_no, const uint8_t* page)>& visit) const {
  std::shared_ptr<Snapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = snapshot_;
  }
  if (!snapshot) return Status::NotFound("the frame log has no snapshot");
  std::vector<SnapshotEntry> entries;
  Status scanned =
      ScanSnapshot(*snapshot, [&](const SnapshotEntry& entry) { entries.push_back(entry); });
  if (!scanned.ok()) return scanned;
  std::vector<uint8_t> page(snapshot->header.page_size);
  for (const SnapshotEntry& entry : entries) {
    auto got = snapshot->file.ReadAt(page.data(), page.size(), entry.offset);
    if (!got.ok()) return got.status();
    if (*got != page.size()) return Status::Io("short read of snapshot " + snapshot->path.string());
    if (Status s = visit(entry.page_no, page.data()); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<bool> FrameLog::Compact() {
  std::lock_guard compaction_lock(compaction_mutex_);
  LogMeta meta;
  std::shared_ptr<Snapshot> previous;
  std::vector<std::shared_ptr<Segment>> folded;
  std::vector<std::vector<RecordRef>> folded_records;
  {
    std::lock_guard lock(mutex_);
    meta = meta_;
    previous = snapshot_;
    // Every segment but the active one: those are immutable.
    for (size_t i = 0; i + 1 < segments_.size(); ++i) {
      folded.push_back(segments_[i]);
      folded_records.push_back(segments_[i]->records);
    }
  }
  if (folded.empty()) return false;

  // Where the newest version of each page is: the previous snapshot, then the records in order.
  struct Source {
    const PosixFile* file = nullptr;
    uint64_t offset = 0;
    uint64_t frame_no = 0;
  };
  std::vector<Source> pages(1);  // indexed by page number
  const uint32_t page_size = meta.page_size;
  uint32_t size_after = 0;
  if (previous) {
    Status scanned = ScanSnapshot(*previous, [&](const SnapshotEntry& entry) {
      if (entry.page_no >= pages.size()) pages.resize(size_t(entry.page_no) + 1);
      pages[entry.page_no] = {&previous->file, entry.offset, entry.frame_no};
    });
    if (!scanned.ok()) return scanned;
    size_after = previous->header.size_after;
  }
  uint64_t end_frame_no = 0;
  std::vector<uint8_t> buffer;
  for (size_t s = 0; s < folded.size(); ++s) {
    const Segment& segment = *folded[s];
    for (const RecordRef& ref : folded_records[s]) {
      uint64_t record_end = ref.offset + RecordSize(ref.frame_count, page_size);
      auto header = ReadRecordAt(segment.file, ref.offset, record_end, buffer);
      if (!header.ok()) {
        return Status::Io(
            fmt::format("cannot compact {}: {}", segment.path.string(), header.status().message()));
      }
      for (uint32_t i = 0; i < header->frame_count; ++i) {
        uint32_t page_no = LoadLittleEndian32(buffer.data() + size_t(i) * (4 + page_size));
        if (page_no >= pages.size()) pages.resize(size_t(page_no) + 1);
        pages[page_no] = {&segment.file,
                          ref.offset + kRecordHeaderSize + uint64_t(i) * (4 + page_size) + 4,
                          header->first_frame_no + i};
      }
      // A shrinking transaction drops every page beyond its size.
      if (pages.size() > size_t(header->commit_pages) + 1) {
        pages.resize(size_t(header->commit_pages) + 1);
      }
      size_after = header->commit_pages;
      end_frame_no = header->last_frame_no();
    }
  }

  // Write the new snapshot beside the segments, then switch to it.
  std::filesystem::path lineage = LineageDirectory(meta.log_id);
  std::filesystem::path final_path = lineage / SnapshotFileName(end_frame_no);
  std::filesystem::path temporary = final_path;
  temporary += ".tmp";
  SnapshotHeader header;
  header.page_size = page_size;
  header.log_id = meta.log_id;
  header.end_frame_no = end_frame_no;
  header.size_after = size_after;
  header.created_ms = NowMs();
  for (size_t p = 1; p < pages.size(); ++p) {
    if (pages[p].file) ++header.page_count;
  }
  {
    auto file = PosixFile::Open(temporary, O_RDWR | O_CREAT | O_TRUNC);
    if (!file.ok()) return file.status();
    std::vector<uint8_t> out(std::max<size_t>(kWriteBufferBytes, size_t(header.entry_size())));
    size_t used = 0;
    uint64_t written = kSnapshotHeaderSize;
    uint32_t crc = 0;
    auto flush = [&]() -> Status {
      crc = Crc32(crc, out.data(), used);
      if (Status st = file->WriteAt(out.data(), used, written); !st.ok()) return st;
      written += used;
      used = 0;
      return Status::Ok();
    };
    for (size_t p = 1; p < pages.size(); ++p) {
      if (!pages[p].file) continue;
      if (out.size() - used < header.entry_size()) {
        if (Status st = flush(); !st.ok()) return st;
      }
      StoreLittleEndian64(out.data() + used, pages[p].frame_no);
      StoreLittleEndian32(out.data() + used + 8, uint32_t(p));
      auto got = pages[p].file->ReadAt(out.data() + used + 12, page_size, pages[p].offset);
      if (!got.ok()) return got.status();
      if (*got != page_size) return Status::Io("short read while compacting the frame log");
      used += size_t(header.entry_size());
    }
    if (Status st = flush(); !st.ok()) return st;
    uint8_t trailer[kRecordTrailerSize];
    StoreLittleEndian32(trailer, crc);
    if (Status st = file->WriteAt(trailer, sizeof(trailer), written); !st.ok()) return st;
    uint8_t header_bytes[kSnapshotHeaderSize];
    EncodeSnapshotHeader(header, header_bytes);
    if (Status st = file->WriteAt(header_bytes, sizeof(header_bytes), 0); !st.ok()) return st;
    if (Status st = file->Sync(); !st.ok()) return st;
  }
  if (::rename(temporary.c_str(), final_path.c_str()) != 0) {
    return Status::Io(ErrnoMessage("cannot rename " + temporary.string()));
  }
  if (Status st = SyncDirectory(lineage); !st.ok()) return st;
  auto opened = PosixFile::Open(final_path, O_RDONLY);
  if (!opened.ok()) return opened.status();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->path = final_path;
  snapshot->header = header;
  snapshot->file = std::move(opened).value();

  {
    std::lock_guard lock(mutex_);
    if (meta_.log_id != meta.log_id) {
      // A new lineage replaced this one meanwhile; its directory (and this file) are gone.
      return false;
    }
    snapshot_ = snapshot;
    segments_.erase(segments_.begin(), segments_.begin() + ptrdiff_t(folded.size()));
  }
  // The snapshot is durable and current: the folded files can go (open readers keep their fds).
  std::error_code error;
  for (const auto& segment : folded) std::filesystem::remove(segment->path, error);
  if (previous) std::filesystem::remove(previous->path, error);
  return true;
}

bool FrameLog::WaitForFrame(uint64_t frame_no, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  committed_.wait_for(lock, timeout, [&] { return closed_ || next_frame_no_ > frame_no; });
  return next_frame_no_ > frame_no;
}

uint64_t FrameLog::AddListener(std::function<void(uint64_t)> listener) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_listener_id_++;
  listeners_[id] = std::make_shared<std::function<void(uint64_t)>>(std::move(listener));
  return id;
}

void FrameLog::RemoveListener(uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

void FrameLog::Notify(uint64_t last_frame_no) {
  std::vector<std::shared_ptr<std::function<void(uint64_t)>>> listeners;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  committed_.notify_all();
  for (const auto& listener : listeners) (*listener)(last_frame_no);
}

void FrameLog::Close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  committed_.notify_all();
}

}  // namespace edgelite::wal
