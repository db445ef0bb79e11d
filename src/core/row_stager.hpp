// Copies the rows an SGD epoch is about to visit, in its shuffled order, into
// one small contiguous buffer.
//
// SGD visits rows in a fresh random order each epoch, so on data larger than
// the caches every row starts with a cache and TLB miss, and the update of
// one row depends on the previous one, so the processor cannot overlap those
// misses: measured on this machine, a shuffled epoch over 200,000 dense rows
// of 100 features cost 7.7-8.8 ns per non-zero against 1.2-1.5 in file order.
// Copying the next rows first is a loop without such a dependency, so their
// misses overlap, and the updates then read the copy from the cache: 3.0 ns
// per non-zero, with the same bits (the same values in the same order).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "core/kernels.hpp"
#include "logreg/dataset.hpp"

namespace logreg::core {

class RowStager {
 public:
  /// Rows copied at a time, at most; sized so a block of typical rows stays
  /// in the level-2 cache.
  static constexpr std::size_t kMaxRows = 256;
  static constexpr std::size_t kTargetNonzeros = std::size_t{16} << 10;

  /// Rows ahead of the one copied whose lines are requested early.
  static constexpr std::size_t kPrefetchAhead = 16;

  explicit RowStager(const DataView& data) : data_(data) {}

  /// Copies rows order[first], ..., order[last - 1] (last - first <= kMaxRows).
  void stage(std::span<const std::size_t> order, std::size_t first, std::size_t last) {
    first_ = first;
    offsets_.resize(last - first + 1);
    offsets_[0] = 0;
    std::size_t total = 0;
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t i = order[k];
      total += static_cast<std::size_t>(data_.row_offsets[i + 1] - data_.row_offsets[i]);
      offsets_[k - first + 1] = total;
    }
    labels_.resize(last - first);
    weights_.resize(last - first);
    for (std::size_t k = first; k < last; ++k) {
      labels_[k - first] = data_.labels[order[k]];
      weights_[k - first] = data_.weight(order[k]);
    }
    if (indices_.size() < total) {
      indices_.resize(total);
      values_.resize(total);
    }
    for (std::size_t k = first; k < last; ++k) {
      if (k + kPrefetchAhead < last) prefetch(row(data_, order[k + kPrefetchAhead]));
      const RowRef r = row(data_, order[k]);
      const std::size_t at = offsets_[k - first];
      std::copy_n(r.indices, r.count, indices_.data() + at);
      std::copy_n(r.values, r.count, values_.data() + at);
    }
  }

  /// Row order[k] of the staged block.
  RowRef row_at(std::size_t k) const {
    const std::size_t local = k - first_;
    return RowRef{indices_.data() + offsets_[local], values_.data() + offsets_[local],
                  offsets_[local + 1] - offsets_[local]};
  }

  /// Label and example weight of row order[k] of the staged block.
  double label_at(std::size_t k) const { return labels_[k - first_]; }
  double weight_at(std::size_t k) const { return weights_[k - first_]; }

  /// How many rows to stage after position `first` so a block holds about
  /// kTargetNonzeros non-zeros, whole batches of `batch` rows, and at most
  /// kMaxRows rows (but at least one batch).
  std::size_t block_end(std::size_t first, std::size_t n, std::size_t batch) const {
    const std::size_t per_row =
        std::max<std::size_t>(1, data_.nonzeros() / std::max<std::size_t>(1, data_.rows()));
    std::size_t rows = std::clamp<std::size_t>(kTargetNonzeros / per_row, 1, kMaxRows);
    rows = std::max(batch, rows / batch * batch);
    return std::min(n, first + rows);
  }

 private:
  static void prefetch(const RowRef& r) {
    constexpr std::size_t kLine = 64;
    const auto* index_bytes = reinterpret_cast<const char*>(r.indices);
    for (std::size_t at = 0; at < r.count * sizeof(FeatureIndex); at += kLine) __builtin_prefetch(index_bytes + at);
    const auto* value_bytes = reinterpret_cast<const char*>(r.values);
    for (std::size_t at = 0; at < r.count * sizeof(double); at += kLine) __builtin_prefetch(value_bytes + at);
  }

  const DataView& data_;
  std::size_t first_ = 0;
  std::vector<std::size_t> offsets_;
  std::vector<FeatureIndex> indices_;
  std::vector<double> values_;
  std::vector<double> labels_;
  std::vector<double> weights_;
};

}  // namespace logreg::core
