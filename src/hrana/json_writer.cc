// JsonWriter's string escaping and number formatting. Strings are copied in runs: only bytes that
// need an escape or start an ill-formed UTF-8 sequence interrupt the copy, so plain ASCII and valid
// UTF-8 cost one table lookup per byte.
#include "hrana/json_writer.h"

#include "common/utf8.h"

#include <array>
#include <charconv>
#include <cmath>

namespace edgelite::hrana::json {
namespace {

enum ByteClass : uint8_t {
  kCopy = 0,       // printable ASCII other than '"' and '\\'
  kEscape = 1,     // '"', '\\' or a control character
  kMultiByte = 2,  // >= 0x80: the start of a UTF-8 sequence, or a stray byte
};

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    if (b < 0x20 || b == '"' || b == '\\') {
      classes[b] = kEscape;
    } else if (b >= 0x80) {
      classes[b] = kMultiByte;
    } else {
      classes[b] = kCopy;
    }
  }
  return classes;
}

constexpr auto kByteClasses = MakeByteClasses();
void AppendEscape(std::string& out, unsigned char byte) {
  switch (byte) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    default: {
      static constexpr char kHexDigits[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', kHexDigits[byte >> 4], kHexDigits[byte & 0xF]};
      out.append(escape, sizeof(escape));
    }
  }
}

template <typename Integer>
void AppendInteger(std::string& out, Integer value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

}  // namespace

void JsonWriter::String(std::string_view text) {
  out_.push_back('"');
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t run_start = 0;
  size_t i = 0;
  while (i < size) {
    const uint8_t byte_class = kByteClasses[bytes[i]];
    if (byte_class == kCopy) {
      ++i;
      continue;
    }
    if (byte_class == kMultiByte) {
      bool well_formed = false;
      const size_t length = utf8::ExamineSequence(bytes + i, size - i, well_formed);
      if (well_formed) {
        i += length;  // stays part of the current run
        continue;
      }
      out_.append(text.data() + run_start, i - run_start);
      out_.append(utf8::kReplacementCharacter);
      i += length;
    } else {
      out_.append(text.data() + run_start, i - run_start);
      AppendEscape(out_, bytes[i]);
      ++i;
    }
    run_start = i;
  }
  out_.append(text.data() + run_start, size - run_start);
  out_.push_back('"');
}

void JsonWriter::Int(int64_t value) {
  AppendInteger(out_, value);
}

void JsonWriter::Uint(uint64_t value) {
  AppendInteger(out_, value);
}

void JsonWriter::QuotedInt(int64_t value) {
  out_.push_back('"');
  AppendInteger(out_, value);
  out_.push_back('"');
}

void JsonWriter::QuotedUint(uint64_t value) {
  out_.push_back('"');
  AppendInteger(out_, value);
  out_.push_back('"');
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    Null();
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  const std::string_view digits(buffer, result.ptr - buffer);
  out_.append(digits);
  // to_chars writes 1.0 as "1"; keep it recognisably a float (serde_json, which sqld uses, does
  // too).
  if (digits.find_first_of(".e") == std::string_view::npos) out_.append(".0");
}

}  // namespace edgelite::hrana::json
