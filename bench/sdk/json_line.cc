// Flat JSON result lines.
#include "json_line.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace edgelite::bench {
namespace {

std::string Quoted(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

}  // namespace

JsonLine::JsonLine(const std::string& workload, const std::string& label) {
  text_ = "{\"workload\":" + Quoted(workload) + ",\"label\":" + Quoted(label);
}

void JsonLine::Key(const std::string& key) {
  text_ += "," + Quoted(key) + ":";
}

JsonLine& JsonLine::Text(const std::string& key, const std::string& value) {
  Key(key);
  text_ += Quoted(value);
  return *this;
}

JsonLine& JsonLine::Integer(const std::string& key, int64_t value) {
  Key(key);
  text_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::Real(const std::string& key, double value, int decimals) {
  Key(key);
  if (!std::isfinite(value)) value = 0;
  char number[64];
  std::snprintf(number, sizeof number, "%.*f", decimals, value);
  text_ += number;
  return *this;
}

double FindJsonNumber(const std::string& line, const std::string& key, double fallback) {
  std::string needle = Quoted(key) + ":";
  size_t at = line.find(needle);
  if (at == std::string::npos) return fallback;
  const char* start = line.c_str() + at + needle.size();
  char* end = nullptr;
  double value = std::strtod(start, &end);
  return end == start ? fallback : value;
}

void JsonLine::Print() const {
  std::printf("%s}\n", text_.c_str());
  std::fflush(stdout);
}

}  // namespace edgelite::bench
