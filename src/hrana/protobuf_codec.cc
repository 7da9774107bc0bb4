// The protobuf codec for Hrana 3 (HTTP pipeline and cursor bodies, WebSocket frames).
//
// Decoding lets the protobuf runtime parse into the classes generated from proto/hrana*.proto, on
// an arena that a request frees in one step, then walks them into the model, recording the path of
// the field being read so that the first error names it exactly, as the JSON codec does. Strings
// are moved out of the parsed message rather than copied, so an argument is copied once, from the
// body.
//
// Encoding does not build generated messages: that would copy every row value into them before
// serializing. Instead each message (a response, or a request in the SDK's remote mode) is walked
// twice with the same template code, first by a SizePass that records the length of every nested
// message in pre-order, then by a WritePass that writes the bytes into a string of the exact final
// size, taking the lengths in the same order. The field numbers come from the generated classes,
// so the schema is written down only once, and the tests parse the output with the generated
// classes.
#include "hrana/protobuf_codec.h"

#include "common/utf8.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "hrana.pb.h"
#include "hrana_http.pb.h"
#include "hrana_ws.pb.h"

namespace edgelite::hrana::protobuf {
namespace {

// The generated code lives in the global `hrana` namespace, which this namespace would shadow.
namespace pb = ::hrana;
namespace pb_http = ::hrana::http;
namespace pb_ws = ::hrana::ws;

// The protobuf runtime's default nesting limit is 100 message levels. A batch condition costs one
// level per `not` and two per `and`/`or` and sits six levels deep, so the limit is raised until the
// codec's own condition limit below (the JSON codec's) is what a client hits, with its clearer
// message. Parsing is recursive, and this still bounds its stack to a few tens of kilobytes.
constexpr int kMaxMessageDepth = 256;
// Batch conditions are evaluated recursively, so their depth is bounded explicitly, as in JSON.
constexpr int kMaxConditionDepth = 100;
// The arena's first block lives on the stack: most requests fit in it and allocate nothing else.
constexpr std::size_t kArenaInitialBlockSize = 4096;

// --- UTF-8 ---
//
// Repair follows the JSON writer exactly (each maximal ill-formed subsequence, as Unicode §3.9
// defines it, becomes one U+FFFD), so that a text reads the same in both encodings.

// Length of the ASCII run at the start of p[0, size), eight bytes at a time: text is mostly ASCII.
std::size_t AsciiPrefix(const unsigned char* p, std::size_t size) {
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < size && p[i] < 0x80) ++i;
  return i;
}

struct Utf8Scan {
  std::size_t repaired_size = 0;  // the size after repair; equal to the input's when valid
  bool valid = true;
  std::size_t first_invalid = 0;  // offset of the first ill-formed byte, when not valid
};

Utf8Scan ScanUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  Utf8Scan scan;
  std::size_t i = 0;
  while (true) {
    const std::size_t ascii = AsciiPrefix(p + i, size - i);
    i += ascii;
    scan.repaired_size += ascii;
    if (i == size) return scan;
    bool well_formed = false;
    const std::size_t length = utf8::ExamineSequence(p + i, size - i, well_formed);
    if (well_formed) {
      scan.repaired_size += length;
    } else {
      if (scan.valid) scan.first_invalid = i;
      scan.valid = false;
      scan.repaired_size += utf8::kReplacementCharacter.size();
    }
    i += length;
  }
}

// Writes `text` with each ill-formed subsequence replaced; returns the end of what was written.
char* WriteRepairedUtf8(char* out, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  std::size_t run_start = 0;  // valid bytes are copied in runs
  while (true) {
    i += AsciiPrefix(p + i, size - i);
    if (i == size) break;
    bool well_formed = false;
    const std::size_t length = utf8::ExamineSequence(p + i, size - i, well_formed);
    if (!well_formed) {
      std::memcpy(out, text.data() + run_start, i - run_start);
      out += i - run_start;
      std::memcpy(out, utf8::kReplacementCharacter.data(), utf8::kReplacementCharacter.size());
      out += utf8::kReplacementCharacter.size();
      run_start = i + length;
    }
    i += length;
  }
  std::memcpy(out, text.data() + run_start, size - run_start);
  return out + (size - run_start);
}

// --- Encoding ---

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

std::size_t VarintSize(uint64_t value) {
  // 7 bits per byte; bit_width(0) is 0 but 0 still takes one byte.
  return std::max<std::size_t>(1, (std::bit_width(value) + 6) / 7);
}

std::size_t TagSize(uint32_t field) {
  return VarintSize(uint64_t(field) << 3);
}

uint64_t ZigZag(int64_t value) {
  return (uint64_t(value) << 1) ^ uint64_t(value >> 63);
}

// int32 fields are sign-extended to 64 bits on the wire, so a negative one takes ten bytes.
uint64_t Int32Bits(int32_t value) {
  return uint64_t(int64_t(value));
}

// The size of a hrana.Value message's body: exactly one field of its oneof.
std::size_t ValueBodySize(const Value& value) {
  constexpr uint32_t kField[] = {pb::Value::kNullFieldNumber, pb::Value::kIntegerFieldNumber,
                                 pb::Value::kFloatFieldNumber, pb::Value::kTextFieldNumber,
                                 pb::Value::kBlobFieldNumber};
  const std::size_t tag = TagSize(kField[value.index()]);
  if (std::holds_alternative<Null>(value)) return tag + 1;  // an empty message: length 0
  if (const int64_t* integer = std::get_if<int64_t>(&value)) {
    return tag + VarintSize(ZigZag(*integer));
  }
  if (std::holds_alternative<double>(value)) return tag + 8;
  if (const std::string* text = std::get_if<std::string>(&value)) {
    const std::size_t size = ScanUtf8(*text).repaired_size;
    return tag + VarintSize(size) + size;
  }
  const std::size_t size = std::get<Blob>(value).bytes.size();
  return tag + VarintSize(size) + size;
}

// The first pass: adds up the encoded size, and records the body length of every nested message in
// the order the second pass will need them. Encoders call the same methods on both passes; they
// write a field or not, the passes never skip one (so implicit-presence defaults are the encoders'
// decision).
class SizePass {
 public:
  explicit SizePass(std::vector<std::size_t>& message_sizes) : message_sizes_(message_sizes) {}

  std::size_t total() const { return total_; }

  void Uint(uint32_t field, uint64_t value) { total_ += TagSize(field) + VarintSize(value); }
  void Sint(uint32_t field, int64_t value) { Uint(field, ZigZag(value)); }
  void Int32(uint32_t field, int32_t value) { Uint(field, Int32Bits(value)); }
  void Bool(uint32_t field, bool) { total_ += TagSize(field) + 1; }
  void Double(uint32_t field, double) { total_ += TagSize(field) + 8; }
  void Text(uint32_t field, std::string_view text) {
    const std::size_t size = ScanUtf8(text).repaired_size;
    total_ += TagSize(field) + VarintSize(size) + size;
  }
  void Bytes(uint32_t field, std::string_view bytes) {
    total_ += TagSize(field) + VarintSize(bytes.size()) + bytes.size();
  }
  void EmptyMessage(uint32_t field) { total_ += TagSize(field) + 1; }
  // A hrana.Value, whose length the write pass recomputes cheaply instead of recording it: values
  // are most of a response's messages.
  void ValueMessage(uint32_t field, const Value& value) {
    const std::size_t size = ValueBodySize(value);
    total_ += TagSize(field) + VarintSize(size) + size;
  }
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    const std::size_t slot = message_sizes_.size();
    message_sizes_.push_back(0);
    const std::size_t start = total_;
    body();
    const std::size_t size = total_ - start;
    message_sizes_[slot] = size;
    total_ += TagSize(field) + VarintSize(size);
  }

 private:
  std::vector<std::size_t>& message_sizes_;
  std::size_t total_ = 0;
};

