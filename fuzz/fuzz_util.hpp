// Helpers shared by the libFuzzer targets (fuzz/*.cpp). Not part of the libraries.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace rulelab::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the code promises does not hold: report it as a crash (libFuzzer saves the input).
[[noreturn]] inline void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// One scratch file per process (the ingestion API reads files): rewritten for each input,
// removed when the process exits normally.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& extension)
      : path_((std::filesystem::temp_directory_path() /
               ("rulelab-fuzz-" + std::to_string(::getpid()) + extension)).string()) {}
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& write(std::string_view bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) violated("cannot write the scratch file", path_);
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace rulelab::fuzz
