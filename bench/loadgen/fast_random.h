// FastRandom is the load generator's source of row ids and insert texts: a xorshift64* generator,
// chosen because it costs a few nanoseconds per number (the generator must stay invisible next
// to a ~50 µs request) and because a fixed seed makes the setup data identical for every server.
// It is not for anything that needs unpredictability.
#ifndef EDGELITE_BENCH_LOADGEN_FAST_RANDOM_H_
#define EDGELITE_BENCH_LOADGEN_FAST_RANDOM_H_

#include <cstdint>
#include <string>

namespace edgelite::bench {

class FastRandom {
 public:
  // A zero state would make xorshift return zeros forever, so zero seeds are remapped.
  explicit FastRandom(uint64_t seed) : state_(seed != 0 ? seed : 0x9e3779b97f4a7c15ULL) {}

  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dULL;
  }

  // Uniform in [1, upper]; the modulo bias is negligible for the ranges used here.
  int64_t Between1And(int64_t upper) {
    return static_cast<int64_t>(Next() % static_cast<uint64_t>(upper)) + 1;
  }

  // Appends `length` random lowercase letters, which need no JSON escaping.
  void AppendLetters(size_t length, std::string* out) {
    for (size_t i = 0; i < length; ++i)
      out->push_back(static_cast<char>('a' + (Next() >> 33) % 26));
  }

 private:
  uint64_t state_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_FAST_RANDOM_H_
