// JsonLine: one flat JSON object on one line, the result format of every benchmark program here
// ("workload" and "label" strings, then "key":number fields), which bench/lib.sh's `median`
// reads. Strings are escaped; numbers are printed with a fixed number of decimals.
#ifndef EDGELITE_BENCH_SDK_JSON_LINE_H_
#define EDGELITE_BENCH_SDK_JSON_LINE_H_

#include <cstdint>
#include <string>

namespace edgelite::bench {

class JsonLine {
 public:
  JsonLine(const std::string& workload, const std::string& label);

  JsonLine& Text(const std::string& key, const std::string& value);
  JsonLine& Integer(const std::string& key, int64_t value);
  JsonLine& Real(const std::string& key, double value, int decimals = 3);

  // Writes the line to stdout and flushes it.
  void Print() const;

 private:
  void Key(const std::string& key);
  std::string text_;
};

// The number after "key": in a flat JSON line (another program's result), or `fallback`.
double FindJsonNumber(const std::string& line, const std::string& key, double fallback = -1);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_JSON_LINE_H_
