// Binary cache layout (little-endian, native doubles; version 1):
//   magic "LRCACHE\0" | u32 version | u32 flags (bit 0: has weights)
//   u64 source size | i64 source mtime (ns) | u64 options hash
//   u64 rows | u64 non-zeros | u64 features | f64 negative label | f64 positive label
//   i64 row_offsets[rows+1] | u32 indices[nnz] | f64 values[nnz] | f64 labels[rows]
//   f64 weights[rows] (if flagged) | u64 name count | (u64 length, bytes) per name
//   u64 FNV-1a checksum of everything before it
#include "logreg/data_cache.hpp"

#include "io/cache_format.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/huge_pages.hpp"
#include "logreg/model_io.hpp"

namespace logreg {
namespace {

constexpr char kMagic[8] = {'L', 'R', 'C', 'A', 'C', 'H', 'E', '\0'};

std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t options_hash(const ReadOptions& o) {
  const std::string key = std::to_string(static_cast<int>(o.format)) + '\x1f' + o.label_column + '\x1f' +
                          o.weight_column + '\x1f' + o.delimiter;
  return fnv1a(key.data(), key.size());
}

struct Stamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

bool stamp_of(const std::string& path, Stamp& stamp) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  stamp.size = static_cast<std::uint64_t>(info.st_size);
  stamp.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  return true;
}

/// The bytes of a cache file, mapped rather than copied through a stream
/// (twice, each copy taking a page fault per 4 KiB): a 6 MB cache took
/// 90 ms to read that way, longer than parsing the text it came from. A
/// file that cannot be mapped (empty, not a regular file) is read through
/// a stream as before. Like the text reader's mapping, a cache truncated by
/// another process while it is read would end the process with SIGBUS;
/// caches are only ever replaced whole (write_file_atomically).
class CacheBytes {
 public:
  explicit CacheBytes(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    opened_ = true;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
      const auto size = static_cast<std::size_t>(info.st_size);
      void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data != MAP_FAILED) {
#ifdef MADV_POPULATE_READ
        ::madvise(data, size, MADV_POPULATE_READ);  // one call, not a fault per 64 KiB; a hint
#endif
        mapped_ = static_cast<const char*>(data);
        size_ = size;
      }
    }
    ::close(fd);
    if (mapped_ == nullptr) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      copy_ = buffer.str();
    }
  }
  ~CacheBytes() {
    if (mapped_ != nullptr) ::munmap(const_cast<char*>(mapped_), size_);
  }
  CacheBytes(const CacheBytes&) = delete;
  CacheBytes& operator=(const CacheBytes&) = delete;

  /// False when the file could not be opened (there is no cache).
  bool opened() const { return opened_; }
  std::string_view bytes() const { return mapped_ != nullptr ? std::string_view(mapped_, size_) : copy_; }

 private:
  bool opened_ = false;
  const char* mapped_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void put_array(const std::vector<T>& values) {
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  void put_bytes(std::string_view bytes) { out_.append(bytes); }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  bool get(T& value) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&value, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  template <typename T>
  bool get_array(std::vector<T>& values, std::uint64_t count) {
    if (count > (in_.size() - pos_) / sizeof(T)) return false;
    core::reserve_on_huge_pages(values, count);  // a page fault per 4 KiB costs more than the copy
    values.resize(count);
    if (count > 0) std::memcpy(values.data(), in_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
    return true;
  }
  bool get_bytes(std::string& bytes, std::uint64_t count) {
    if (count > in_.size() - pos_) return false;
    bytes.assign(in_.data() + pos_, count);
    pos_ += count;
    return true;
  }
  std::size_t position() const { return pos_; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

std::string encode(const Dataset& d, const Stamp& stamp, std::uint64_t hash) {
  Writer w;
  w.put_bytes(std::string_view(kMagic, sizeof kMagic));
  w.put(static_cast<std::uint32_t>(kCacheFormatVersion));
  w.put(static_cast<std::uint32_t>(d.weights.empty() ? 0 : 1));
  w.put(stamp.size);
  w.put(stamp.mtime_ns);
  w.put(hash);
  w.put(static_cast<std::uint64_t>(d.rows()));
  w.put(static_cast<std::uint64_t>(d.nonzeros()));
  w.put(static_cast<std::uint64_t>(d.num_features));
  w.put(d.label_map.negative);
  w.put(d.label_map.positive);
  w.put_array(d.row_offsets);
  w.put_array(d.indices);
  w.put_array(d.values);
  w.put_array(d.labels);
  if (!d.weights.empty()) w.put_array(d.weights);
  w.put(static_cast<std::uint64_t>(d.feature_names.size()));
  for (const auto& name : d.feature_names) {
    w.put(static_cast<std::uint64_t>(name.size()));
    w.put_bytes(name);
  }
  w.put(fnv1a(w.text().data(), w.text().size()));
  return std::move(w.text());
}

/// The dataset in `bytes` if it is a valid cache for (stamp, hash) (any
/// stamp and hash when `stamp` is null); else an empty optional and the
/// reason in `why`.
std::optional<Dataset> decode(std::string_view bytes, const Stamp* stamp, std::uint64_t hash, std::string& why) {
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    why = "not a logreg cache";
    return std::nullopt;
  }
  std::uint64_t stored_checksum = 0;
  std::memcpy(&stored_checksum, bytes.data() + bytes.size() - 8, 8);
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored_checksum) {
    why = "checksum mismatch (corrupt or cut short)";
    return std::nullopt;
  }
  Reader r(bytes.substr(0, bytes.size() - 8));
  std::string magic;
  std::uint32_t version = 0;
  std::uint32_t flags = 0;
  Stamp cached;
  std::uint64_t cached_hash = 0;
  std::uint64_t rows = 0;
  std::uint64_t nonzeros = 0;
  std::uint64_t features = 0;
  Dataset d;
  r.get_bytes(magic, sizeof kMagic);
  if (!r.get(version) || version != kCacheFormatVersion) {
    why = "cache format version " + std::to_string(version) + ", this logreg writes " + std::to_string(kCacheFormatVersion);
    return std::nullopt;
  }
  bool ok = r.get(flags) && r.get(cached.size) && r.get(cached.mtime_ns) && r.get(cached_hash);
  if (!ok || (stamp != nullptr && (cached.size != stamp->size || cached.mtime_ns != stamp->mtime_ns))) {
    why = "the data file changed since the cache was written";
    return std::nullopt;
  }
  if (stamp != nullptr && cached_hash != hash) {
    why = "the cache was written with other read options";
    return std::nullopt;
  }
  ok = r.get(rows) && r.get(nonzeros) && r.get(features) && r.get(d.label_map.negative) &&
       r.get(d.label_map.positive) && r.get_array(d.row_offsets, rows + 1) && r.get_array(d.indices, nonzeros) &&
       r.get_array(d.values, nonzeros) && r.get_array(d.labels, rows) &&
       ((flags & 1) == 0 || r.get_array(d.weights, rows));
  std::uint64_t names = 0;
  ok = ok && r.get(names) && names <= features;
  for (std::uint64_t k = 0; ok && k < names; ++k) {
    std::uint64_t length = 0;
    std::string name;
    ok = r.get(length) && r.get_bytes(name, length);
    d.feature_names.push_back(std::move(name));
  }
  d.num_features = features;
  if (!ok || r.position() != bytes.size() - 8 || !d.validate().empty()) {
    why = "inconsistent cache contents";
    return std::nullopt;
  }
  return d;
}

}  // namespace

