// Encoding and decoding of the frame log's meta file, segment headers and record headers.
#include "wal/log_format.h"

#include <fmt/format.h>
#include <sys/random.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace edgelite::wal {
namespace {

constexpr char kMetaMagic[8] = {'E', 'D', 'G', 'L', 'M', 'E', 'T', 'A'};
constexpr char kSegmentMagic[8] = {'E', 'D', 'G', 'L', 'S', 'E', 'G', '1'};
constexpr uint32_t kRecordMagic = 0x52474c45;  // "ELGR" read as a little-endian u32
constexpr char kSnapshotMagic[8] = {'E', 'D', 'G', 'L', 'S', 'N', 'A', 'P'};

void Put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint16_t Get16(const uint8_t* p) {
  return uint16_t(p[0] | (p[1] << 8));
}
uint32_t Get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

LogId NewLogId() {
  LogId id{};
  size_t filled = 0;
  while (filled < id.size()) {
    ssize_t n = getrandom(id.data() + filled, id.size() - filled, 0);
    if (n > 0) {
      filled += size_t(n);
    } else if (n < 0 && errno != EINTR) {
      // getrandom only fails on kernels older than 3.17; there is no safe fallback.
      std::abort();
    }
  }
  id[6] = uint8_t((id[6] & 0x0f) | 0x40);  // version 4
  id[8] = uint8_t((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

std::string FormatLogId(const LogId& id) {
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out += fmt::format("{:02x}", id[i]);
  }
  return out;
}

std::optional<LogId> ParseLogId(const std::string& text) {
  if (text.size() != 36) return std::nullopt;
  LogId id{};
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int high = nibble(text[i]);
    int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id[byte++] = uint8_t(high * 16 + low);
    i += 2;
  }
  return id;
}

uint32_t Crc32(uint32_t crc, const void* data, size_t size) {
  const auto* bytes = static_cast<const Bytef*>(data);
  // zlib takes a uInt length; feed huge buffers in pieces.
  while (size > 0) {
    uInt chunk = size > (1u << 30) ? (1u << 30) : uInt(size);
    crc = uint32_t(crc32(crc, bytes, chunk));
    bytes += chunk;
    size -= chunk;
  }
  return crc;
}

void EncodeLogMeta(const LogMeta& meta, uint8_t* out) {
  std::memset(out, 0, kLogMetaSize);
  std::memcpy(out, kMetaMagic, 8);
  Put32(out + 8, kLogMetaVersion);
  Put32(out + 12, meta.page_size);
  std::memcpy(out + 16, meta.log_id.data(), 16);
  Put64(out + 32, meta.created_ms);
  Put32(out + 40, Crc32(0, out, 40));
}

std::optional<LogMeta> DecodeLogMeta(const uint8_t* bytes, size_t size) {
  if (size != kLogMetaSize || std::memcmp(bytes, kMetaMagic, 8) != 0) return std::nullopt;
  if (Get32(bytes + 40) != Crc32(0, bytes, 40)) return std::nullopt;
  if (Get32(bytes + 8) != kLogMetaVersion) return std::nullopt;
  LogMeta meta;
  meta.page_size = Get32(bytes + 12);
  if (!IsValidPageSize(meta.page_size)) return std::nullopt;
  std::memcpy(meta.log_id.data(), bytes + 16, 16);
  meta.created_ms = Get64(bytes + 32);
  return meta;
}

void EncodeSegmentHeader(const SegmentHeader& header, uint8_t* out) {
  std::memcpy(out, kSegmentMagic, 8);
  Put32(out + 8, kSegmentVersion);
  Put32(out + 12, header.page_size);
  std::memcpy(out + 16, header.log_id.data(), 16);
  Put64(out + 32, header.first_frame_no);
  Put32(out + 40, Crc32(0, out, 40));
}

std::optional<SegmentHeader> DecodeSegmentHeader(const uint8_t* bytes) {
  if (std::memcmp(bytes, kSegmentMagic, 8) != 0) return std::nullopt;
  if (Get32(bytes + 40) != Crc32(0, bytes, 40)) return std::nullopt;
  if (Get32(bytes + 8) != kSegmentVersion) return std::nullopt;
  SegmentHeader header;
  header.page_size = Get32(bytes + 12);
  std::memcpy(header.log_id.data(), bytes + 16, 16);
  header.first_frame_no = Get64(bytes + 32);
  return header;
}

std::string SegmentFileName(uint64_t first_frame_no) {
  return fmt::format("{:016x}.seg", first_frame_no);
}

namespace {

std::optional<uint64_t> ParseHexFileName(const std::string& name, const std::string& suffix) {
  if (name.size() != 16 + suffix.size() || name.substr(16) != suffix) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < 16; ++i) {
    char c = name[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | uint64_t(digit);
  }
  return value;
}

}  // namespace

std::optional<uint64_t> ParseSegmentFileName(const std::string& name) {
  return ParseHexFileName(name, ".seg");
}

std::string SnapshotFileName(uint64_t end_frame_no) {
  return fmt::format("{:016x}.snap", end_frame_no);
}

std::optional<uint64_t> ParseSnapshotFileName(const std::string& name) {
  return ParseHexFileName(name, ".snap");
}

void EncodeSnapshotHeader(const SnapshotHeader& header, uint8_t* out) {
  std::memset(out, 0, kSnapshotHeaderSize);
  std::memcpy(out, kSnapshotMagic, 8);
  Put32(out + 8, kSnapshotVersion);
  Put32(out + 12, header.page_size);
  std::memcpy(out + 16, header.log_id.data(), 16);
  Put64(out + 32, header.end_frame_no);
  Put32(out + 40, header.page_count);
  Put32(out + 44, header.size_after);
  Put64(out + 48, header.created_ms);
  Put32(out + 60, Crc32(0, out, 60));
}

std::optional<SnapshotHeader> DecodeSnapshotHeader(const uint8_t* bytes) {
  if (std::memcmp(bytes, kSnapshotMagic, 8) != 0) return std::nullopt;
  if (Get32(bytes + 60) != Crc32(0, bytes, 60)) return std::nullopt;
  if (Get32(bytes + 8) != kSnapshotVersion) return std::nullopt;
  SnapshotHeader header;
  header.page_size = Get32(bytes + 12);
  std::memcpy(header.log_id.data(), bytes + 16, 16);
  header.end_frame_no = Get64(bytes + 32);
  header.page_count = Get32(bytes + 40);
  header.size_after = Get32(bytes + 44);
  header.created_ms = Get64(bytes + 48);
  if (!IsValidPageSize(header.page_size)) return std::nullopt;
  return header;
}

void EncodeRecordHeader(const RecordHeader& header, uint8_t* out) {
  std::memset(out, 0, kRecordHeaderSize);
  Put32(out, kRecordMagic);
  Put16(out + 4, uint16_t(kRecordVersion));
  Put16(out + 6, header.flags);
  Put64(out + 8, header.first_frame_no);
  Put32(out + 16, header.frame_count);
  Put32(out + 20, header.page_size);
  Put32(out + 24, header.commit_pages);
  std::memcpy(out + 28, header.wal.salt.data(), 8);
  Put32(out + 36, header.wal.frame);
  Put32(out + 40, header.wal.checksum.s0);
  Put32(out + 44, header.wal.checksum.s1);
  Put64(out + 48, header.timestamp_ms);
  Put32(out + 60, Crc32(0, out, 60));
}

std::optional<RecordHeader> DecodeRecordHeader(const uint8_t* bytes) {
  if (Get32(bytes) != kRecordMagic) return std::nullopt;
  if (Get32(bytes + 60) != Crc32(0, bytes, 60)) return std::nullopt;
  if (Get16(bytes + 4) != kRecordVersion) return std::nullopt;
  RecordHeader header;
  header.flags = Get16(bytes + 6);
  header.first_frame_no = Get64(bytes + 8);
  header.frame_count = Get32(bytes + 16);
  header.page_size = Get32(bytes + 20);
  header.commit_pages = Get32(bytes + 24);
  std::memcpy(header.wal.salt.data(), bytes + 28, 8);
  header.wal.frame = Get32(bytes + 36);
  header.wal.checksum = {Get32(bytes + 40), Get32(bytes + 44)};
  header.timestamp_ms = Get64(bytes + 48);
  if (header.frame_count == 0 || header.commit_pages == 0 || !IsValidPageSize(header.page_size)) {
    return std::nullopt;
  }
  return header;
}

}  // namespace edgelite::wal