// The second pass: writes into a buffer that the first pass sized exactly.
class WritePass {
 public:
  WritePass(char* out, const std::size_t* message_sizes)
      : out_(out), next_message_size_(message_sizes) {}

  char* position() const { return out_; }

  void RawVarint(uint64_t value) {
    while (value >= 0x80) {
      *out_++ = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    *out_++ = static_cast<char>(value);
  }

  void Uint(uint32_t field, uint64_t value) {
    Tag(field, kVarint);
    RawVarint(value);
  }
  void Sint(uint32_t field, int64_t value) { Uint(field, ZigZag(value)); }
  void Int32(uint32_t field, int32_t value) { Uint(field, Int32Bits(value)); }
  void Bool(uint32_t field, bool value) { Uint(field, value ? 1 : 0); }
  void Double(uint32_t field, double value) {
    static_assert(std::endian::native == std::endian::little, "fixed64 is little-endian");
    Tag(field, kFixed64);
    std::memcpy(out_, &value, 8);
    out_ += 8;
  }
  void Text(uint32_t field, std::string_view text) {
    const Utf8Scan scan = ScanUtf8(text);
    Tag(field, kLengthDelimited);
    RawVarint(scan.repaired_size);
    if (scan.valid) {
      Raw(text);
    } else {
      out_ = WriteRepairedUtf8(out_, text);
    }
  }
  void Bytes(uint32_t field, std::string_view bytes) {
    Tag(field, kLengthDelimited);
    RawVarint(bytes.size());
    Raw(bytes);
  }
  void EmptyMessage(uint32_t field) {
    Tag(field, kLengthDelimited);
    RawVarint(0);
  }
  void ValueMessage(uint32_t field, const Value& value) {
    Tag(field, kLengthDelimited);
    if (std::holds_alternative<Null>(value)) {
      RawVarint(2);
      EmptyMessage(pb::Value::kNullFieldNumber);
    } else if (const int64_t* integer = std::get_if<int64_t>(&value)) {
      const uint64_t zigzag = ZigZag(*integer);
      RawVarint(TagSize(pb::Value::kIntegerFieldNumber) + VarintSize(zigzag));
      Uint(pb::Value::kIntegerFieldNumber, zigzag);
    } else if (const double* real = std::get_if<double>(&value)) {
      RawVarint(TagSize(pb::Value::kFloatFieldNumber) + 8);
      Double(pb::Value::kFloatFieldNumber, *real);
    } else if (const std::string* text = std::get_if<std::string>(&value)) {
      const Utf8Scan scan = ScanUtf8(*text);
      RawVarint(TagSize(pb::Value::kTextFieldNumber) + VarintSize(scan.repaired_size) +
                scan.repaired_size);
      Tag(pb::Value::kTextFieldNumber, kLengthDelimited);
      RawVarint(scan.repaired_size);
      if (scan.valid) {
        Raw(*text);
      } else {
        out_ = WriteRepairedUtf8(out_, *text);
      }
    } else {
      const std::string& bytes = std::get<Blob>(value).bytes;
      RawVarint(TagSize(pb::Value::kBlobFieldNumber) + VarintSize(bytes.size()) + bytes.size());
      Bytes(pb::Value::kBlobFieldNumber, bytes);
    }
  }
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    Tag(field, kLengthDelimited);
    RawVarint(*next_message_size_++);
    body();
  }

 private:
  void Tag(uint32_t field, WireType type) { RawVarint((uint64_t(field) << 3) | type); }
  void Raw(std::string_view bytes) {
    std::memcpy(out_, bytes.data(), bytes.size());
    out_ += bytes.size();
  }

  char* out_;
  const std::size_t* next_message_size_;
};

// Runs `fields` (a callable taking either pass) twice and returns the message, optionally preceded
// by its varint length as in the cursor stream.
template <typename Fields>
std::string Encode(Fields&& fields, bool length_delimited) {
  std::vector<std::size_t> message_sizes;
  message_sizes.reserve(32);
  SizePass size_pass(message_sizes);
  fields(size_pass);
  const std::size_t body_size = size_pass.total();

  std::string out(body_size + (length_delimited ? VarintSize(body_size) : 0), '\0');
  WritePass write_pass(out.data(), message_sizes.data());
  if (length_delimited) write_pass.RawVarint(body_size);
  fields(write_pass);
  assert(write_pass.position() == out.data() + out.size());
  return out;
}

// Each Put* writes the fields of one message. Proto3 fields without explicit presence are left out
// when they hold their default (0, false, ""), as every protobuf encoder does; `optional` fields
// and oneof members are written whenever they are set.

template <typename Pass>
void PutError(Pass& pass, const Error& error) {
  if (!error.message.empty()) pass.Text(pb::Error::kMessageFieldNumber, error.message);
  // `optional` in the spec; sqld declares it plain and so never sends an empty code either.
  if (!error.code.empty()) pass.Text(pb::Error::kCodeFieldNumber, error.code);
}

template <typename Pass>
void PutCol(Pass& pass, const Column& column) {
  if (column.name) pass.Text(pb::Col::kNameFieldNumber, *column.name);
  if (column.decltype_name) pass.Text(pb::Col::kDecltypeFieldNumber, *column.decltype_name);
}

template <typename Pass>
void PutCols(Pass& pass, uint32_t field, const std::vector<Column>& columns) {
  for (const Column& column : columns) pass.Message(field, [&] { PutCol(pass, column); });
}

template <typename Pass>
void PutRow(Pass& pass, const std::vector<Value>& row) {
  for (const Value& value : row) pass.ValueMessage(pb::Row::kValuesFieldNumber, value);
}

template <typename Pass>
void PutStmtResult(Pass& pass, const StmtResult& result) {
  using F = pb::StmtResult;
  PutCols(pass, F::kColsFieldNumber, result.cols);
  for (const std::vector<Value>& row : result.rows) {
    pass.Message(F::kRowsFieldNumber, [&] { PutRow(pass, row); });
  }
  if (result.affected_row_count != 0) {
    pass.Uint(F::kAffectedRowCountFieldNumber, result.affected_row_count);
  }
  if (result.last_insert_rowid)
    pass.Sint(F::kLastInsertRowidFieldNumber, *result.last_insert_rowid);
  if (result.replication_index)
    pass.Uint(F::kReplicationIndexFieldNumber, *result.replication_index);
  if (result.rows_read != 0) pass.Uint(F::kRowsReadFieldNumber, result.rows_read);
  if (result.rows_written != 0) pass.Uint(F::kRowsWrittenFieldNumber, result.rows_written);
  // Bit pattern, not value: -0.0 is not the default and is kept, as the C++ runtime does.
  if (std::bit_cast<uint64_t>(result.query_duration_ms) != 0) {
    pass.Double(F::kQueryDurationMsFieldNumber, result.query_duration_ms);
  }
}

// `step_results` and `step_errors` are maps keyed by step index, with entries only for the steps
// that have one. A map entry is a message {1: key, 2: value}; both are always written, as the C++
// runtime and prost do. BatchResult's replication_index has no protobuf field (sqld sends none).
template <typename Pass>
void PutBatchResult(Pass& pass, const BatchResult& result) {
  constexpr uint32_t kKey = 1;
  constexpr uint32_t kValue = 2;
  for (std::size_t step = 0; step < result.step_results.size(); ++step) {
    const std::optional<StmtResult>& step_result = result.step_results[step];
    if (!step_result) continue;
    pass.Message(pb::BatchResult::kStepResultsFieldNumber, [&] {
      pass.Uint(kKey, step);
      pass.Message(kValue, [&] { PutStmtResult(pass, *step_result); });
    });
  }
  for (std::size_t step = 0; step < result.step_errors.size(); ++step) {
    const std::optional<Error>& step_error = result.step_errors[step];
    if (!step_error) continue;
    pass.Message(pb::BatchResult::kStepErrorsFieldNumber, [&] {
      pass.Uint(kKey, step);
      pass.Message(kValue, [&] { PutError(pass, *step_error); });
    });
  }
}

