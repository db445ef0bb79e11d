// A binary cache of a parsed data file, so repeated runs skip parsing.
//
// The cache lives beside the source (`DATA.lrcache`). It records the
// source's size and modification time and the read options; a cache that
// does not match them, has another format version, or fails its checksum is
// ignored (and rewritten), never trusted. See docs/formats.md.
#pragma once

#include <string>

#include "logreg/data_reader.hpp"
#include "logreg/dataset.hpp"
#include "logreg/result.hpp"

namespace logreg {

/// Version of the cache layout; caches of other versions are rebuilt.
inline constexpr unsigned kCacheFormatVersion = 1;

/// Where the cache of `path` lives.
std::string cache_path_for(const std::string& path);

struct CachedRead {
  Dataset data;
  bool from_cache = false;  ///< true when the cache was used
  std::string note;         ///< why the cache was not used or not written (empty when all went well)
};

/// Reads `path` through its cache: uses a valid cache, else parses the file
/// and writes the cache atomically (a cache that cannot be written is not an
/// error: `note` says why). Errors are those of read_dataset().
Result<CachedRead> read_dataset_cached(const std::string& path, const ReadOptions& options = {});

}  // namespace logreg
