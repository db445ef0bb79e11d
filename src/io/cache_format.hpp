// Internal: the cache decoder without the freshness checks, for the fuzz
// target (which must pass the checksum to reach the rest of the decoder).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "logreg/dataset.hpp"

namespace logreg {

/// FNV-1a 64 of `bytes`: the checksum a cache file ends with.
std::uint64_t cache_checksum(std::string_view bytes);

/// Decodes a cache file's bytes, checking magic, version, checksum and
/// consistency but not that it matches a source file.
std::optional<Dataset> decode_cache(std::string_view bytes, std::string& why);

}  // namespace logreg