template <typename Pass>
void PutDescribeResult(Pass& pass, const DescribeResult& result) {
  for (const DescribeParam& param : result.params) {
    pass.Message(pb::DescribeResult::kParamsFieldNumber, [&] {
      if (param.name) pass.Text(pb::DescribeParam::kNameFieldNumber, *param.name);
    });
  }
  for (const DescribeColumn& column : result.cols) {
    pass.Message(pb::DescribeResult::kColsFieldNumber, [&] {
      if (!column.name.empty()) pass.Text(pb::DescribeCol::kNameFieldNumber, column.name);
      if (column.decltype_name) {
        pass.Text(pb::DescribeCol::kDecltypeFieldNumber, *column.decltype_name);
      }
    });
  }
  if (result.is_explain) pass.Bool(pb::DescribeResult::kIsExplainFieldNumber, true);
  if (result.is_readonly) pass.Bool(pb::DescribeResult::kIsReadonlyFieldNumber, true);
}

// Whether an entry has a protobuf form. The replication_index entry is a libSQL extension (tag 6)
// that sqld sends last; @libsql/hrana-client 0.10 fails on protobuf cursor entries it does not
// know, over HTTP and WebSocket alike (docs/protocol.md §18), so edgelite leaves it out of protobuf
// cursors. JSON cursors keep it: JSON clients skip unknown entry types.
bool HasProtobufForm(const CursorEntry& entry) {
  return !std::holds_alternative<ReplicationIndexEntry>(entry);
}

// The one field of a hrana.CursorEntry (its oneof); only for entries with HasProtobufForm.
template <typename Pass>
void PutCursorEntry(Pass& pass, const CursorEntry& entry) {
  using F = pb::CursorEntry;
  if (const auto* begin = std::get_if<StepBeginEntry>(&entry)) {
    pass.Message(F::kStepBeginFieldNumber, [&] {
      if (begin->step != 0) pass.Uint(pb::StepBeginEntry::kStepFieldNumber, begin->step);
      PutCols(pass, pb::StepBeginEntry::kColsFieldNumber, begin->cols);
    });
  } else if (const auto* end = std::get_if<StepEndEntry>(&entry)) {
    pass.Message(F::kStepEndFieldNumber, [&] {
      if (end->affected_row_count != 0) {
        pass.Uint(pb::StepEndEntry::kAffectedRowCountFieldNumber, end->affected_row_count);
      }
      if (end->last_insert_rowid) {
        pass.Sint(pb::StepEndEntry::kLastInsertRowidFieldNumber, *end->last_insert_rowid);
      }
    });
  } else if (const auto* row = std::get_if<RowEntry>(&entry)) {
    pass.Message(F::kRowFieldNumber, [&] { PutRow(pass, row->row); });
  } else if (const auto* step_error = std::get_if<StepErrorEntry>(&entry)) {
    pass.Message(F::kStepErrorFieldNumber, [&] {
      if (step_error->step != 0) pass.Uint(pb::StepErrorEntry::kStepFieldNumber, step_error->step);
      pass.Message(pb::StepErrorEntry::kErrorFieldNumber,
                   [&] { PutError(pass, step_error->error); });
    });
  } else if (const auto* error = std::get_if<ErrorEntry>(&entry)) {
    pass.Message(F::kErrorFieldNumber, [&] { PutError(pass, error->error); });
  }
}

