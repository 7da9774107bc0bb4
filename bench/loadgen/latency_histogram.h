// LatencyHistogram records request latencies in nanoseconds with bounded relative error, so a
// load generator can report tail percentiles (p99, p99.9) over millions of requests without
// storing each sample. Buckets are log-linear: 64 linear sub-buckets per power of two, which keeps
// every reported value within about 1.6% of the true sample while the whole table stays a few
// tens of KiB. One histogram belongs to one thread; threads merge theirs at the end.
#ifndef EDGELITE_BENCH_LOADGEN_LATENCY_HISTOGRAM_H_
#define EDGELITE_BENCH_LOADGEN_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace edgelite::bench {

class LatencyHistogram {
 public:
  void Record(uint64_t nanoseconds);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // Exact largest sample: a stalled server shows up here even when it hides in the buckets' p99.9.
  uint64_t max() const { return max_; }

  // The value (in nanoseconds) below which `quantile` (0..1] of the samples fall; 0 when empty.
  // Reported as the midpoint of the bucket that holds the sample of that rank, capped at max().
  double ValueAtQuantile(double quantile) const;

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr int kSubBucketCount = 1 << kSubBucketBits;
  // Octaves 0..(64 - kSubBucketBits) each hold kSubBucketCount buckets; this covers every uint64.
  static constexpr int kBucketCount = (64 - kSubBucketBits + 1) * kSubBucketCount;

  static int BucketFor(uint64_t value);
  static double MidpointOf(int bucket);

  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_LATENCY_HISTOGRAM_H_