std::uint64_t cache_checksum(std::string_view bytes) { return fnv1a(bytes.data(), bytes.size()); }

std::optional<Dataset> decode_cache(std::string_view bytes, std::string& why) {
  return decode(bytes, nullptr, 0, why);
}

std::string cache_path_for(const std::string& path) { return path + ".lrcache"; }

Result<CachedRead> read_dataset_cached(const std::string& path, const ReadOptions& options) {
  CachedRead out;
  Stamp stamp;
  const bool have_stamp = stamp_of(path, stamp);
  const std::uint64_t hash = options_hash(options);
  const std::string cache = cache_path_for(path);
  if (have_stamp) {
    const CacheBytes in(cache);
    if (in.opened()) {
      std::string why;
      if (auto data = decode(in.bytes(), &stamp, hash, why)) {
        out.data = std::move(*data);
        out.from_cache = true;
        return out;
      }
      out.note = cache + ": ignored: " + why + "; rebuilt";
    }
  }
  auto parsed = read_dataset(path, options);
  if (!parsed) return parsed.error();
  out.data = std::move(parsed).value();
  if (!have_stamp) {
    out.note = path + ": not a regular file, no cache written";
    return out;
  }
  if (Status status = write_file_atomically(cache, encode(out.data, stamp, hash)); !status) {
    out.note = "no cache written: " + status.error().message();
  }
  return out;
}

}  // namespace logreg
