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
//
// Data that fits in the level-2 cache is read where it is: its rows are in
// the cache already, and the copy only costs (plain SGD epochs of spam and
// smokeban, 0.4-0.6 MB, take 20-25 % less than staged). From an eighth of
// that cache (kInPlaceLevel2Divisor) to kAheadLevel2Multiple level-2 caches,
// the lines of the row kReadAhead positions on are requested before its
// update: beyond the level-2 cache the misses are then to the level-3 cache,
// short, and the copy cost more than it saved; within it, the row's lines
// come from the level-2 cache before the update that needs them, which
// otherwise waited for them at the head of its chain. Measured on
// 2026-12-05 (Intel, level-2 cache 2 MiB), plain SGD epochs with requests
// against without, medians of 11: reuters_grain (1.5 MB) 1.03-1.05x faster
// with 1 and 2 shards, spam (0.63 MB) 1.04x with 2 shards, smokeban (0.45 MB)
// and spam with 1 shard even (0.996-1.009x).
// Measured on 2026-12-04 (level-2 cache 1 MiB), 20 plain SGD epochs, ahead
// against staged: ticdata (3.6 MB) 11.1 against 11.9 ms, fine_foods (2.4 MB)
// 7.4 against 8.3, reuters_grain (1.5 MB) 3.9 against 4.7, movielens_liked
// (4.5 MB, 4.7 non-zeros a row) 54.6 against 67.7; synthetic dense rows of
// 100 features: 6 MB 2.9 against 3.2 ms, 12 MB 6.0 against 6.1, and staged
// ahead from there (24 MB 13.1 against 12.4 ms, 60 MB 54 against 43); sparse
// rows of 40 of 2^20 features, 2.4 MB and 9.6 MB: even. Those figures
// predate the fixed number of lines requested per row (prefetch_row_ahead,
// 2026-12-05), which made the ahead mode another 9-21% faster on ticdata,
// fine_foods and movielens_liked. The best sizes depend on the processor
// (docs/benchmarks.md).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/kernels.hpp"
#include "logreg/dataset.hpp"

namespace logreg::core {

/// The rows of an epoch's shuffled order, read through a staged copy for
/// small batches and straight from the data for large ones (a large batch is
/// its own block and would gain nothing from the copy).
class RowStager {
 public:
  /// Batches up to this size are staged.
  static constexpr std::size_t kMaxStagedBatch = 64;
  /// Rows copied at a time, at most; sized so a block of typical rows stays
  /// in the level-2 cache.
  static constexpr std::size_t kMaxRows = 256;
  static constexpr std::size_t kTargetNonzeros = std::size_t{16} << 10;
  /// Rows ahead of the one copied whose lines are requested early.
  static constexpr std::size_t kPrefetchAhead = 16;
  /// Up to this many features, a row with a value for every feature (dense
  /// data) is staged without its indices, which are then 0, 1, ..., d - 1.
  static constexpr std::size_t kMaxFullRowFeatures = kTargetNonzeros;

  /// Level-2 cache size assumed where the system does not tell it.
  static constexpr std::size_t kDefaultLevel2Bytes = std::size_t{1} << 20;

  /// Up to this fraction (1 / divisor) of the level-2 cache, kAuto reads
  /// small batches in place without requests ahead.
  static constexpr std::size_t kInPlaceLevel2Divisor = 8;
  /// Up to this many level-2 caches of data, kAuto reads small batches in
  /// place with rows requested ahead rather than staged.
  static constexpr std::size_t kAheadLevel2Multiple = 8;
  /// Positions ahead of the row being read whose lines are requested when
  /// reading in place with requests ahead (1 and 4 were no better).
  static constexpr std::size_t kReadAhead = 2;

  /// How small batches (up to kMaxStagedBatch) are read: kAlways staged,
  /// kNever in place, kAhead in place with the rows kReadAhead on requested
  /// early; kAuto picks by the data's size: in place within an eighth of the
  /// level-2 cache, ahead within kAheadLevel2Multiple of it, staged beyond.
  /// Larger batches are read in place.
  enum class Staging { kAuto, kAlways, kNever, kAhead };

  /// `order` is the epoch order, shuffled in place between epochs.
  RowStager(const DataView& data, std::span<const std::size_t> order, std::size_t batch,
            Staging staging = Staging::kAuto)
      : data_(data),
        order_(order),
        batch_(batch),
        mode_(choose_mode(data, batch, staging)),
        ahead_index_lines_(lines_for_mean_row(data, sizeof(FeatureIndex))),
        ahead_value_lines_(lines_for_mean_row(data, sizeof(double))) {
    if (mode_ == Staging::kAlways && data.num_features <= kMaxFullRowFeatures) {
      all_features_.resize(data.num_features);
      for (std::size_t j = 0; j < all_features_.size(); ++j) all_features_[j] = static_cast<FeatureIndex>(j);
    }
  }