template <typename Pass>
void PutStreamResponse(Pass& pass, const StreamResponse& response) {
  using F = pb_http::StreamResponse;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, CloseResponse>) {
          pass.EmptyMessage(F::kCloseFieldNumber);
        } else if constexpr (std::is_same_v<T, ExecuteResponse>) {
          pass.Message(F::kExecuteFieldNumber, [&] {
            pass.Message(pb_http::ExecuteStreamResp::kResultFieldNumber,
                         [&] { PutStmtResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, BatchResponse>) {
          pass.Message(F::kBatchFieldNumber, [&] {
            pass.Message(pb_http::BatchStreamResp::kResultFieldNumber,
                         [&] { PutBatchResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, SequenceResponse>) {
          pass.EmptyMessage(F::kSequenceFieldNumber);
        } else if constexpr (std::is_same_v<T, DescribeResponse>) {
          pass.Message(F::kDescribeFieldNumber, [&] {
            pass.Message(pb_http::DescribeStreamResp::kResultFieldNumber,
                         [&] { PutDescribeResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, StoreSqlResponse>) {
          pass.EmptyMessage(F::kStoreSqlFieldNumber);
        } else if constexpr (std::is_same_v<T, CloseSqlResponse>) {
          pass.EmptyMessage(F::kCloseSqlFieldNumber);
        } else {
          static_assert(std::is_same_v<T, GetAutocommitResponse>);
          pass.Message(F::kGetAutocommitFieldNumber, [&] {
            if (r.is_autocommit) {
              pass.Bool(pb_http::GetAutocommitStreamResp::kIsAutocommitFieldNumber, true);
            }
          });
        }
      },
      response);
}

template <typename Pass>
void PutPipelineResponse(Pass& pass, const PipelineResponse& response) {
  using F = pb_http::PipelineRespBody;
  if (response.baton) pass.Text(F::kBatonFieldNumber, *response.baton);
  if (response.base_url) pass.Text(F::kBaseUrlFieldNumber, *response.base_url);
  for (const StreamResult& result : response.results) {
    pass.Message(F::kResultsFieldNumber, [&] {
      if (const auto* ok = std::get_if<StreamResponse>(&result)) {
        pass.Message(pb_http::StreamResult::kOkFieldNumber, [&] { PutStreamResponse(pass, *ok); });
      } else {
        pass.Message(pb_http::StreamResult::kErrorFieldNumber,
                     [&] { PutError(pass, std::get<Error>(result)); });
      }
    });
  }
}

template <typename Pass>
void PutWsResponse(Pass& pass, const ws::Response& response) {
  using F = pb_ws::ResponseOkMsg;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ws::OpenStreamResponse>) {
          pass.EmptyMessage(F::kOpenStreamFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::CloseStreamResponse>) {
          pass.EmptyMessage(F::kCloseStreamFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::ExecuteResponse>) {
          pass.Message(F::kExecuteFieldNumber, [&] {
            pass.Message(pb_ws::ExecuteResp::kResultFieldNumber,
                         [&] { PutStmtResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, ws::BatchResponse>) {
          pass.Message(F::kBatchFieldNumber, [&] {
            pass.Message(pb_ws::BatchResp::kResultFieldNumber,
                         [&] { PutBatchResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, ws::OpenCursorResponse>) {
          pass.EmptyMessage(F::kOpenCursorFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::CloseCursorResponse>) {
          pass.EmptyMessage(F::kCloseCursorFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::FetchCursorResponse>) {
          pass.Message(F::kFetchCursorFieldNumber, [&] {
            for (const CursorEntry& entry : r.entries) {
              if (!HasProtobufForm(entry)) continue;
              pass.Message(pb_ws::FetchCursorResp::kEntriesFieldNumber,
                           [&] { PutCursorEntry(pass, entry); });
            }
            if (r.done) pass.Bool(pb_ws::FetchCursorResp::kDoneFieldNumber, true);
          });
        } else if constexpr (std::is_same_v<T, ws::SequenceResponse>) {
          pass.EmptyMessage(F::kSequenceFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::DescribeResponse>) {
          pass.Message(F::kDescribeFieldNumber, [&] {
            pass.Message(pb_ws::DescribeResp::kResultFieldNumber,
                         [&] { PutDescribeResult(pass, r.result); });
          });
        } else if constexpr (std::is_same_v<T, ws::StoreSqlResponse>) {
          pass.EmptyMessage(F::kStoreSqlFieldNumber);
        } else if constexpr (std::is_same_v<T, ws::CloseSqlResponse>) {
          pass.EmptyMessage(F::kCloseSqlFieldNumber);
        } else {
          static_assert(std::is_same_v<T, ws::GetAutocommitResponse>);
          pass.Message(F::kGetAutocommitFieldNumber, [&] {
            if (r.is_autocommit) {
              pass.Bool(pb_ws::GetAutocommitResp::kIsAutocommitFieldNumber, true);
            }
          });
        }
      },
      response);
}

template <typename Pass>
void PutServerMsg(Pass& pass, const ws::ServerMsg& message) {
  using F = pb_ws::ServerMsg;
  if (std::holds_alternative<ws::HelloOkMsg>(message)) {
    pass.EmptyMessage(F::kHelloOkFieldNumber);
  } else if (const auto* hello_error = std::get_if<ws::HelloErrorMsg>(&message)) {
    pass.Message(F::kHelloErrorFieldNumber, [&] {
      pass.Message(pb_ws::HelloErrorMsg::kErrorFieldNumber,
                   [&] { PutError(pass, hello_error->error); });
    });
  } else if (const auto* ok = std::get_if<ws::ResponseOkMsg>(&message)) {
    pass.Message(F::kResponseOkFieldNumber, [&] {
      if (ok->request_id != 0) {
        pass.Int32(pb_ws::ResponseOkMsg::kRequestIdFieldNumber, ok->request_id);
      }
      PutWsResponse(pass, ok->response);
    });
  } else {
    const auto& error = std::get<ws::ResponseErrorMsg>(message);
    pass.Message(F::kResponseErrorFieldNumber, [&] {
      if (error.request_id != 0) {
        pass.Int32(pb_ws::ResponseErrorMsg::kRequestIdFieldNumber, error.request_id);
      }
      pass.Message(pb_ws::ResponseErrorMsg::kErrorFieldNumber,
                   [&] { PutError(pass, error.error); });
    });
  }
}

// --- Encoding requests (the client direction) ---
//
// Text goes out as the caller gave it (Bytes, not Text): see EncodePipelineRequest in the header.

// A hrana.Value message. Its oneof member is written even when it holds the default (0, ""), since
// the member's presence is the value's type.
template <typename Pass>
void PutRequestValue(Pass& pass, uint32_t field, const Value& value) {
  using F = pb::Value;
  pass.Message(field, [&] {
    if (std::holds_alternative<Null>(value)) {
      pass.EmptyMessage(F::kNullFieldNumber);
    } else if (const int64_t* integer = std::get_if<int64_t>(&value)) {
      pass.Sint(F::kIntegerFieldNumber, *integer);
    } else if (const double* real = std::get_if<double>(&value)) {
      pass.Double(F::kFloatFieldNumber, *real);
    } else if (const std::string* text = std::get_if<std::string>(&value)) {
      pass.Bytes(F::kTextFieldNumber, *text);
    } else {
      pass.Bytes(F::kBlobFieldNumber, std::get<Blob>(value).bytes);
    }
  });
}

template <typename Pass>
void PutStmt(Pass& pass, const Stmt& stmt) {
  using F = pb::Stmt;
  if (stmt.sql) pass.Bytes(F::kSqlFieldNumber, *stmt.sql);
  if (stmt.sql_id) pass.Int32(F::kSqlIdFieldNumber, *stmt.sql_id);
  for (const Value& arg : stmt.args) PutRequestValue(pass, F::kArgsFieldNumber, arg);
  for (const NamedArg& arg : stmt.named_args) {
    pass.Message(F::kNamedArgsFieldNumber, [&] {
      if (!arg.name.empty()) pass.Bytes(pb::NamedArg::kNameFieldNumber, arg.name);
      PutRequestValue(pass, pb::NamedArg::kValueFieldNumber, arg.value);
    });
  }
  // An absent want_rows means true, so only false needs sending.
  if (!stmt.want_rows) pass.Bool(F::kWantRowsFieldNumber, false);
  if (stmt.replication_index) {
    pass.Uint(F::kReplicationIndexFieldNumber, *stmt.replication_index);
  }
}

// Step numbers are oneof members, so step 0 is written too.
template <typename Pass>
void PutBatchCond(Pass& pass, const BatchCond& condition) {
  using F = pb::BatchCond;
  auto put_list = [&](uint32_t field) {
    pass.Message(field, [&] {
      for (const BatchCond& member : condition.conds) {
        pass.Message(F::CondList::kCondsFieldNumber, [&] { PutBatchCond(pass, member); });
      }
    });
  };
  switch (condition.kind) {
    case BatchCond::Kind::kOk:
      pass.Uint(F::kStepOkFieldNumber, condition.step);
      break;
    case BatchCond::Kind::kError:
      pass.Uint(F::kStepErrorFieldNumber, condition.step);
      break;
    case BatchCond::Kind::kNot:
      // A `not` without its operand goes out empty, for the server to reject with its message.
      pass.Message(F::kNotFieldNumber, [&] {
        if (!condition.conds.empty()) PutBatchCond(pass, condition.conds.front());
      });
      break;
    case BatchCond::Kind::kAnd:
      put_list(F::kAndFieldNumber);
      break;
    case BatchCond::Kind::kOr:
      put_list(F::kOrFieldNumber);
      break;
    case BatchCond::Kind::kIsAutocommit:
      pass.EmptyMessage(F::kIsAutocommitFieldNumber);
      break;
  }
}

template <typename Pass>
void PutBatch(Pass& pass, const Batch& batch) {
  for (const BatchStep& step : batch.steps) {
    pass.Message(pb::Batch::kStepsFieldNumber, [&] {
      if (step.condition) {
        pass.Message(pb::BatchStep::kConditionFieldNumber,
                     [&] { PutBatchCond(pass, *step.condition); });
      }
      pass.Message(pb::BatchStep::kStmtFieldNumber, [&] { PutStmt(pass, step.stmt); });
    });
  }
  if (batch.replication_index) {
    pass.Uint(pb::Batch::kReplicationIndexFieldNumber, *batch.replication_index);
  }
}

// The fields `sequence` and `describe` share; `Fields` is the generated message naming them.
template <typename Fields, typename Pass, typename Request>
void PutSqlRequest(Pass& pass, const Request& request) {
  if (request.sql) pass.Bytes(Fields::kSqlFieldNumber, *request.sql);
  if (request.sql_id) pass.Int32(Fields::kSqlIdFieldNumber, *request.sql_id);
  if (request.replication_index) {
    pass.Uint(Fields::kReplicationIndexFieldNumber, *request.replication_index);
  }
}

template <typename Pass>
void PutStreamRequest(Pass& pass, const StreamRequest& request) {
  using F = pb_http::StreamRequest;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, CloseRequest>) {
          pass.EmptyMessage(F::kCloseFieldNumber);
        } else if constexpr (std::is_same_v<T, ExecuteRequest>) {
          pass.Message(F::kExecuteFieldNumber, [&] {
            pass.Message(pb_http::ExecuteStreamReq::kStmtFieldNumber,
                         [&] { PutStmt(pass, r.stmt); });
          });
        } else if constexpr (std::is_same_v<T, BatchRequest>) {
          pass.Message(F::kBatchFieldNumber, [&] {
            pass.Message(pb_http::BatchStreamReq::kBatchFieldNumber,
                         [&] { PutBatch(pass, r.batch); });
          });
        } else if constexpr (std::is_same_v<T, SequenceRequest>) {
          pass.Message(F::kSequenceFieldNumber,
                       [&] { PutSqlRequest<pb_http::SequenceStreamReq>(pass, r); });
        } else if constexpr (std::is_same_v<T, DescribeRequest>) {
          pass.Message(F::kDescribeFieldNumber,
                       [&] { PutSqlRequest<pb_http::DescribeStreamReq>(pass, r); });
        } else if constexpr (std::is_same_v<T, StoreSqlRequest>) {
          pass.Message(F::kStoreSqlFieldNumber, [&] {
            if (r.sql_id != 0) pass.Int32(pb_http::StoreSqlStreamReq::kSqlIdFieldNumber, r.sql_id);
            if (!r.sql.empty()) pass.Bytes(pb_http::StoreSqlStreamReq::kSqlFieldNumber, r.sql);
          });
        } else if constexpr (std::is_same_v<T, CloseSqlRequest>) {
          pass.Message(F::kCloseSqlFieldNumber, [&] {
            if (r.sql_id != 0) pass.Int32(pb_http::CloseSqlStreamReq::kSqlIdFieldNumber, r.sql_id);
          });
        } else {
          static_assert(std::is_same_v<T, GetAutocommitRequest>);
          pass.EmptyMessage(F::kGetAutocommitFieldNumber);
        }
      },
      request);
}

template <typename Pass>
void PutPipelineRequest(Pass& pass, const PipelineRequest& request) {
  using F = pb_http::PipelineReqBody;
  if (request.baton) pass.Bytes(F::kBatonFieldNumber, *request.baton);
  for (const StreamRequest& stream_request : request.requests) {
    pass.Message(F::kRequestsFieldNumber, [&] { PutStreamRequest(pass, stream_request); });
  }
}

// The oneof tag of a request's type, which is also the tag of its response's (the schemas share
// them).
uint32_t TagOf(const StreamRequest& request) {
  using F = pb_http::StreamRequest;
  return std::visit(
      [](const auto& r) -> uint32_t {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, CloseRequest>) {
          return F::kCloseFieldNumber;
        } else if constexpr (std::is_same_v<T, ExecuteRequest>) {
          return F::kExecuteFieldNumber;
        } else if constexpr (std::is_same_v<T, BatchRequest>) {
          return F::kBatchFieldNumber;
        } else if constexpr (std::is_same_v<T, SequenceRequest>) {
          return F::kSequenceFieldNumber;
        } else if constexpr (std::is_same_v<T, DescribeRequest>) {
          return F::kDescribeFieldNumber;
        } else if constexpr (std::is_same_v<T, StoreSqlRequest>) {
          return F::kStoreSqlFieldNumber;
        } else if constexpr (std::is_same_v<T, CloseSqlRequest>) {
          return F::kCloseSqlFieldNumber;
        } else {
          static_assert(std::is_same_v<T, GetAutocommitRequest>);
          return F::kGetAutocommitFieldNumber;
        }
      },
      request);
}

// --- Decoding ---

// Walks a parsed message into the model. Every Read* returns false after recording the first error,
// whose message carries the path of the field being read. Strings are moved out of the message,
// which is thrown away afterwards.
class Walker {
 public:
  explicit Walker(std::string_view subject) : subject_(subject) { path_.reserve(16); }

  Status Error() const { return Status::InvalidArgument(error_); }

  bool ReadPipelineRequest(pb_http::PipelineReqBody& in, PipelineRequest& out) {
    if (in.has_baton() && !ReadText("baton", *in.mutable_baton(), out.baton.emplace())) {
      return false;
    }
    out.requests.resize(in.requests_size());
    for (int i = 0; i < in.requests_size(); ++i) {
      PathScope scope(*this, "requests", i);
      if (!ReadStreamRequest(*in.mutable_requests(i), out.requests[i])) return false;
    }
    return true;
  }

  bool ReadCursorRequest(pb_http::CursorReqBody& in, CursorRequest& out) {
    if (in.has_baton() && !ReadText("baton", *in.mutable_baton(), out.baton.emplace())) {
      return false;
    }
    if (!in.has_batch()) return FailMissing("batch");
    PathScope scope(*this, "batch");
    return ReadBatch(*in.mutable_batch(), out.batch);
  }

  bool ReadClientMsg(pb_ws::ClientMsg& in, ws::ClientMsg& out) {
    switch (in.msg_case()) {
      case pb_ws::ClientMsg::kHello: {
        PathScope scope(*this, "hello");
        auto& hello = out.emplace<ws::HelloMsg>();
        pb_ws::HelloMsg& message = *in.mutable_hello();
        return !message.has_jwt() || ReadText("jwt", *message.mutable_jwt(), hello.jwt.emplace());
      }
      case pb_ws::ClientMsg::kRequest: {
        PathScope scope(*this, "request");
        auto& request = out.emplace<ws::RequestMsg>();
        request.request_id = in.request().request_id();
        return ReadWsRequest(*in.mutable_request(), request.request);
      }
      case pb_ws::ClientMsg::MSG_NOT_SET:
        break;
    }
    return Fail("the message is neither hello (field 1) nor request (field 2)");
  }

  bool ReadPipelineResponse(pb_http::PipelineRespBody& in, const PipelineRequest& request,
                            PipelineResponse& out) {
    if (in.has_baton() && !ReadText("baton", *in.mutable_baton(), out.baton.emplace())) {
      return false;
    }
    if (in.has_base_url() &&
        !ReadText("base_url", *in.mutable_base_url(), out.base_url.emplace())) {
      return false;
    }
    if (std::size_t(in.results_size()) != request.requests.size()) {
      PathScope scope(*this, "results");
      return Fail(std::to_string(in.results_size()) + " results for a pipeline of " +
                  std::to_string(request.requests.size()) +
                  " requests; a server answers every request");
    }
    out.results.resize(request.requests.size());
    for (int i = 0; i < in.results_size(); ++i) {
      PathScope scope(*this, "results", i);
      if (!ReadStreamResult(*in.mutable_results(i), request.requests[i], out.results[i])) {
        return false;
      }
    }
    return true;
  }

 private:
  // One step of the path to the field being read: a field name, with an index for repeated ones.
  struct PathSegment {
    std::string_view field;
    int index = -1;
  };

  class PathScope {
   public:
    PathScope(Walker& walker, std::string_view field, int index = -1) : walker_(walker) {
      walker_.path_.push_back({field, index});
    }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;
    ~PathScope() { walker_.path_.pop_back(); }

   private:
    Walker& walker_;
  };

  bool Fail(std::string_view what) {
    error_ = "invalid ";
    error_ += subject_;
    if (!path_.empty()) {
      error_ += " at ";
      for (std::size_t i = 0; i < path_.size(); ++i) {
        if (i > 0) error_ += '.';
        error_ += path_[i].field;
        if (path_[i].index >= 0) {
          error_ += '[';
          error_ += std::to_string(path_[i].index);
          error_ += ']';
        }
      }
    }
    error_ += ": ";
    error_ += what;
    return false;
  }

  bool FailMissing(std::string_view field) {
    return Fail("missing required field \"" + std::string(field) + "\"");
  }

  // Text must be UTF-8 (the spec's `string`), as sqld's decoder requires too.
  bool ReadText(std::string_view field, std::string& in, std::string& out) {
    const Utf8Scan scan = ScanUtf8(in);
    if (!scan.valid) {
      PathScope scope(*this, field);
      char byte[8];
      std::snprintf(byte, sizeof(byte), "0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(in[scan.first_invalid])));
      return Fail("not valid UTF-8 (byte " + std::string(byte) + " at offset " +
                  std::to_string(scan.first_invalid) +
                  "); text must be UTF-8, send other bytes as a blob");
    }
    out = std::move(in);
    return true;
  }

  // `sql` or `sql_id`, exactly one, shared by Stmt, `sequence` and `describe`.
  template <typename Message>
  bool ReadSqlOrSqlId(Message& in, std::optional<std::string>& sql,
                      std::optional<int32_t>& sql_id) {
    if (in.has_sql() && in.has_sql_id()) {
      return Fail("both \"sql\" and \"sql_id\" are given; send exactly one");
    }
    if (in.has_sql_id()) {
      sql_id = in.sql_id();
      return true;
    }
    if (!in.has_sql()) return Fail("missing required field \"sql\" (or \"sql_id\")");
    return ReadText("sql", *in.mutable_sql(), sql.emplace());
  }

  template <typename Message>
  static void ReadReplicationIndex(const Message& in, std::optional<uint64_t>& out) {
    if (in.has_replication_index()) out = in.replication_index();
  }

  bool ReadValue(pb::Value& in, Value& out) {
    switch (in.value_case()) {
      case pb::Value::kNull:
        out = Null{};
        return true;
      case pb::Value::kInteger:
        out = in.integer();
        return true;
      case pb::Value::kFloat:
        out = in.float_();
        return true;
      case pb::Value::kText:
        return ReadText("text", *in.mutable_text(), out.emplace<std::string>());
      case pb::Value::kBlob:
        out = Blob{std::move(*in.mutable_blob())};
        return true;
      case pb::Value::VALUE_NOT_SET:
        break;
    }
    return Fail(
        "the value has no type; expected one of null (field 1), integer (2), float (3), text (4) "
        "or blob (5)");
  }

  bool ReadStmt(pb::Stmt& in, Stmt& out) {
    if (!ReadSqlOrSqlId(in, out.sql, out.sql_id)) return false;
    out.args.resize(in.args_size());
    for (int i = 0; i < in.args_size(); ++i) {
      PathScope scope(*this, "args", i);
      if (!ReadValue(*in.mutable_args(i), out.args[i])) return false;
    }
    out.named_args.resize(in.named_args_size());
    for (int i = 0; i < in.named_args_size(); ++i) {
      PathScope scope(*this, "named_args", i);
      pb::NamedArg& arg = *in.mutable_named_args(i);
      if (!ReadText("name", *arg.mutable_name(), out.named_args[i].name)) return false;
      if (!arg.has_value()) return FailMissing("value");
      PathScope value_scope(*this, "value");
      if (!ReadValue(*arg.mutable_value(), out.named_args[i].value)) return false;
    }
    out.want_rows = !in.has_want_rows() || in.want_rows();
    ReadReplicationIndex(in, out.replication_index);
    return true;
  }

  bool ReadBatch(pb::Batch& in, Batch& out) {
    out.steps.resize(in.steps_size());
    for (int i = 0; i < in.steps_size(); ++i) {
      PathScope scope(*this, "steps", i);
      pb::BatchStep& step = *in.mutable_steps(i);
      if (step.has_condition()) {
        PathScope condition_scope(*this, "condition");
        if (!ReadBatchCond(*step.mutable_condition(), out.steps[i].condition.emplace(), 1)) {
          return false;
        }
      }
      if (!step.has_stmt()) return FailMissing("stmt");
      PathScope stmt_scope(*this, "stmt");
      if (!ReadStmt(*step.mutable_stmt(), out.steps[i].stmt)) return false;
    }
    ReadReplicationIndex(in, out.replication_index);
    return true;
  }

  // Whether a referenced step precedes the current one is the executor's check, not the codec's.
  bool ReadBatchCond(pb::BatchCond& in, BatchCond& out, int depth) {
    if (depth > kMaxConditionDepth) {
      return Fail("batch conditions are nested more than " + std::to_string(kMaxConditionDepth) +
                  " levels deep");
    }
    auto read_list = [&](std::string_view field, pb::BatchCond::CondList& list) {
      out.conds.resize(list.conds_size());
      for (int i = 0; i < list.conds_size(); ++i) {
        PathScope scope(*this, field, i);
        if (!ReadBatchCond(*list.mutable_conds(i), out.conds[i], depth + 1)) return false;
      }
      return true;
    };
    switch (in.cond_case()) {
      case pb::BatchCond::kStepOk:
        out.kind = BatchCond::Kind::kOk;
        out.step = in.step_ok();
        return true;
      case pb::BatchCond::kStepError:
        out.kind = BatchCond::Kind::kError;
        out.step = in.step_error();
        return true;
      case pb::BatchCond::kNot: {
        out.kind = BatchCond::Kind::kNot;
        out.conds.resize(1);
        PathScope scope(*this, "not");
        return ReadBatchCond(*in.mutable_not_(), out.conds[0], depth + 1);
      }
      case pb::BatchCond::kAnd:
        out.kind = BatchCond::Kind::kAnd;
        return read_list("and.conds", *in.mutable_and_());
      case pb::BatchCond::kOr:
        out.kind = BatchCond::Kind::kOr;
        return read_list("or.conds", *in.mutable_or_());
      case pb::BatchCond::kIsAutocommit:
        out.kind = BatchCond::Kind::kIsAutocommit;
        return true;
      case pb::BatchCond::COND_NOT_SET:
        break;
    }
    return Fail(
        "the condition has no type; expected one of step_ok (field 1), step_error (2), not (3), "
        "and (4), or (5) or is_autocommit (6)");
  }

  bool ReadStreamRequest(pb_http::StreamRequest& in, StreamRequest& out) {
    using R = pb_http::StreamRequest;
    switch (in.request_case()) {
      case R::kClose:
        out.emplace<CloseRequest>();
        return true;
      case R::kExecute: {
        PathScope scope(*this, "execute");
        auto& request = out.emplace<ExecuteRequest>();
        pb_http::ExecuteStreamReq& message = *in.mutable_execute();
        if (!message.has_stmt()) return FailMissing("stmt");
        PathScope stmt_scope(*this, "stmt");
        return ReadStmt(*message.mutable_stmt(), request.stmt);
      }
      case R::kBatch: {
        PathScope scope(*this, "batch");
        auto& request = out.emplace<BatchRequest>();
        pb_http::BatchStreamReq& message = *in.mutable_batch();
        if (!message.has_batch()) return FailMissing("batch");
        PathScope batch_scope(*this, "batch");
        return ReadBatch(*message.mutable_batch(), request.batch);
      }
      case R::kSequence: {
        PathScope scope(*this, "sequence");
        auto& request = out.emplace<SequenceRequest>();
        pb_http::SequenceStreamReq& message = *in.mutable_sequence();
        ReadReplicationIndex(message, request.replication_index);
        return ReadSqlOrSqlId(message, request.sql, request.sql_id);
      }
      case R::kDescribe: {
        PathScope scope(*this, "describe");
        auto& request = out.emplace<DescribeRequest>();
        pb_http::DescribeStreamReq& message = *in.mutable_describe();
        ReadReplicationIndex(message, request.replication_index);
        return ReadSqlOrSqlId(message, request.sql, request.sql_id);
      }
      case R::kStoreSql: {
        PathScope scope(*this, "store_sql");
        auto& request = out.emplace<StoreSqlRequest>();
        pb_http::StoreSqlStreamReq& message = *in.mutable_store_sql();
        request.sql_id = message.sql_id();
        return ReadText("sql", *message.mutable_sql(), request.sql);
      }
      case R::kCloseSql:
        out.emplace<CloseSqlRequest>().sql_id = in.close_sql().sql_id();
        return true;
      case R::kGetAutocommit:
        out.emplace<GetAutocommitRequest>();
        return true;
      case R::REQUEST_NOT_SET:
        break;
    }
    return Fail(
        "unknown or missing request type; expected one of close (field 1), execute (2), batch (3), "
        "sequence (4), describe (5), store_sql (6), close_sql (7) or get_autocommit (8)");
  }

  // --- Responses (the client direction) ---

  bool ReadStreamResult(pb_http::StreamResult& in, const StreamRequest& request,
                        StreamResult& out) {
    switch (in.result_case()) {
      case pb_http::StreamResult::kOk: {
        PathScope scope(*this, "ok");
        return ReadStreamResponse(*in.mutable_ok(), request, out.emplace<StreamResponse>());
      }
      case pb_http::StreamResult::kError: {
        PathScope scope(*this, "error");
        return ReadError(*in.mutable_error(), out.emplace<hrana::Error>());
      }
      case pb_http::StreamResult::RESULT_NOT_SET:
        break;
    }
    return Fail("the result is neither ok (field 1) nor error (field 2)");
  }

  bool ReadStreamResponse(pb_http::StreamResponse& in, const StreamRequest& request,
                          StreamResponse& out) {
    using R = pb_http::StreamResponse;
    const uint32_t expected = TagOf(request);
    const google::protobuf::Descriptor* descriptor = R::descriptor();
    const std::string& expected_name = descriptor->FindFieldByNumber(int(expected))->name();
    if (in.response_case() == R::RESPONSE_NOT_SET) {
      return Fail("unknown or missing response type; expected " + expected_name + " (field " +
                  std::to_string(expected) + ")");
    }
    if (uint32_t(in.response_case()) != expected) {
      return Fail("the response to a request of type " + expected_name + " has type " +
                  descriptor->FindFieldByNumber(in.response_case())->name());
    }
    switch (in.response_case()) {
      case R::kClose:
        out.emplace<CloseResponse>();
        return true;
      case R::kExecute: {
        PathScope scope(*this, "execute");
        if (!in.execute().has_result()) return FailMissing("result");
        PathScope result_scope(*this, "result");
        return ReadStmtResult(*in.mutable_execute()->mutable_result(),
                              out.emplace<ExecuteResponse>().result);
      }
      case R::kBatch: {
        PathScope scope(*this, "batch");
        if (!in.batch().has_result()) return FailMissing("result");
        PathScope result_scope(*this, "result");
        return ReadBatchResult(*in.mutable_batch()->mutable_result(),
                               std::get<BatchRequest>(request).batch.steps.size(),
                               out.emplace<BatchResponse>().result);
      }
      case R::kSequence:
        out.emplace<SequenceResponse>();
        return true;
      case R::kDescribe: {
        PathScope scope(*this, "describe");
        if (!in.describe().has_result()) return FailMissing("result");
        PathScope result_scope(*this, "result");
        return ReadDescribeResult(*in.mutable_describe()->mutable_result(),
                                  out.emplace<DescribeResponse>().result);
      }
      case R::kStoreSql:
        out.emplace<StoreSqlResponse>();
        return true;
      case R::kCloseSql:
        out.emplace<CloseSqlResponse>();
        return true;
      case R::kGetAutocommit:
        out.emplace<GetAutocommitResponse>().is_autocommit = in.get_autocommit().is_autocommit();
        return true;
      case R::RESPONSE_NOT_SET:
        break;
    }
    return Fail("unknown or missing response type");
  }

  bool ReadError(pb::Error& in, hrana::Error& out) {
    if (!ReadText("message", *in.mutable_message(), out.message)) return false;
    return !in.has_code() || ReadText("code", *in.mutable_code(), out.code);
  }

  bool ReadColumn(pb::Col& in, Column& out) {
    if (in.has_name() && !ReadText("name", *in.mutable_name(), out.name.emplace())) return false;
    return !in.has_decltype_() ||
           ReadText("decltype", *in.mutable_decltype_(), out.decltype_name.emplace());
  }

  bool ReadStmtResult(pb::StmtResult& in, StmtResult& out) {
    out.cols.resize(in.cols_size());
    for (int i = 0; i < in.cols_size(); ++i) {
      PathScope scope(*this, "cols", i);
      if (!ReadColumn(*in.mutable_cols(i), out.cols[i])) return false;
    }
    out.rows.resize(in.rows_size());
    for (int i = 0; i < in.rows_size(); ++i) {
      PathScope scope(*this, "rows", i);
      pb::Row& row = *in.mutable_rows(i);
      // Callers index a row by column; a short or long one would send them out of bounds.
      if (row.values_size() != in.cols_size()) {
        return Fail("the row has " + std::to_string(row.values_size()) + " values but the result " +
                    std::to_string(in.cols_size()) + " columns");
      }
      out.rows[i].resize(row.values_size());
      for (int j = 0; j < row.values_size(); ++j) {
        PathScope value_scope(*this, "values", j);
        if (!ReadValue(*row.mutable_values(j), out.rows[i][j])) return false;
      }
    }
    out.affected_row_count = in.affected_row_count();
    if (in.has_last_insert_rowid()) out.last_insert_rowid = in.last_insert_rowid();
    ReadReplicationIndex(in, out.replication_index);
    out.rows_read = in.rows_read();
    out.rows_written = in.rows_written();
    out.query_duration_ms = in.query_duration_ms();
    return true;
  }

  // Map entries exist only for steps with an outcome; the others (skipped) stay empty.
  bool ReadBatchResult(pb::BatchResult& in, std::size_t step_count, BatchResult& out) {
    out.step_results.resize(step_count);
    out.step_errors.resize(step_count);
    auto check_step = [&](std::string_view field, uint32_t step) {
      if (step < step_count) return true;
      PathScope scope(*this, field);
      return Fail("an entry for step " + std::to_string(step) + ", but the batch has " +
                  std::to_string(step_count) + " steps");
    };
    for (auto& [step, result] : *in.mutable_step_results()) {
      if (!check_step("step_results", step)) return false;
      PathScope scope(*this, "step_results", int(step));
      if (!ReadStmtResult(result, out.step_results[step].emplace())) return false;
    }
    for (auto& [step, error] : *in.mutable_step_errors()) {
      if (!check_step("step_errors", step)) return false;
      PathScope scope(*this, "step_errors", int(step));
      if (out.step_results[step]) return Fail("the step has both a result and an error");
      if (!ReadError(error, out.step_errors[step].emplace())) return false;
    }
    return true;
  }

  bool ReadDescribeResult(pb::DescribeResult& in, DescribeResult& out) {
    out.params.resize(in.params_size());
    for (int i = 0; i < in.params_size(); ++i) {
      PathScope scope(*this, "params", i);
      pb::DescribeParam& param = *in.mutable_params(i);
      if (param.has_name() &&
          !ReadText("name", *param.mutable_name(), out.params[i].name.emplace())) {
        return false;
      }
    }
    out.cols.resize(in.cols_size());
    for (int i = 0; i < in.cols_size(); ++i) {
      PathScope scope(*this, "cols", i);
      pb::DescribeCol& column = *in.mutable_cols(i);
      if (!ReadText("name", *column.mutable_name(), out.cols[i].name)) return false;
      if (column.has_decltype_() &&
          !ReadText("decltype", *column.mutable_decltype_(), out.cols[i].decltype_name.emplace())) {
        return false;
      }
    }
    out.is_explain = in.is_explain();
    out.is_readonly = in.is_readonly();
    return true;
  }

  // --- WebSocket requests ---

  bool ReadWsRequest(pb_ws::RequestMsg& in, ws::Request& out) {
    using R = pb_ws::RequestMsg;
    switch (in.request_case()) {
      case R::kOpenStream:
        out.emplace<ws::OpenStreamRequest>().stream_id = in.open_stream().stream_id();
        return true;
      case R::kCloseStream:
        out.emplace<ws::CloseStreamRequest>().stream_id = in.close_stream().stream_id();
        return true;
      case R::kExecute: {
        PathScope scope(*this, "execute");
        auto& request = out.emplace<ws::ExecuteRequest>();
        pb_ws::ExecuteReq& message = *in.mutable_execute();
        request.stream_id = message.stream_id();
        ReadReplicationIndex(message, request.replication_index);
        if (!message.has_stmt()) return FailMissing("stmt");
        PathScope stmt_scope(*this, "stmt");
        return ReadStmt(*message.mutable_stmt(), request.stmt);
      }
      case R::kBatch: {
        PathScope scope(*this, "batch");
        auto& request = out.emplace<ws::BatchRequest>();
        pb_ws::BatchReq& message = *in.mutable_batch();
        request.stream_id = message.stream_id();
        if (!message.has_batch()) return FailMissing("batch");
        PathScope batch_scope(*this, "batch");
        return ReadBatch(*message.mutable_batch(), request.batch);
      }
      case R::kOpenCursor: {
        PathScope scope(*this, "open_cursor");
        auto& request = out.emplace<ws::OpenCursorRequest>();
        pb_ws::OpenCursorReq& message = *in.mutable_open_cursor();
        request.stream_id = message.stream_id();
        request.cursor_id = message.cursor_id();
        if (!message.has_batch()) return FailMissing("batch");
        PathScope batch_scope(*this, "batch");
        return ReadBatch(*message.mutable_batch(), request.batch);
      }
      case R::kCloseCursor:
        out.emplace<ws::CloseCursorRequest>().cursor_id = in.close_cursor().cursor_id();
        return true;
      case R::kFetchCursor: {
        auto& request = out.emplace<ws::FetchCursorRequest>();
        request.cursor_id = in.fetch_cursor().cursor_id();
        request.max_count = in.fetch_cursor().max_count();
        return true;
      }
      case R::kSequence: {
        PathScope scope(*this, "sequence");
        auto& request = out.emplace<ws::SequenceRequest>();
        pb_ws::SequenceReq& message = *in.mutable_sequence();
        request.stream_id = message.stream_id();
        ReadReplicationIndex(message, request.replication_index);
        return ReadSqlOrSqlId(message, request.sql, request.sql_id);
      }
      case R::kDescribe: {
        PathScope scope(*this, "describe");
        auto& request = out.emplace<ws::DescribeRequest>();
        pb_ws::DescribeReq& message = *in.mutable_describe();
        request.stream_id = message.stream_id();
        ReadReplicationIndex(message, request.replication_index);
        return ReadSqlOrSqlId(message, request.sql, request.sql_id);
      }
      case R::kStoreSql: {
        PathScope scope(*this, "store_sql");
        auto& request = out.emplace<ws::StoreSqlRequest>();
        pb_ws::StoreSqlReq& message = *in.mutable_store_sql();
        request.sql_id = message.sql_id();
        return ReadText("sql", *message.mutable_sql(), request.sql);
      }
      case R::kCloseSql:
        out.emplace<ws::CloseSqlRequest>().sql_id = in.close_sql().sql_id();
        return true;
      case R::kGetAutocommit:
        out.emplace<ws::GetAutocommitRequest>().stream_id = in.get_autocommit().stream_id();
        return true;
      case R::REQUEST_NOT_SET:
        break;
    }
    return Fail(
        "unknown or missing request type; expected one of open_stream (field 2), close_stream (3), "
        "execute (4), batch (5), open_cursor (6), close_cursor (7), fetch_cursor (8), sequence "
        "(9), "
        "describe (10), store_sql (11), close_sql (12) or get_autocommit (13)");
  }

  std::string_view subject_;
  std::vector<PathSegment> path_;
  std::string error_;
};

// Parses `bytes` as a `Message` on a request-scoped arena and walks it into an `Out` with `read`.
template <typename Out, typename Message, typename Read>
Result<Out> Decode(std::string_view bytes, std::string_view subject, Read&& read) {
  if (bytes.size() > std::size_t(std::numeric_limits<int>::max())) {
    // The protobuf runtime takes sizes as int; no real request comes near this.
    return Status::ResourceExhausted("the " + std::string(subject) +
                                     " is larger than 2 GiB, which protobuf cannot parse");
  }
  alignas(std::max_align_t) char initial_block[kArenaInitialBlockSize];
  google::protobuf::ArenaOptions options;
  options.initial_block = initial_block;
  options.initial_block_size = sizeof(initial_block);
  google::protobuf::Arena arena(options);
  Message* message = google::protobuf::Arena::CreateMessage<Message>(&arena);

  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  input.SetRecursionLimit(kMaxMessageDepth);
  // A top-level end-group tag stops the parser early without failing it; the rest is not ignored.
  if (!message->ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return Status::InvalidArgument("invalid protobuf in " + std::string(subject) +
                                   ": it is not a well-formed " + message->GetTypeName() +
                                   " message (truncated, malformed, or nested more than " +
                                   std::to_string(kMaxMessageDepth) + " levels deep)");
  }
  Walker walker(subject);
  Out out;
  if (!read(walker, *message, out)) return walker.Error();
  return out;
}

}  // namespace

Result<PipelineRequest> DecodePipelineRequest(std::string_view body) {
  return Decode<PipelineRequest, pb_http::PipelineReqBody>(
      body, "request body", [](Walker& walker, auto& in, PipelineRequest& out) {
        return walker.ReadPipelineRequest(in, out);
      });
}

std::string EncodePipelineResponse(const PipelineResponse& response) {
  return Encode([&](auto& pass) { PutPipelineResponse(pass, response); },
                /*length_delimited=*/false);
}

std::string EncodePipelineRequest(const PipelineRequest& request) {
  return Encode([&](auto& pass) { PutPipelineRequest(pass, request); },
                /*length_delimited=*/false);
}

Result<PipelineResponse> DecodePipelineResponse(std::string_view body,
                                                const PipelineRequest& request) {
  return Decode<PipelineResponse, pb_http::PipelineRespBody>(
      body, "response body", [&request](Walker& walker, auto& in, PipelineResponse& out) {
        return walker.ReadPipelineResponse(in, request, out);
      });
}

Result<CursorRequest> DecodeCursorRequest(std::string_view body) {
  return Decode<CursorRequest, pb_http::CursorReqBody>(
      body, "request body", [](Walker& walker, auto& in, CursorRequest& out) {
        return walker.ReadCursorRequest(in, out);
      });
}

std::string EncodeCursorHeader(const CursorHeader& header) {
  return Encode(
      [&](auto& pass) {
        using F = pb_http::CursorRespBody;
        if (header.baton) pass.Text(F::kBatonFieldNumber, *header.baton);
        if (header.base_url) pass.Text(F::kBaseUrlFieldNumber, *header.base_url);
      },
      /*length_delimited=*/true);
}

std::string EncodeCursorEntry(const CursorEntry& entry) {
  // Deliberately nothing for the replication_index entry: see HasProtobufForm.
  if (!HasProtobufForm(entry)) return {};
  return Encode([&](auto& pass) { PutCursorEntry(pass, entry); }, /*length_delimited=*/true);
}

Result<ws::ClientMsg> DecodeClientMsg(std::string_view frame) {
  return Decode<ws::ClientMsg, pb_ws::ClientMsg>(
      frame, "client message",
      [](Walker& walker, auto& in, ws::ClientMsg& out) { return walker.ReadClientMsg(in, out); });
}

std::string EncodeServerMsg(const ws::ServerMsg& message) {
  return Encode([&](auto& pass) { PutServerMsg(pass, message); }, /*length_delimited=*/false);
}

}  // namespace edgelite::hrana::protobuf
