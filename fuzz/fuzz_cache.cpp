// libFuzzer target: the binary cache decoder. The input gets a valid
// checksum appended, so the fuzzer reaches the header and array checks
// behind it. A cache that decodes must hold a valid dataset.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "io/cache_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::uint64_t checksum = logreg::cache_checksum(bytes);
  bytes.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  std::string why;
  const auto decoded = logreg::decode_cache(bytes, why);
  if (!decoded) {
    if (why.empty() || why.find('\n') != std::string::npos) logreg::fuzz::fail("bad reason", why);
    return 0;
  }
  const std::string problem = decoded->validate();
  if (!problem.empty()) logreg::fuzz::fail("decoded cache is not a valid dataset", problem);
  return 0;
}