  /// Call when the order has been reshuffled: nothing staged is valid.
  void new_epoch() { end_ = 0; }

  /// Whether rows are read from the staged copy.
  bool staging() const { return mode_ == Staging::kAlways; }
  /// How rows are read: kAlways (staged), kNever (in place) or kAhead.
  Staging mode() const { return mode_; }

  /// The bytes an epoch reads from the data: indices, values, row offsets,
  /// labels and example weights.
  static std::size_t data_bytes(const DataView& data) {
    return data.nonzeros() * (sizeof(FeatureIndex) + sizeof(double)) +
           data.rows() * (sizeof(std::int64_t) + sizeof(double) + (data.weights.empty() ? 0 : sizeof(double)));
  }

  /// Call before reading the batch that starts at position `first`: stages
  /// the next block when the batch lies beyond the current one.
  void prepare(std::size_t first) {
    if (mode_ == Staging::kAhead) {
      const std::size_t last = std::min(order_.size(), first + batch_ + kReadAhead);
      for (std::size_t k = first + kReadAhead; k < last; ++k) prefetch_row_ahead(order_[k]);
      return;
    }
    if (!staging() || first < end_) return;
    end_ = block_end(first);
    stage(first, end_);
  }

  /// Row order[k], its label and its example weight.
  RowRef row_at(std::size_t k) const {
    if (!staging()) return row(data_, order_[k]);
    const std::size_t local = k - first_;
    const std::size_t count = offsets_[local + 1] - offsets_[local];
    const FeatureIndex* indices = is_full(count) ? all_features_.data() : indices_.data() + offsets_[local];
    return RowRef{indices, values_.data() + offsets_[local], count};
  }
  double label_at(std::size_t k) const { return staging() ? labels_[k - first_] : data_.labels[order_[k]]; }
  double weight_at(std::size_t k) const { return staging() ? weights_[k - first_] : data_.weight(order_[k]); }

  /// Requests per_feature[j] for the features j of row order[k + 1] when it
  /// is staged or requested ahead (its indices are then in the cache or on
  /// their way): on wide data each is a miss that the update chain of row k
  /// would otherwise wait for.
  template <typename T>
  void prefetch_next(std::size_t k, const T* per_feature) const {
    if (staging() ? k + 1 >= end_ : mode_ != Staging::kAhead || k + 1 >= order_.size()) return;
    const RowRef next = row_at(k + 1);
    for (std::size_t p = 0; p < next.count; ++p) prefetch_line(per_feature + next.indices[p]);
  }

 private:
  static Staging choose_mode(const DataView& data, std::size_t batch, Staging staging) {
    if (batch > kMaxStagedBatch) return Staging::kNever;
    if (staging != Staging::kAuto) return staging;
    const long reported = ::sysconf(_SC_LEVEL2_CACHE_SIZE);  // 0 or -1 where unknown
    const std::size_t level2 = reported > 0 ? static_cast<std::size_t>(reported) : kDefaultLevel2Bytes;
    const std::size_t bytes = data_bytes(data);
    if (bytes <= level2 / kInPlaceLevel2Divisor) return Staging::kNever;
    return bytes <= kAheadLevel2Multiple * level2 ? Staging::kAhead : Staging::kAlways;
  }

  /// Where the block starting at `first` ends: about kTargetNonzeros
  /// non-zeros, whole batches, at most kMaxRows rows (but at least a batch).
  std::size_t block_end(std::size_t first) const {
    const std::size_t per_row =
        std::max<std::size_t>(1, data_.nonzeros() / std::max<std::size_t>(1, data_.rows()));
    std::size_t rows = std::clamp<std::size_t>(kTargetNonzeros / per_row, 1, kMaxRows);
    rows = std::max(batch_, rows / batch_ * batch_);
    return std::min(order_.size(), first + rows);
  }

  /// Whether a row of `count` non-zeros has every feature: its indices
  /// ascend strictly below num_features, so they are 0, ..., d - 1.
  bool is_full(std::size_t count) const { return count == all_features_.size() && count > 0; }

