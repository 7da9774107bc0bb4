// Encoding and decoding of the 4120-byte replication wire frame.
#include "protocol/wire_frame.h"

#include <fmt/format.h>

namespace edgelite::replication {
namespace {

template <typename T>
void PutLittleEndian(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out += char(uint8_t(value >> (8 * i)));
}

template <typename T>
T GetLittleEndian(std::string_view bytes) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= T(uint8_t(bytes[i])) << (8 * i);
  return value;
}

}  // namespace

Result<std::string> EncodeWireFrame(const LogFrame& frame) {
  if (frame.page.size() != kPageSize) {
    return Status::Internal(fmt::format("frame {} holds a page of {} bytes instead of {}",
                                        frame.frame_no, frame.page.size(), kPageSize));
  }
  std::string data;
  data.reserve(kWireFrameSize);
  PutLittleEndian(data, frame.frame_no);
  PutLittleEndian(data, frame.checksum);
  PutLittleEndian(data, frame.page_no);
  PutLittleEndian(data, frame.size_after);
  data += frame.page;
  return data;
}

Result<LogFrame> DecodeWireFrame(std::string_view data) {
  if (data.size() != kWireFrameSize) {
    return Status::InvalidArgument(
        fmt::format("a replication frame must be {} bytes, got {}", kWireFrameSize, data.size()));
  }
  LogFrame frame;
  frame.frame_no = GetLittleEndian<uint64_t>(data.substr(0));
  frame.checksum = GetLittleEndian<uint64_t>(data.substr(8));
  frame.page_no = GetLittleEndian<uint32_t>(data.substr(16));
  frame.size_after = GetLittleEndian<uint32_t>(data.substr(20));
  frame.page = std::string(data.substr(kWireFrameHeaderSize));
  return frame;
}

}  // namespace edgelite::replication
