// The file through which the replica crash test hands the primary's transactions to the child
// process that applies them. Per transaction: u32 database_pages, u32 page_count, then page_count
// times (u32 page_no, 4096-byte page), in this machine's byte order (both ends run on it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "unit/wal/primary_recorder.h"

namespace edgelite::wal::testing {

inline Status WriteTransactionStream(const std::filesystem::path& path,
                                     const std::vector<PrimaryTransaction>& transactions) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  auto put = [&](uint32_t value) { out.write(reinterpret_cast<const char*>(&value), 4); };
  for (const PrimaryTransaction& transaction : transactions) {
    put(transaction.database_pages);
    put(uint32_t(transaction.pages.size()));
    for (size_t i = 0; i < transaction.pages.size(); ++i) {
      put(transaction.page_numbers[i]);
      out.write(transaction.pages[i].data(), std::streamsize(transaction.pages[i].size()));
    }
  }
  out.close();
  if (!out) return Status::Io("cannot write the transaction stream " + path.string());
  return Status::Ok();
}

class TransactionStreamReader {
 public:
  explicit TransactionStreamReader(const std::filesystem::path& path)
      : in_(path, std::ios::binary) {}

  // The next transaction; false at the end of the stream.
  bool Next(PrimaryTransaction& transaction) {
    uint32_t count = 0;
    if (!Get(transaction.database_pages) || !Get(count)) return false;
    transaction.page_numbers.resize(count);
    transaction.pages.assign(count, std::string(PrimaryRecorder::kPageSize, '\0'));
    for (uint32_t i = 0; i < count; ++i) {
      if (!Get(transaction.page_numbers[i])) return false;
      in_.read(transaction.pages[i].data(), PrimaryRecorder::kPageSize);
    }
    return bool(in_);
  }

  // Moves past the next transaction without reading its pages; false at the end of the stream.
  bool Skip() {
    uint32_t database_pages = 0;
    uint32_t count = 0;
    if (!Get(database_pages) || !Get(count)) return false;
    in_.seekg(std::streamoff(count) * (4 + PrimaryRecorder::kPageSize), std::ios::cur);
    return bool(in_);
  }

 private:
  bool Get(uint32_t& value) { return bool(in_.read(reinterpret_cast<char*>(&value), 4)); }

  std::ifstream in_;
};

}  // namespace edgelite::wal::testing