  /// Copies rows order[first], ..., order[last - 1] with their labels and
  /// weights. Full rows are copied without their indices: reading a second
  /// array at random doubled the time of a dense epoch's copy (0.33 s
  /// against 0.16 for 1M rows of 100 features).
  void stage(std::size_t first, std::size_t last) {
    first_ = first;
    offsets_.resize(last - first + 1);
    labels_.resize(last - first);
    weights_.resize(last - first);
    offsets_[0] = 0;
    std::size_t total = 0;
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t i = order_[k];
      total += static_cast<std::size_t>(data_.row_offsets[i + 1] - data_.row_offsets[i]);
      offsets_[k - first + 1] = total;
      labels_[k - first] = data_.labels[i];
      weights_[k - first] = data_.weight(i);
    }
    if (indices_.size() < total) {
      indices_.resize(total);
      values_.resize(total);
    }
    for (std::size_t k = first; k < last; ++k) {
      if (k + kPrefetchAhead < last) prefetch(row(data_, order_[k + kPrefetchAhead]));
      const RowRef r = row(data_, order_[k]);
      const std::size_t at = offsets_[k - first];
      if (!is_full(r.count)) std::copy_n(r.indices, r.count, indices_.data() + at);
      std::copy_n(r.values, r.count, values_.data() + at);
    }
  }

  /// Lines requested ahead of a row's update for its indices or values
  /// (elements of `bytes` each): those of a row of the mean length, wherever
  /// it starts in a line, whatever the row's own length. A loop as long as
  /// each row's own lines ends where a random row of the epoch ends, and
  /// that branch was mispredicted for nearly every row: measured on
  /// 2026-12-05, one plain SGD epoch (shuffled anew, one core) with these
  /// fixed counts against the row's own, reuters_grain 170 against 200 us,
  /// fine_foods 328 against 395, ticdata 470 against 530, movielens_liked
  /// 2.78 against 2.90 ms. A longer row's other lines come from the
  /// processor's own prefetcher, which follows the row once it has started.
  static std::size_t lines_for_mean_row(const DataView& data, std::size_t bytes) {
    constexpr std::size_t kLine = 64;
    constexpr std::size_t kMaxLines = 32;
    const std::size_t mean = data.nonzeros() / std::max<std::size_t>(1, data.rows());
    return std::min(kMaxLines, (mean * bytes + kLine - 1) / kLine + 1);
  }

  /// Requests the lines of row i's indices and values, as many as a row of
  /// the mean length has (see lines_for_mean_row), and its label. The
  /// addresses past a short row are the next rows' (or past the arrays,
  /// which a prefetch may name: it never faults), so they are counted as
  /// integers, not as pointers into the arrays.
  void prefetch_row_ahead(std::size_t i) const {
    constexpr std::uintptr_t kLine = 64;
    const RowRef r = row(data_, i);
    const auto indices_at = reinterpret_cast<std::uintptr_t>(r.indices);
    const auto values_at = reinterpret_cast<std::uintptr_t>(r.values);
    for (std::size_t line = 0; line < ahead_index_lines_; ++line) {
      prefetch_line(reinterpret_cast<const void*>(indices_at + line * kLine));
    }
    for (std::size_t line = 0; line < ahead_value_lines_; ++line) {
      prefetch_line(reinterpret_cast<const void*>(values_at + line * kLine));
    }
    prefetch_line(data_.labels.data() + i);
  }

  void prefetch(const RowRef& r) const {
    constexpr std::size_t kLine = 64;
    const auto* index_bytes = reinterpret_cast<const char*>(r.indices);
    const std::size_t index_count = is_full(r.count) ? 0 : r.count;
    for (std::size_t at = 0; at < index_count * sizeof(FeatureIndex); at += kLine) prefetch_line(index_bytes + at);
    const auto* value_bytes = reinterpret_cast<const char*>(r.values);
    for (std::size_t at = 0; at < r.count * sizeof(double); at += kLine) prefetch_line(value_bytes + at);
  }

  const DataView& data_;
  std::span<const std::size_t> order_;
  std::size_t batch_;
  Staging mode_;  // kAlways, kNever or kAhead (never kAuto)
  std::size_t ahead_index_lines_;  // lines requested ahead per row in kAhead mode
  std::size_t ahead_value_lines_;
  std::size_t first_ = 0;  // position of the staged block's first row
  std::size_t end_ = 0;    // position after its last row
  std::vector<std::size_t> offsets_;
  std::vector<FeatureIndex> indices_;
  std::vector<double> values_;
  std::vector<double> labels_;
  std::vector<double> weights_;
  std::vector<FeatureIndex> all_features_;  // 0, ..., d - 1 (empty when d > kMaxFullRowFeatures)
};

}  // namespace logreg::core
