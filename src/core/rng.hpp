// Deterministic random numbers: the same seed gives the same stream on every
// platform and standard library (std::shuffle and the std distributions are
// implementation-defined, so they are not used).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace logreg::core {

__extension__ using Uint128 = unsigned __int128;  // GCC and Clang both have it

/// xoshiro256** 1.0 (Blackman and Vigna, 2018), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform integer in [0, bound), bound > 0 (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t bound) {
    Uint128 m = static_cast<Uint128>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<Uint128>(next()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::span<T> items) {
    // On a copy of the state, written back at the end: the same draws in the
    // same order, but a std::size_t item may alias a state word, so with the
    // members the compiler stored and reloaded the state around every swap
    // (a store-to-load forward on the generator's chain; an epoch's shuffle
    // was about 13% of a two-shard epoch of spam).
    Rng local = *this;
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(local.below(i));
      std::swap(items[i - 1], items[j]);
    }
    *this = local;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

}  // namespace logreg::core
