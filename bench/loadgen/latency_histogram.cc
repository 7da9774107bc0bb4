// Bucket arithmetic for LatencyHistogram: values below 64 ns get one bucket each; above that a
// value's octave (position of its highest bit) selects a group of 64 buckets and the next six bits
// select the bucket inside the group.
#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace edgelite::bench {

int LatencyHistogram::BucketFor(uint64_t value) {
  if (value < kSubBucketCount) return static_cast<int>(value);
  const int highest_bit = 63 - std::countl_zero(value);
  const int shift = highest_bit - kSubBucketBits;
  const auto sub_bucket = static_cast<int>((value >> shift) & (kSubBucketCount - 1));
  return ((shift + 1) << kSubBucketBits) | sub_bucket;
}

double LatencyHistogram::MidpointOf(int bucket) {
  if (bucket < kSubBucketCount) return bucket;
  const int shift = (bucket >> kSubBucketBits) - 1;
  const uint64_t mantissa = static_cast<uint64_t>(bucket & (kSubBucketCount - 1)) | kSubBucketCount;
  const double low = std::ldexp(static_cast<double>(mantissa), shift);
  const double width = std::ldexp(1.0, shift);
  return low + (width - 1) / 2;
}

void LatencyHistogram::Record(uint64_t nanoseconds) {
  ++counts_[BucketFor(nanoseconds)];
  ++count_;
  if (nanoseconds > max_) max_ = nanoseconds;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  if (other.max_ > max_) max_ = other.max_;
}

double LatencyHistogram::ValueAtQuantile(double quantile) const {
  if (count_ == 0) return 0;
  // Rank of the sample that the quantile names, counted from 1 (nearest-rank definition).
  auto rank = static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    // The midpoint can overshoot the largest sample in its bucket; never report beyond it.
    if (seen >= rank) return std::min(MidpointOf(i), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

}  // namespace edgelite::bench
